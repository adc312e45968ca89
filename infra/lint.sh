#!/usr/bin/env bash
# The infrastructure gates of `make test`: every tenant file and the template pass the
# deploy script's offline validation (cfn-lint, sam validate --lint, checkov with
# only the skips the template explains), and a malformed tenant file is refused.
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
echo "infra: tenant files and template valid; a malformed tenant file is refused"
