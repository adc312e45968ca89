#!/usr/bin/env bash
# Starts the local stack (DynamoDB Local, s3s-fs, and moto's server standing in for
# Secrets Manager, EventBridge and SQS) on 127.0.0.1, runs a command with the
# stack's environment, then stops exactly what it started (also on Ctrl-C / SIGTERM).
#
#   infra/local/stack.sh [--data DIR] -- COMMAND [ARGS...]
#
# Without --data everything is in memory / a temporary folder and ports are free ones
# (tests); with --data the table and objects live under DIR and survive restarts.
# DYNAMODB_PORT, S3_PORT and SECRETS_PORT pick fixed ports.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data_dir="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--data DIR] -- COMMAND [ARGS...]" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--data DIR] -- COMMAND [ARGS...]" >&2; exit 2; }

"$here/tools.sh" stack
eval "$("$here/tools.sh" paths)"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_port() { # name port pid log
  local deadline=$((SECONDS + 90))
  until (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; do
    if ! kill -0 "$3" 2>/dev/null; then
      echo "[stack] $1 exited during start-up; its log:" >&2; cat "$4" >&2; return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "[stack] $1 not ready on port $2 after 90 s; its log:" >&2; cat "$4" >&2; return 1
    fi
    sleep 0.2
  done
}

work_dir="$(mktemp -d -t glchat-stack.XXXXXX)"
pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work_dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

dynamodb_port="${DYNAMODB_PORT:-$(free_port)}"
s3_port="${S3_PORT:-$(free_port)}"
secrets_port="${SECRETS_PORT:-$(free_port)}"
if [ -n "$data_dir" ]; then
  mkdir -p "$data_dir/dynamodb" "$data_dir/s3"
  dynamodb_storage=(-dbPath "$data_dir/dynamodb")
  s3_root="$data_dir/s3"
else
  dynamodb_storage=(-inMemory)
  s3_root="$work_dir/s3"; mkdir -p "$s3_root"
fi

# The stack's own credentials, whatever the shell holds: a real key must never reach
# the local servers (s3s-fs takes its keys on the command line), and with no profile
# or instance metadata nothing started here can find one.
export AWS_ACCESS_KEY_ID=glchatlocal
export AWS_SECRET_ACCESS_KEY=glchat-local-secret
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_EC2_METADATA_DISABLED=true

# From the stack's own folder: DynamoDB Local writes its metadata file into its
# working directory, and sends no telemetry from here.
(cd "$work_dir" && exec java -Djava.library.path="$DYNAMODB_LOCAL_DIR/DynamoDBLocal_lib" -jar "$DYNAMODB_LOCAL_DIR/DynamoDBLocal.jar" \
  -sharedDb -disableTelemetry "${dynamodb_storage[@]}" -port "$dynamodb_port") >"$work_dir/dynamodb.log" 2>&1 &
pids+=($!)
"$S3S_FS_BIN" --host 127.0.0.1 --port "$s3_port" \
  --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" "$s3_root" >"$work_dir/s3.log" 2>&1 &
pids+=($!)

# Secrets Manager (the functions read their secrets from it when deployed), and
# EventBridge with SQS (deletion events, and a queue the tests read them from).
"$STACK_VENV/bin/moto_server" -H 127.0.0.1 -p "$secrets_port" >"$work_dir/secrets.log" 2>&1 &
pids+=($!)

wait_for_port "DynamoDB Local" "$dynamodb_port" "${pids[0]}" "$work_dir/dynamodb.log"
wait_for_port "s3s-fs" "$s3_port" "${pids[1]}" "$work_dir/s3.log"
wait_for_port "moto (Secrets Manager, EventBridge, SQS)" "$secrets_port" "${pids[2]}" "$work_dir/secrets.log"
echo "[stack] DynamoDB Local on 127.0.0.1:$dynamodb_port, s3s-fs on 127.0.0.1:$s3_port, Secrets Manager, EventBridge and SQS (moto) on 127.0.0.1:$secrets_port" >&2

export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$dynamodb_port"
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$s3_port"
export AWS_ENDPOINT_URL_SECRETS_MANAGER="http://127.0.0.1:$secrets_port"
export AWS_ENDPOINT_URL_EVENTBRIDGE="http://127.0.0.1:$secrets_port"
export AWS_ENDPOINT_URL_SQS="http://127.0.0.1:$secrets_port"
export S3_FORCE_PATH_STYLE=true
# What the tests check before they make any AWS call (tests/src/local_stack.rs): the
# endpoints and credentials above, and this run's id, which prefixes every name a test
# chooses (tables, buckets, buses, queues, secrets).
run_id="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
{
  for name in AWS_ENDPOINT_URL_DYNAMODB AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_SECRETS_MANAGER \
    AWS_ENDPOINT_URL_EVENTBRIDGE AWS_ENDPOINT_URL_SQS AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION; do
    printf '%s=%s\n' "$name" "${!name}"
  done
  printf 'GLCHAT_STACK_RUN=%s\n' "$run_id"
} >"$work_dir/stack.env"
export GLCHAT_LOCAL_STACK="$work_dir"
export NEXT_AUTH_NODE_PATH

# Not exec: the trap must outlive the command to stop the stack.
"$@" &
child=$!
# Background jobs of a script ignore SIGINT, so Ctrl-C reaches the command as SIGTERM.
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 130' INT
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM
wait "$child"
