#!/usr/bin/env bash
# The infrastructure gates of `make test`: every tenant file and the template pass the
# deploy script's offline validation (cfn-lint, sam validate --lint, checkov with
# only the skips the template explains), and a malformed tenant file and an opt-out of
# the tenant claim with another tenant's key are refused.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

for tenant in infra/tenants/*.json; do
  infra/deploy.sh "$tenant" --validate
done

out="$(mktemp)"; trap 'rm -f "$out"' EXIT
if infra/deploy.sh tests/fixtures/bad-tenant.json --validate >"$out" 2>&1; then
  echo "infra/deploy.sh accepted tests/fixtures/bad-tenant.json" >&2; exit 1
fi
for expected in "tenant_id must match" "region must be an AWS region" "JwtSecret is a secret" "template.yaml has no parameter 'Colour'" "must be https://"; do
  grep -q "$expected" "$out" || { echo "the refusal of bad-tenant.json does not say: $expected" >&2; cat "$out" >&2; exit 1; }
done
# Opting out of the tenant claim with another tenant's identity provider key is refused,
# as is RS256 without issuer and audience.
if infra/deploy.sh tests/fixtures/copycat.json --validate >"$out" 2>&1; then
  echo "infra/deploy.sh accepted tests/fixtures/copycat.json" >&2; exit 1
fi
for expected in "infra/tenants/acme.json uses the same JwtPublicKey" "needs JwtIssuer" "needs JwtAudience"; do
  grep -q "$expected" "$out" || { echo "the refusal of copycat.json does not say: $expected" >&2; cat "$out" >&2; exit 1; }
done
# The deploy configuration carries every secret, and parses as sam reads it.
ACME_CURSOR_SECRET="c-$(printf '%040d' 7)" ACME_NEXTAUTH_SECRET="n-$(printf '%040d' 8)" ACME_LLM_API_KEY="sk-test" \
  python3 infra/tenant.py deploy-config infra/tenants/acme.json >"$out"
python3 - "$out" <<'PY'
import sys, tomllib
config = tomllib.load(open(sys.argv[1], "rb"))["default"]["deploy"]["parameters"]
overrides = dict(o.split("=", 1) for o in config["parameter_overrides"])
assert config["stack_name"] == "glchat-acme", config
assert overrides["CursorSecret"].startswith("c-000") and overrides["LlmApiKey"] == "sk-test", overrides
assert overrides["JwtPublicKey"].startswith("-----BEGIN PUBLIC KEY-----\n"), "PEM newlines kept"
PY
# The fleet commands, without AWS: each prints the calls it would make, with the role
# of the tenant's account.
infra/fleet.sh status acme --dry-run >"$out" 2>&1
grep -q "would run: aws sts assume-role --role-arn arn:aws:iam::111122223333:role/glchat-deployer" "$out"
grep -q "would run: aws cloudformation describe-stacks --region ap-southeast-1 --stack-name glchat-acme" "$out"
grep -q "would run: aws cloudwatch describe-alarms --region ap-southeast-1 --alarm-name-prefix glchat-acme-" "$out"
infra/fleet.sh region 111122223333 eu-west-1 --dry-run >"$out" 2>&1
grep -q "would run: aws cloudformation deploy --region eu-west-1 --stack-name glchat-region --template-file infra/region.yaml" "$out"
if infra/fleet.sh region 111122223333 us-east-2 --dry-run >"$out" 2>&1; then echo "a region the account does not use was accepted" >&2; exit 1; fi
# A release to 1,000 tenants over four accounts of two regions, planned offline: the
# plan is printed in make test's log.
fleet_dir="$(mktemp -d)"; trap 'rm -f "$out"; rm -rf "$fleet_dir"' EXIT
cargo run --quiet -p glchat-fleet -- generate "$fleet_dir" 1000 4 ap-southeast-1,eu-west-1
echo "== the release of 1,000 generated tenants, planned offline (infra/fleet.sh release --dry-run)" >&2
GLCHAT_FLEET_DIR="$fleet_dir" infra/fleet.sh release --dry-run --version abc1234 >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
grep -v '^would run' "$out" | grep -v '^dry run' >&2
for expected in "1000 tenants in 6 waves" "estimated duration:" "sam package --region eu-west-1" \
  "stepfunctions start-execution --name release-abc1234"; do
  grep -qF -- "$expected" "$out" || { echo "release --dry-run does not say: $expected" >&2; cat "$out" >&2; exit 1; }
done
# A tenant file naming an account the fleet does not have stops every command first.
cp infra/tenants/acme.json "$fleet_dir/tenants/tenant-0001.json"
if GLCHAT_FLEET_DIR="$fleet_dir" infra/fleet.sh release --dry-run >"$out" 2>&1; then echo "a bad fleet was released" >&2; exit 1; fi
grep -q "account 111122223333 is not in infra/accounts.json" "$out" || { cat "$out" >&2; exit 1; }
# An operator's erasure of one user: the tenant's role, then the job in its table.
infra/fleet.sh erase acme alice --dry-run >"$out" 2>&1
grep -q "would run: aws sts assume-role --role-arn arn:aws:iam::111122223333:role/glchat-deployer" "$out"
grep -q "would run: TABLE_NAME=glchat-acme TENANT_ID=acme AWS_REGION=ap-southeast-1 erase_user alice" "$out" || { cat "$out" >&2; exit 1; }
infra/fleet.sh offboard acme --to s3://acme-archive/2026 --dry-run >"$out" 2>&1
for expected in "export-table-to-point-in-time" "--s3-bucket acme-archive --s3-prefix 2026/table" \
  "s3 sync --region ap-southeast-1 s3://glchat-acme-111122223333-ap-southeast-1 s3://acme-archive/2026/objects" \
  "cloudformation delete-stack" "dynamodb delete-table --region ap-southeast-1 --table-name glchat-acme" "s3 rb"; do
  grep -qF -- "$expected" "$out" || { echo "offboard --dry-run does not say: $expected" >&2; cat "$out" >&2; exit 1; }
done
# The stack goes before what it retained, and only after the exports.
order="$(grep -o 'export-table-to-point-in-time\|s3 sync\|delete-stack\|delete-table\|s3 rb' "$out" | tr '\n' ' ')"
[ "$order" = "export-table-to-point-in-time s3 sync delete-stack delete-table s3 rb " ] || { echo "offboard order: $order" >&2; exit 1; }
if infra/fleet.sh offboard acme --dry-run >"$out" 2>&1; then echo "offboard without --to was accepted" >&2; exit 1; fi
echo "infra: tenant files and template valid; a malformed tenant file and a borrowed key's opt-out are refused"
