"""The cold-start baseline: what a team would otherwise deploy for GET /conversations/{id}.

A Python 3 Lambda handler with boto3, set up the way the Rust functions are (DynamoDB
and S3 clients with the same timeouts and standard retries, the DynamoDB connection
opened during init), under a minimal runtime loop speaking the Lambda Runtime API, as
the Python runtime's bootstrap does. Its request does what the Rust function's does
against DynamoDB: check the bearer token (HS256, standard library) and read the
conversation's item collection with one Query.
"""
import base64
import hashlib
import hmac
import json
import os
import urllib.request

import boto3
from botocore.config import Config

CONFIG = Config(
    connect_timeout=2,
    read_timeout=3,
    retries={"max_attempts": 3, "mode": "standard"},
    s3={"addressing_style": "path" if os.environ.get("S3_FORCE_PATH_STYLE") == "true" else "auto"},
)
dynamodb = boto3.client("dynamodb", config=CONFIG)
s3 = boto3.client("s3", config=CONFIG)
TABLE = os.environ["TABLE_NAME"]
SECRET = os.environ["JWT_SECRET"].encode()
dynamodb.describe_table(TableName=TABLE)


def b64decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def caller(headers):
    token = headers.get("authorization", "").removeprefix("Bearer ")
    header, claims, signature = token.split(".")
    expected = hmac.new(SECRET, f"{header}.{claims}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, b64decode(signature)):
        return None
    return json.loads(b64decode(claims))["sub"]


def handle(event):
    user = caller(event["headers"])
    conversation_id = event["pathParameters"]["conversation_id"]
    items = dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CONV#{conversation_id}"}},
    )["Items"]
    owner = next((i["user_id"]["S"] for i in items if i["SK"]["S"] == "CONV"), None)
    if user is None or owner != user:
        return {"statusCode": 404, "body": json.dumps({"detail": "Conversation not found"})}
    messages = [i for i in items if i["SK"]["S"].startswith("MSG#")]
    return {"statusCode": 200, "body": json.dumps({"messages": len(messages)})}


def main():
    api = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/invocation"
    while True:
        with urllib.request.urlopen(f"{api}/next") as next_invocation:
            request_id = next_invocation.headers["Lambda-Runtime-Aws-Request-Id"]
            event = json.loads(next_invocation.read())
        body = json.dumps(handle(event)).encode()
        urllib.request.urlopen(urllib.request.Request(f"{api}/{request_id}/response", data=body, method="POST")).read()


if __name__ == "__main__":
    main()
