#!/usr/bin/env bash
# `make test`: format, lint and infrastructure gates, then unit and integration tests,
# the latter against a fresh DynamoDB Local and s3s-fs on free ports (stopped afterwards).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

infra/local/tools.sh test
eval "$(infra/local/tools.sh paths)"
export NEXT_AUTH_NODE_PATH

echo "== cargo fmt --check" >&2
cargo fmt --all -- --check
echo "== cargo clippy -D warnings" >&2
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== infrastructure: tenant and fleet files, cfn-lint, sam validate --lint, checkov, a 1,000-tenant release plan" >&2
infra/lint.sh
echo "== fleet: what a tenant costs before its first request and how many fit, from the templates (docs/fleet.md)" >&2
cargo run --quiet -p glchat-fleet -- report
echo "== build tests" >&2
cargo test --workspace --no-run --quiet
cargo build --quiet -p glchat-tests --bin foreign
echo "== tests (DynamoDB Local + s3s-fs)" >&2
log="$(mktemp -t glchat-test.XXXXXX)"
trap 'rm -f "$log"' EXIT
status=0
# Another project's table and bucket sit in the stack for the whole suite, and must
# come out of it untouched (tests/src/bin/foreign.rs).
infra/local/stack.sh -- bash -c '
  target/debug/foreign plant || exit 1
  cargo test --workspace; status=$?
  target/debug/foreign check || status=1
  exit "$status"' 2>&1 | tee "$log" || status=$?
# One closing line for the whole run (cargo prints one per test binary; the foreign
# resources' check prints its own).
awk '/^test result:|^foreign resources untouched:/ { for (i = 1; i <= NF; i++) { gsub(/[;,]$/, "", $(i+1)); if ($(i+1) == "passed") p += $i; if ($(i+1) == "failed") f += $i; if ($(i+1) == "ignored") s += $i } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
