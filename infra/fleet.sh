#!/usr/bin/env bash
# Commands over the tenants' stacks (one stack per file in infra/tenants/):
#
#   infra/fleet.sh status <tenant> [--dry-run]   stack status, deployed version, outputs, alarm states
#   infra/fleet.sh deploy --all [--dry-run]      every tenant file in turn, stopping at the first failure
#   infra/fleet.sh offboard <tenant> --to <s3://bucket/prefix | dir> [--yes] [--dry-run]
#                                                export the table and the bucket, delete the stack,
#                                                then the table and bucket it retained
#
# Needs the AWS CLI and the tenant account's credentials. With --dry-run it needs
# neither: it validates the tenant file and prints every AWS call it would make.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

usage() { sed -n '2,12p' "$0" >&2; exit 2; }
dry=0; yes=0; to=""; args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1; shift ;;
    --yes) yes=1; shift ;;
    --to) [ $# -ge 2 ] || usage; to="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
[ ${#args[@]} -ge 1 ] || usage
command="${args[0]}"

# An AWS call, or with --dry-run the line saying it.
aws_() {
  if [ "$dry" = 1 ]; then
    printf 'would run: aws'; printf ' %q' "$@"; printf '\n'
  else
    aws "$@"
  fi
}

tenant_file() { # tenant or path
  case "$1" in *.json) echo "$1" ;; *) echo "infra/tenants/$1.json" ;; esac
}

# Sets tenant, stack and region from a tenant file, after validating it.
load_tenant() { # tenant or path
  local file; file="$(tenant_file "$1")"
  python3 infra/tenant.py validate "$file" >&2
  eval "$(python3 - "$file" <<'PY'
import json, shlex, sys
data = json.load(open(sys.argv[1]))
tenant = data["tenant_id"]
print(f"tenant={shlex.quote(tenant)}")
print(f"stack={shlex.quote(data.get('stack_name', 'glchat-' + tenant))}")
print(f"region={shlex.quote(data['region'])}")
PY
)"
}

status() {
  load_tenant "$1"
  echo "== $stack ($region)"
  aws_ cloudformation describe-stacks --region "$region" --stack-name "$stack" \
    --query 'Stacks[0].{status:StackStatus,updated:LastUpdatedTime,outputs:Outputs}' --output table
  # The template's alarms have generated names that start with the stack's.
  aws_ cloudwatch describe-alarms --region "$region" --alarm-name-prefix "$stack-" \
    --query 'MetricAlarms[].[StateValue,AlarmName]' --output text
}

deploy_all() {
  local file
  for file in infra/tenants/*.json; do
    if [ "$dry" = 1 ]; then
      load_tenant "$file"
      echo "would deploy $tenant: infra/deploy.sh $file (stack $stack in $region)"
    else
      echo "== deploying $file"
      infra/deploy.sh "$file" || { echo "deploy --all: stopped at $file" >&2; exit 1; }
    fi
  done
}

offboard() {
  load_tenant "$1"
  [ -n "$to" ] || { echo "offboard: --to <s3://bucket/prefix | dir> is required" >&2; exit 2; }
  local account bucket table export_to
  if [ "$dry" = 1 ]; then
    account='<account>'
  else
    account="$(aws sts get-caller-identity --query Account --output text)"
  fi
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
    echo "offboarded $tenant: data in $to; remove $(tenant_file "$tenant") from the repository"
  fi
}

case "$command" in
  status) [ ${#args[@]} -eq 2 ] || usage; status "${args[1]}" ;;
  deploy) [ "${args[1]:-}" = --all ] || usage; deploy_all ;;
  offboard) [ ${#args[@]} -eq 2 ] || usage; offboard "${args[1]}" ;;
  *) usage ;;
esac
