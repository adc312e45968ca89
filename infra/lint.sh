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
echo "infra: tenant files and template valid; a malformed tenant file and a borrowed key's opt-out are refused"
