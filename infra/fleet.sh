#!/usr/bin/env bash
# Commands over the fleet: the accounts in infra/accounts.json, one stack per tenant
# file in infra/tenants/ (each in its account and region), one stack per account-region
# (infra/region.yaml) and the release engine in the management account
# (infra/release.yaml). Every command checks the whole fleet first, offline
# (glchat-fleet: unknown accounts, duplicate ids and stacks, full account-regions).
#
#   infra/fleet.sh validate                      every tenant and account file, together
#   infra/fleet.sh place <tenant> [--region R]   the account-region a new tenant goes to
#   infra/fleet.sh region <account> <region>     deploy the account-region stack (before its first tenant)
#   infra/fleet.sh engine                        deploy the release engine (management account)
#   infra/fleet.sh release [--version V]         package once per region, plan the waves, start the engine
#   infra/fleet.sh resume <execution-arn>        redrive a stopped release from where it stopped
#   infra/fleet.sh status <tenant>               stack status, deployed version, outputs, alarm states
#   infra/fleet.sh erase <tenant> <user> [--receipt <id>]
#                                                erase everything of one user of a tenant (as
#                                                POST /me/erasure does), or print its receipt
#   infra/fleet.sh offboard <tenant> --to <s3://bucket/prefix | dir> [--yes]
#                                                export the table and the bucket, delete the stack,
#                                                then the table and bucket it retained
#
# Add --dry-run to any command: it needs no AWS credentials, prints every AWS call it
# would make, and for release prints the plan (waves, parallelism, estimated duration).
# AWS calls for a tenant or an account-region run with the role the fleet names for
# it (assumed from the management account's credentials).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

usage() { sed -n '2,25p' "$0" >&2; exit 2; }
dry=0; yes=0; to=""; version=""; receipt=(); region_flag=(); args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1; shift ;;
    --yes) yes=1; shift ;;
    --to) [ $# -ge 2 ] || usage; to="$2"; shift 2 ;;
    --version) [ $# -ge 2 ] || usage; version="$2"; shift 2 ;;
    --region) [ $# -ge 2 ] || usage; region_flag=(--region "$2"); shift 2 ;;
    --receipt) [ $# -ge 2 ] || usage; receipt=(--receipt "$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
[ ${#args[@]} -ge 1 ] || usage
command="${args[0]}"

# The offline half (fleet/src/main.rs); GLCHAT_FLEET_DIR points it at another fleet's
# files (accounts.json, tenants/), as the tests do.
fleet() {
  local files=()
  if [ -n "${GLCHAT_FLEET_DIR:-}" ]; then
    files=(--accounts "$GLCHAT_FLEET_DIR/accounts.json" --tenants "$GLCHAT_FLEET_DIR/tenants")
  fi
  cargo run --quiet -p glchat-fleet -- "$@" "${files[@]}"
}

# An AWS call, or with --dry-run the line saying it.
aws_() {
  if [ "$dry" = 1 ]; then
    printf 'would run: aws'; printf ' %q' "$@"; printf '\n'
  else
    aws "$@"
  fi
}

# Takes on a role for the AWS calls that follow (in this shell): the fleet's accounts
# are reached from the management account's credentials.
assume() { # role-arn
  if [ "$dry" = 1 ]; then
    printf 'would run: aws sts assume-role --role-arn %q --role-session-name glchat-fleet\n' "$1"
    return
  fi
  eval "$(aws sts assume-role --role-arn "$1" --role-session-name glchat-fleet --output json \
    | python3 -c 'import json, shlex, sys
c = json.load(sys.stdin)["Credentials"]
for k, v in (("AWS_ACCESS_KEY_ID", "AccessKeyId"), ("AWS_SECRET_ACCESS_KEY", "SecretAccessKey"), ("AWS_SESSION_TOKEN", "SessionToken")):
    print(f"export {k}={shlex.quote(c[v])}")')"
}

# Sets tenant, account, region, role and stack for one tenant of the fleet.
load_tenant() { # tenant
  local line
  line="$(fleet targets "$1")" || exit 1
  IFS=$'\t' read -r tenant account region role stack <<<"$line"
}

status() {
  load_tenant "$1"
  echo "== $stack ($account $region)"
  assume "$role"
  aws_ cloudformation describe-stacks --region "$region" --stack-name "$stack" \
    --query 'Stacks[0].{status:StackStatus,updated:LastUpdatedTime,outputs:Outputs}' --output table
  # The tenant's own alarm, then its account-region's.
  aws_ cloudwatch describe-alarms --region "$region" --alarm-name-prefix "$stack-" \
    --query 'MetricAlarms[].[StateValue,AlarmName]' --output text
  aws_ cloudwatch describe-alarms --region "$region" --alarm-names glchat-function-errors \
    glchat-function-throttles glchat-server-errors glchat-latency glchat-upload-dead-letters \
    glchat-deletion-failures --query 'MetricAlarms[].[StateValue,AlarmName]' --output text
}

region_stack() { # account region
  local account="$1" region="$2" role
  role="$(fleet places | awk -F'\t' -v a="$account" -v r="$region" '$1 == a && $2 == r { print $3 }')"
  [ -n "$role" ] || { echo "region: account $account does not use $region in infra/accounts.json" >&2; exit 1; }
  assume "$role"
  aws_ cloudformation deploy --region "$region" --stack-name glchat-region \
    --template-file infra/region.yaml --no-fail-on-empty-changeset \
    --parameter-overrides "AlarmEmail=${GLCHAT_ALARM_EMAIL:-}"
}

engine() {
  [ -n "${GLCHAT_ORGANIZATION_ID:-}" ] || [ "$dry" = 1 ] || { echo "engine: set GLCHAT_ORGANIZATION_ID (o-...)" >&2; exit 1; }
  aws_ cloudformation deploy --stack-name glchat-release --template-file infra/release.yaml \
    --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
    --parameter-overrides "OrganizationId=${GLCHAT_ORGANIZATION_ID:-o-exampleorg00}"
}

release() {
  local v="${version:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}"
  local management bucket out regions
  if [ "$dry" = 1 ]; then management='<management-account>'; else
    management="$(aws sts get-caller-identity --query Account --output text)"; fi
  bucket="glchat-releases-$management"
  # The plan first: a fleet that does not validate never reaches AWS.
  fleet plan --version "$v"
  regions="$(fleet targets | cut -f3 | sort -u)"
  out="$(mktemp -d)"; trap 'rm -rf "$out"' RETURN
  if [ "$dry" = 1 ]; then echo "would run: sam build --beta-features"; else sam build --beta-features; fi
  # Lambda reads code from its own region: one package per region, read by the fleet's
  # accounts (the release engine's bucket policy, per region).
  for r in $regions; do
    if [ "$dry" = 1 ]; then
      echo "would run: sam package --region $r --s3-bucket $bucket-$r --s3-prefix releases/$v --output-template-file $out/$r.yaml"
    else
      sam package --region "$r" --s3-bucket "$bucket-$r" --s3-prefix "releases/$v" --output-template-file "$out/$r.yaml"
    fi
    aws_ s3 cp --region "$r" "$out/$r.yaml" "s3://$bucket-$r/releases/$v/template.yaml"
  done
  fleet plan --version "$v" --out "$out" --bucket "$bucket" >/dev/null
  aws_ s3 cp --recursive --exclude '*' --include 'wave-*.json' "$out" "s3://$bucket/releases/$v/"
  aws_ stepfunctions start-execution --name "release-$v" \
    --state-machine-arn "arn:aws:states:${AWS_REGION:-us-east-1}:$management:stateMachine:glchat-release" \
    --input "file://$out/input.json"
  if [ "$dry" = 1 ]; then echo "dry run: nothing was built, uploaded or started"; fi
}

# The user's erasure, written into the tenant's table with its account's role: the
# stream starts run_jobs, which does what POST /me/erasure asks (docs/erasure.md).
erase() { # tenant user
  load_tenant "$1"
  local user="$2"
  assume "$role"
  if [ "$dry" = 1 ]; then
    printf 'would run: TABLE_NAME=%q TENANT_ID=%q AWS_REGION=%q erase_user %q' "glchat-$tenant" "$tenant" "$region" "$user"
    if [ ${#receipt[@]} -gt 0 ]; then printf ' %q' "${receipt[@]}"; fi
    printf '\n'
    return
  fi
  cargo build --quiet -p glchat-functions --bin erase_user
  TABLE_NAME="glchat-$tenant" TENANT_ID="$tenant" AWS_REGION="$region" \
    target/debug/erase_user "$user" "${receipt[@]}"
}

offboard() {
  load_tenant "$1"
  [ -n "$to" ] || { echo "offboard: --to <s3://bucket/prefix | dir> is required" >&2; exit 2; }
  local bucket table export_to
  assume "$role"
  bucket="glchat-$tenant-$account-$region"
  table="glchat-$tenant"
  if [ "$dry" = 0 ] && [ "$yes" = 0 ]; then
    read -r -p "Export and then DELETE $stack, table $table and bucket $bucket? Type the tenant id: " answer
    [ "$answer" = "$tenant" ] || { echo "offboard: not confirmed" >&2; exit 1; }
  fi
  # 1. The table, as of now, through point-in-time recovery (no read capacity used):
  #    to the destination bucket, or staged in the tenant's own bucket for a folder.
  case "$to" in
    s3://*) export_to="${to%/}/table" ;;
    *) export_to="s3://$bucket/offboard-export/table" ;;
  esac
  local export_bucket="${export_to#s3://}"; export_bucket="${export_bucket%%/*}"
  local export_prefix="${export_to#s3://$export_bucket/}"
  aws_ dynamodb export-table-to-point-in-time --region "$region" \
    --table-arn "arn:aws:dynamodb:$region:$account:table/$table" \
    --s3-bucket "$export_bucket" --s3-prefix "$export_prefix" --export-format DYNAMODB_JSON
  echo "wait until the export's status is COMPLETED (aws dynamodb list-exports --region $region), then go on" >&2
  if [ "$dry" = 0 ]; then
    until [ "$(aws dynamodb list-exports --region "$region" --table-arn "arn:aws:dynamodb:$region:$account:table/$table" \
      --query 'ExportSummaries[-1].ExportStatus' --output text)" = COMPLETED ]; do sleep 20; done
  fi
  # 2. The objects (attachments, share copies, large snapshots; for a folder, the staged
  #    table export too).
  case "$to" in
    s3://*) aws_ s3 sync --region "$region" "s3://$bucket" "${to%/}/objects" ;;
    *) aws_ s3 sync --region "$region" "s3://$bucket" "$to" ;;
  esac
  # 3. The stack; it retains the table and the bucket (DeletionPolicy: Retain) ...
  aws_ cloudformation delete-stack --region "$region" --stack-name "$stack"
  aws_ cloudformation wait stack-delete-complete --region "$region" --stack-name "$stack"
  # 4. ... which go now that their data is exported.
  aws_ dynamodb delete-table --region "$region" --table-name "$table"
  aws_ s3 rb --region "$region" "s3://$bucket" --force
  if [ "$dry" = 1 ]; then
    echo "dry run: nothing was exported or deleted"
  else
    echo "offboarded $tenant: data in $to; remove infra/tenants/$tenant.json from the repository"
  fi
}

case "$command" in
  validate) [ ${#args[@]} -eq 1 ] || usage; fleet validate ;;
  place) [ ${#args[@]} -eq 2 ] || usage; fleet place "${args[1]}" "${region_flag[@]}" ;;
  region) [ ${#args[@]} -eq 3 ] || usage; region_stack "${args[1]}" "${args[2]}" ;;
  engine) [ ${#args[@]} -eq 1 ] || usage; engine ;;
  release) [ ${#args[@]} -eq 1 ] || usage; release ;;
  resume) [ ${#args[@]} -eq 2 ] || usage; aws_ stepfunctions redrive-execution --execution-arn "${args[1]}" ;;
  status) [ ${#args[@]} -eq 2 ] || usage; status "${args[1]}" ;;
  erase) [ ${#args[@]} -eq 3 ] || usage; erase "${args[1]}" "${args[2]}" ;;
  offboard) [ ${#args[@]} -eq 2 ] || usage; offboard "${args[1]}" ;;
  *) usage ;;
esac
