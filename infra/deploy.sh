#!/usr/bin/env bash
# Deploys one tenant's stack, or (--validate) checks everything that can be checked
# without AWS credentials: the tenant file, cfn-lint, `sam validate --lint`, checkov.
#
#   infra/deploy.sh acme               # sam build && sam deploy with infra/tenants/acme.json
#   infra/deploy.sh acme --validate    # offline checks only
#   infra/deploy.sh path/to/file.json --validate
#
# Secrets are read from the environment variables the tenant file names.
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
  cfn-lint template.yaml
  sam validate --lint --region "$region" >/dev/null
  checkov --quiet --compact --skip-download --framework cloudformation -f template.yaml
  echo "$tenant_file: tenant file, cfn-lint, sam validate --lint and checkov passed"
  exit 0
fi

# Secrets go into a file only this user can read, never onto a command line.
umask 077
config="$(mktemp)"; trap 'rm -f "$config"' EXIT
GLCHAT_VERSION="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  python3 infra/tenant.py deploy-config "$tenant_file" >"$config"

sam build --beta-features
sam deploy --config-file "$config" --config-env default
