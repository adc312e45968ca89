#!/usr/bin/env bash
# Deploys one tenant's stack (onboarding, or a change of its secrets), or (--validate)
# checks everything that can be checked without AWS credentials: the tenant file, the
# fleet's files together, cfn-lint, `sam validate --lint`, checkov, for the tenant
# template and the account-region and release-engine templates. Releases of a new
# version to every tenant go through the engine instead (infra/fleet.sh release).
#
#   infra/deploy.sh acme               # sam build && sam deploy with infra/tenants/acme.json
#   infra/deploy.sh acme --validate    # offline checks only
#   infra/deploy.sh path/to/file.json --validate
#
# Secrets are read from the environment variables the tenant file names. The stack
# goes to the tenant's account and region, with the role infra/accounts.json names,
# after its account-region's stack (infra/fleet.sh region).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

[ $# -ge 1 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
case "$1" in
  *.json) tenant_file="$1" ;;
  *) tenant_file="infra/tenants/$1.json" ;;
esac
mode="${2:-deploy}"

infra/local/tools.sh infra
eval "$(infra/local/tools.sh paths)"
export PATH="$INFRA_VENV/bin:$PATH"
export SAM_CLI_TELEMETRY=0 BC_SKIP_MAPPING=TRUE

python3 infra/tenant.py validate "$tenant_file"
region="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["region"])' "$tenant_file")"

if [ "$mode" = "--validate" ]; then
  cargo run --quiet -p glchat-fleet -- validate
  cfn-lint template.yaml infra/region.yaml infra/release.yaml
  sam validate --lint --region "$region" >/dev/null
  for t in template.yaml infra/region.yaml infra/release.yaml; do
    checkov --quiet --compact --skip-download --framework cloudformation -f "$t"
  done
  echo "$tenant_file: tenant file, fleet files, cfn-lint, sam validate --lint and checkov passed"
  exit 0
fi

# The tenant's account and role (the fleet's files, checked together first).
tenant_id="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tenant_id"])' "$tenant_file")"
IFS=$'\t' read -r _ _ _ role _ <<<"$(cargo run --quiet -p glchat-fleet -- targets "$tenant_id")"
eval "$(aws sts assume-role --role-arn "$role" --role-session-name glchat-deploy --output json \
  | python3 -c 'import json, shlex, sys
c = json.load(sys.stdin)["Credentials"]
for k, v in (("AWS_ACCESS_KEY_ID", "AccessKeyId"), ("AWS_SECRET_ACCESS_KEY", "SecretAccessKey"), ("AWS_SESSION_TOKEN", "SessionToken")):
    print(f"export {k}={shlex.quote(c[v])}")')"

# Secrets go into a file only this user can read, never onto a command line.
umask 077
config="$(mktemp)"; trap 'rm -f "$config"' EXIT
GLCHAT_VERSION="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  python3 infra/tenant.py deploy-config "$tenant_file" >"$config"

sam build --beta-features
sam deploy --config-file "$config" --config-env default
