#!/usr/bin/env bash
# `make run`: builds the local API, starts the stack with data kept in .local/data,
# serves every endpoint on 127.0.0.1:$PORT and prints a dev token and curl examples.
# Ctrl-C or SIGTERM stops everything it started.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

export PORT="${PORT:-3000}"
export TENANT_ID="${TENANT_ID:-local}"
export JWT_SECRET="${JWT_SECRET:-local-dev-secret-only-for-make-run-0001}"
export NEXTAUTH_SECRET="${NEXTAUTH_SECRET:-local-nextauth-secret-only-for-make-run}"
export CURSOR_SECRET="${CURSOR_SECRET:-local-cursor-secret-only-for-make-run-01}"
export TABLE_NAME="${TABLE_NAME:-glchat-$TENANT_ID}"
export BUCKET_NAME="${BUCKET_NAME:-glchat-$TENANT_ID}"
export LOCAL_DEV_USER="${LOCAL_DEV_USER:-dev-user}"
# Pages a session cookie may write from (a Next.js dev server beside the API).
export ALLOWED_ORIGINS="${ALLOWED_ORIGINS:-http://localhost:3001,http://127.0.0.1:3001}"
export RUST_LOG="${RUST_LOG:-info}"

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "port $PORT is already in use; set PORT to another one (PORT=3001 make run)" >&2
  exit 1
fi

infra/local/tools.sh stack
cargo build --quiet -p glchat-functions --bin local_api
exec infra/local/stack.sh --data "$root/.local/data" -- "$root/target/debug/local_api"
