#!/usr/bin/env bash
# `make test`: format and lint gates, then unit and integration tests, the latter
# against a fresh DynamoDB Local and s3s-fs on free ports (stopped afterwards).
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
echo "== build tests" >&2
cargo test --workspace --no-run --quiet
echo "== tests (DynamoDB Local + s3s-fs)" >&2
infra/local/stack.sh -- cargo test --workspace --quiet
