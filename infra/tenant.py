#!/usr/bin/env python3
"""Checks a tenant file against template.yaml and prints the `sam deploy` arguments.

    infra/tenant.py validate infra/tenants/acme.json
    infra/tenant.py deploy-config infra/tenants/acme.json > samconfig.toml
        (secrets read from the environment; written only to that file, never to a
        command line, where `ps` would show them)

A tenant file names the tenant, its region, the template parameters it sets, and for
each secret parameter the environment variable that holds it at deploy time: secrets
are never committed. Exit status 1 with one line per problem when the file is wrong.
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_PARAMETERS = {
    "JwtSecret", "JwtSecretPrevious", "NextAuthSecret", "NextAuthSecretPrevious",
    "CursorSecret", "CursorSecretPrevious", "LlmApiKey",
}
TENANT = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


def template_parameters():
    """Parameter names and whether they have a default, read from template.yaml."""
    params, current, in_params = {}, None, False
    for line in open(os.path.join(ROOT, "template.yaml")):
        if line.startswith("Parameters:"):
            in_params = True
            continue
        if in_params and line.strip() and not line.startswith(" "):
            break
        if in_params:
            m = re.match(r"^  ([A-Za-z0-9]+):\s*$", line)
            if m:
                current = m.group(1)
                params[current] = False
            elif current and re.match(r"^    Default:", line):
                params[current] = True
    return params


def problems_of(path, data):
    problems = []
    if not isinstance(data, dict):
        return [f"{path}: the file must hold a JSON object"]
    # account and role are the fleet's (infra/accounts.json), checked by glchat-fleet.
    known = {"tenant_id", "account", "role", "region", "stack_name", "parameters", "secrets_from_environment"}
    for key in sorted(set(data) - known):
        problems.append(f"{path}: unknown key {key!r} (expected {sorted(known)})")
    tenant = data.get("tenant_id")
    if not isinstance(tenant, str) or not TENANT.match(tenant):
        problems.append(f"{path}: tenant_id must match {TENANT.pattern} (found {tenant!r})")
    elif os.path.splitext(os.path.basename(path))[0] != tenant:
        problems.append(f"{path}: the file must be named {tenant}.json after its tenant_id")
    region = data.get("region")
    if not isinstance(region, str) or not REGION.match(region):
        problems.append(f"{path}: region must be an AWS region such as ap-southeast-1 (found {region!r})")
    stack = data.get("stack_name", f"glchat-{tenant}")
    if not isinstance(stack, str) or not re.match(r"^[A-Za-z][A-Za-z0-9-]{0,127}$", stack):
        problems.append(f"{path}: stack_name is not a valid CloudFormation stack name ({stack!r})")

    declared = template_parameters()
    parameters = data.get("parameters", {})
    secrets = data.get("secrets_from_environment", {})
    if not isinstance(parameters, dict) or not all(isinstance(v, str) for v in parameters.values()):
        problems.append(f"{path}: parameters must map parameter names to strings")
        parameters = {}
    if not isinstance(secrets, dict) or not all(isinstance(v, str) and re.match(r"^[A-Z][A-Z0-9_]*$", v) for v in secrets.values()):
        problems.append(f"{path}: secrets_from_environment must map secret parameters to environment variable names")
        secrets = {}
    for name in sorted(parameters):
        if name == "TenantId":
            problems.append(f"{path}: TenantId comes from tenant_id, do not set it in parameters")
        elif name == "Version":
            problems.append(f"{path}: Version is the deployed commit, set by infra/deploy.sh")
        elif name not in declared:
            problems.append(f"{path}: template.yaml has no parameter {name!r}")
        elif name in SECRET_PARAMETERS:
            problems.append(f"{path}: {name} is a secret: name its environment variable in secrets_from_environment")
    for name in sorted(secrets):
        if name not in SECRET_PARAMETERS:
            problems.append(f"{path}: {name} is not a secret parameter ({sorted(SECRET_PARAMETERS)})")
    algorithm = parameters.get("JwtAlgorithm", "HS256")
    if algorithm == "HS256" and "JwtSecret" not in secrets:
        problems.append(f"{path}: JwtAlgorithm HS256 needs JwtSecret in secrets_from_environment")
    if algorithm in ("RS256", "ES256") and "BEGIN PUBLIC KEY" not in parameters.get("JwtPublicKey", ""):
        problems.append(f"{path}: JwtAlgorithm {algorithm} needs a PEM JwtPublicKey")
    if algorithm in ("RS256", "ES256"):
        # A public key is usually an identity provider's, which signs for other clients too.
        for name in ("JwtIssuer", "JwtAudience"):
            if not parameters.get(name, "").strip():
                problems.append(f"{path}: JwtAlgorithm {algorithm} needs {name}: the provider's tokens for other clients must not pass")
    if parameters.get("TenantClaimOptional", "false") == "true" and algorithm in ("RS256", "ES256"):
        key = pem_body(parameters.get("JwtPublicKey", ""))
        for other_path, other in other_tenant_files(path):
            other_parameters = other.get("parameters", {}) if isinstance(other, dict) else {}
            if key and pem_body(other_parameters.get("JwtPublicKey", "")) == key:
                problems.append(
                    f"{path}: TenantClaimOptional is only for keys of the tenant's own, "
                    f"but {other_path} uses the same JwtPublicKey: its tokens would pass here"
                )
    if parameters.get("LlmBaseUrl", "").strip() and not parameters.get("LlmModel", "").strip():
        problems.append(f"{path}: LlmBaseUrl needs LlmModel, the tenant's model (a client's model_name is sent only when LlmModels lists it)")
    if "CursorSecret" not in secrets:
        problems.append(f"{path}: CursorSecret must be named in secrets_from_environment")
    for origin in [o.strip() for o in parameters.get("CorsAllowedOrigins", "").split(",") if o.strip()]:
        if not re.match(r"^https://[A-Za-z0-9.-]+(:\d+)?$", origin):
            problems.append(f"{path}: CORS origin {origin!r} must be https://host[:port]")
    for name, has_default in declared.items():
        if not has_default and name != "TenantId" and name not in parameters and name not in secrets:
            problems.append(f"{path}: template parameter {name} has no default and is not set")
    return problems


def pem_body(pem):
    """A PEM key without its armour and whitespace, to compare keys however wrapped."""
    lines = pem.replace("\\n", "\n").strip().splitlines()
    return "".join(l.strip() for l in lines if l.strip() and not l.strip().startswith("-----"))


def other_tenant_files(path):
    """Every tenant file in infra/tenants/ but `path`, parsed (unreadable ones skipped:
    their own validation reports them)."""
    folder = os.path.join(ROOT, "infra", "tenants")
    for name in sorted(os.listdir(folder)):
        other = os.path.join(folder, name)
        if name.endswith(".json") and os.path.abspath(other) != os.path.abspath(path):
            data, problems = load(other)
            if not problems:
                yield os.path.relpath(other, ROOT), data


def load(path):
    try:
        with open(path) as f:
            return json.load(f), []
    except (OSError, json.JSONDecodeError) as e:
        return None, [f"{path}: {e}"]


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("validate", "deploy-config"):
        print(__doc__, file=sys.stderr)
        return 2
    path = sys.argv[2]
    data, problems = load(path)
    if data is not None:
        problems = problems_of(path, data)
    if problems:
        for p in problems:
            print(f"error: {p}", file=sys.stderr)
        return 1
    if sys.argv[1] == "validate":
        print(f"{path}: tenant {data['tenant_id']} in {data['region']} is valid")
        return 0
    overrides = [f"TenantId={data['tenant_id']}"] + [f"{k}={v}" for k, v in sorted(data.get("parameters", {}).items())]
    missing = [var for var in data.get("secrets_from_environment", {}).values() if not os.environ.get(var)]
    if missing:
        print(f"error: set the secret environment variables {missing}", file=sys.stderr)
        return 1
    overrides += [f"{k}={os.environ[v]}" for k, v in sorted(data.get("secrets_from_environment", {}).items())]
    if os.environ.get("GLCHAT_VERSION"):
        overrides.append(f"Version={os.environ['GLCHAT_VERSION']}")
    # A samconfig.toml for `sam deploy --config-file`: TOML basic strings take JSON's
    # escapes, so each value (PEM newlines included) is written with json.dumps.
    stack = data.get("stack_name", f"glchat-{data['tenant_id']}")
    print("version = 0.1")
    print("[default.deploy.parameters]")
    print(f"stack_name = {json.dumps(stack)}")
    print(f"region = {json.dumps(data['region'])}")
    print('capabilities = "CAPABILITY_IAM"')
    print("resolve_s3 = true")
    print("fail_on_empty_changeset = false")
    print(f"parameter_overrides = [{', '.join(json.dumps(o) for o in overrides)}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
