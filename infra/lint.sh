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
echo "infra: tenant files and template valid; a malformed tenant file and a borrowed key's opt-out are refused"
