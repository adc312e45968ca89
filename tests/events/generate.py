#!/usr/bin/env python3
"""Writes one API Gateway HTTP API (payload v2) event per route into this folder.

The events work as they are with `sam local invoke -e`, `cargo lambda invoke
--data-file` and the `events` integration test, against a deployment configured like
`make run` (TENANT_ID=local, JWT_SECRET=local-dev-secret-only-for-make-run-0001,
NEXTAUTH_SECRET=local-nextauth-secret-only-for-make-run): their bearer token is signed with that
secret and expires in 2100; one event authenticates with a NextAuth session cookie
instead (minted by next-auth@4: `NEXT_AUTH_NODE_PATH=... python3 generate.py`).
They name the fixture ids below, which the `events` test seeds before replaying them.

It also writes the S3 notification that starts `settle_upload` (`s3/settle_upload.json`):
a presigned upload of an attachment of the fixture conversation into `make run`'s bucket.
"""
import base64, hashlib, hmac, json, os, subprocess

CONVERSATION = "01JEVENTC0NVERSAT10N000000"
SHARE = "EventShare000000000000"
CLONE = "01JEVENTC10NE0000000000000"
ATTACHMENT = "01JEVENTATTACHMENT00000000"
EXPORT = "01JEVENTEXP0RT000000000000"
ERASURE = "01JEVENTERASURE00000000000"
IMPORT = "01JEVENT1MP0RT000000000000"
USER = "dev-user"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bearer():
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = b64(json.dumps({"sub": USER, "exp": 4102444800, "tenant_id": "local"}, separators=(",", ":")).encode())
    signature = hmac.new(b"local-dev-secret-only-for-make-run-0001", f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64(signature)}"


def session_cookie():
    script = (
        'const { encode } = require("next-auth/jwt");'
        'encode({ token: { sub: "dev-user", name: "Dev", tenant_id: "local" }, secret: "local-nextauth-secret-only-for-make-run", maxAge: 60 * 60 * 24 * 365 * 70 })'
        '.then((t) => process.stdout.write(t));'
    )
    env = dict(os.environ, NODE_PATH=os.environ["NEXT_AUTH_NODE_PATH"])
    return subprocess.run(["node", "-e", script], env=env, check=True, capture_output=True, text=True).stdout


def event(method, path, template, path_parameters=None, query="", body=None, content_type=None, auth="bearer", base64_body=False):
    headers = {"accept": "application/json", "accept-language": "en", "host": "api.example.com", "x-tenant-id": "local"}
    cookies = None
    if auth == "bearer":
        headers["authorization"] = f"Bearer {TOKEN}"
    elif auth == "cookie":
        cookies = [f"__Secure-next-auth.session-token={COOKIE}", "theme=dark"]
    if content_type:
        headers["content-type"] = content_type
    route_key = f"{method} {template}"
    e = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "glchatapi",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.10", "userAgent": "events-fixture"},
            "requestId": "event-" + template.strip("/").replace("/", "-").replace("{", "").replace("}", "") + "-" + method.lower(),
            "routeKey": route_key,
            "stage": "$default",
            "time": "26/Nov/2026:04:05:36 +0000",
            "timeEpoch": 1795665936000,
        },
        "isBase64Encoded": base64_body,
    }
    if cookies:
        e["cookies"] = cookies
    if query:
        e["queryStringParameters"] = dict(p.split("=", 1) for p in query.split("&"))
    if path_parameters:
        e["pathParameters"] = path_parameters
    if body is not None:
        e["body"] = base64.b64encode(body.encode()).decode() if base64_body else body
    return e


TOKEN = bearer()
COOKIE = session_cookie()
C = {"conversation_id": CONVERSATION}
S = {"shared_conversation_id": SHARE}
FORM = "application/x-www-form-urlencoded"
BOUNDARY = "----glchatEventBoundary"
multipart = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="message"\r\n\r\nPlan a week in Bali with kids\r\n--{BOUNDARY}--\r\n'

EVENTS = {
    "create_conversation": event("POST", "/conversations", "/conversations", body=f"user_id={USER}&chatbot_id=general&title=From+an+event", content_type=FORM),
    "list_conversations": event("GET", "/conversations", "/conversations", query="limit=5&chatbot_id=general"),
    "get_conversation": event("GET", f"/conversations/{CONVERSATION}", "/conversations/{conversation_id}", C, query="limit=1"),
    "rename_conversation": event("PATCH", f"/conversations/{CONVERSATION}", "/conversations/{conversation_id}", C, body="title=Renamed+by+an+event", content_type=FORM),
    "append_message": event("POST", f"/conversations/{CONVERSATION}/messages", "/conversations/{conversation_id}/messages", C, body=json.dumps({"role": "user", "content": "And on day 3?"}), content_type="application/json"),
    "create_attachment": event("POST", f"/conversations/{CONVERSATION}/attachments", "/conversations/{conversation_id}/attachments", C, body=json.dumps({"file_name": "itinerary.pdf", "content_type": "application/pdf", "size": 2048}), content_type="application/json"),
    "generate_title": event("POST", f"/conversations/{CONVERSATION}/generate-title", "/conversations/{conversation_id}/generate-title", C, body=multipart, content_type=f"multipart/form-data; boundary={BOUNDARY}", base64_body=True),
    "share_conversation": event("POST", f"/conversations/{CONVERSATION}/share", "/conversations/{conversation_id}/share", C, body="expiry_days=7", content_type=FORM),
    "get_share": event("GET", f"/conversations/{CONVERSATION}/share", "/conversations/{conversation_id}/share", C),
    "list_shared_conversations": event("GET", "/conversations/shared", "/conversations/shared", query="query=bali", auth="cookie"),
    "get_shared_conversation": event("GET", f"/conversations/shared/{SHARE}", "/conversations/shared/{shared_conversation_id}", S, auth=None),
    "clone_shared_conversation": event("POST", f"/conversations/shared/{SHARE}/clone", "/conversations/shared/{shared_conversation_id}/clone", S, body=f"user_id={USER}&old_parent_id={CONVERSATION}&new_conversation_id={CLONE}", content_type=FORM),
    "create_export": event("POST", "/conversations/exports", "/conversations/exports", body=json.dumps({"conversation_ids": [CONVERSATION]}), content_type="application/json"),
    "get_export": event("GET", f"/conversations/exports/{EXPORT}", "/conversations/exports/{export_id}", {"export_id": EXPORT}),
    "create_import": event("POST", "/conversations/imports", "/conversations/imports", body=json.dumps({"file_name": "chatgpt-export.zip", "size": 2048}), content_type="application/json"),
    "get_import": event("GET", f"/conversations/imports/{IMPORT}", "/conversations/imports/{import_id}", {"import_id": IMPORT}),
    "create_erasure": event("POST", "/me/erasure", "/me/erasure"),
    "get_erasure": event("GET", f"/me/erasure/{ERASURE}", "/me/erasure/{erasure_id}", {"erasure_id": ERASURE}),
    "delete_shared_conversation": event("DELETE", f"/conversations/shared/{SHARE}", "/conversations/shared/{shared_conversation_id}", S),
    "delete_conversation": event("DELETE", f"/conversations/{CONVERSATION}", "/conversations/{conversation_id}", C),
    "delete_conversations": event("POST", "/conversations/delete", "/conversations/delete", body=json.dumps({"user_id": USER, "chatbot_id": "general"}), content_type="application/json"),
}

here = os.path.dirname(os.path.abspath(__file__))
for name, body in EVENTS.items():
    with open(os.path.join(here, f"{name}.json"), "w") as f:
        json.dump(body, f, indent=2)
        f.write("\n")


def s3_put(bucket, key, size):
    """An S3 `ObjectCreated:Put` notification as Lambda receives it (event version 2.1)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-26T12:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AROAEXAMPLE:settle"},
                "requestParameters": {"sourceIPAddress": "203.0.113.7"},
                "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "settle-upload",
                    "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3NL1KOZZKExample"}, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": key, "size": size, "eTag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": "0055AED6DCD90281E5"},
                },
            }
        ]
    }


os.makedirs(os.path.join(here, "s3"), exist_ok=True)
with open(os.path.join(here, "s3", "settle_upload.json"), "w") as f:
    key = f"tenants/local/conversations/{CONVERSATION}/attachments/{ATTACHMENT}"
    json.dump(s3_put("glchat-local", key, 2048), f, indent=2)
    f.write("\n")
