"""`terraform validate` and a `terraform apply` of deploy/ against a moto server, every optional
feature switched on, so every resource block is created once; then the applied roles and
functions are read back from moto and checked against what the code calls.

Needs the Terraform CLI (PATH, or TFR_TERRAFORM) and the AWS provider in a filesystem mirror
(TFR_TF_PLUGIN_DIR, else /opt/tf-plugins or Terraform's usual plugin directories); skipped with
the reason otherwise. Nothing leaves the machine: the provider's endpoints all point at moto
through an override file written into a temporary copy of deploy/ (the real configuration is
not touched), and the version check of the CLI is off.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.dynamodb_local import free_port
from tests.deploy.terraform import DEPLOY, ROOT, load_module

pytestmark = pytest.mark.timeout(900)

PROVIDER = Path("registry.terraform.io/hashicorp/aws")
PLUGIN_DIRS = (
    Path("/opt/tf-plugins"),
    Path.home() / ".terraform.d" / "plugins",
    Path.home() / ".local" / "share" / "terraform" / "plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
)
REGION = "eu-west-1"
ENVIRONMENT = "ci"
# Every service the configuration (and the provider's own look-ups) talks to.
ENDPOINT_SERVICES = (
    "acm",
    "apigateway",
    "apigatewayv2",
    "cloudfront",
    "cloudwatch",
    "cloudwatchlogs",
    "dynamodb",
    "events",
    "iam",
    "kms",
    "lambda",
    "route53",
    "s3",
    "scheduler",
    "secretsmanager",
    "sns",
    "sqs",
    "ssm",
    "sts",
    "wafv2",
)


def _os_arch() -> str:
    machine = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine(), platform.machine()
    )
    return f"{sys.platform}_{machine}"


def _version(text: str) -> tuple[int, ...]:
    """'5.100' -> (5, 100, 0)."""
    parts = [int(part) for part in re.findall(r"\d+", text)[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def provider_constraint() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(lowest admitted, first excluded) AWS provider version from versions.tf."""
    text = (DEPLOY / "versions.tf").read_text()
    match = re.search(r'version\s*=\s*">=\s*([\d.]+),\s*<\s*([\d.]+)"', text)
    assert match, 'versions.tf should pin the AWS provider as ">= x, < y"'
    return _version(match.group(1)), _version(match.group(2))


def terraform_binary() -> str | None:
    return os.environ.get("TFR_TERRAFORM") or shutil.which("terraform")


def provider_mirror() -> Path | None:
    """A filesystem mirror holding an admitted AWS provider for this platform."""
    lowest, excluded = provider_constraint()
    override = os.environ.get("TFR_TF_PLUGIN_DIR")
    candidates = [Path(override)] if override else list(PLUGIN_DIRS)
    for directory in candidates:
        for version_dir in sorted((directory / PROVIDER).glob("*")):
            if lowest <= _version(version_dir.name) < excluded and (version_dir / _os_arch()).is_dir():
                return directory
    return None


def skip_reason() -> str | None:
    if terraform_binary() is None:
        return "no Terraform CLI (install terraform or set TFR_TERRAFORM)"
    if provider_mirror() is None:
        lowest, excluded = provider_constraint()
        return (
            f"no AWS provider >= {'.'.join(map(str, lowest))}, < {'.'.join(map(str, excluded))} for {_os_arch()}"
            f" in a filesystem mirror (set TFR_TF_PLUGIN_DIR; looked in {', '.join(map(str, PLUGIN_DIRS))})"
        )
    try:
        import flask  # noqa: F401  (moto's server runs on it)
    except ImportError:
        return "moto[server] is not installed (pip install -e '.[dev]')"
    return None


def terraform_env(workdir: Path) -> dict[str, str]:
    """The CLI without the network: no version check, no user config, moto's fake credentials."""
    config = workdir / "empty.tfrc"
    config.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(
        CHECKPOINT_DISABLE="1",
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        TF_CLI_CONFIG_FILE=str(config),
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def terraform(workdir: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    binary = terraform_binary()
    assert binary is not None
    return subprocess.run(
        [binary, *args, "-no-color"],
        cwd=workdir,
        env=terraform_env(workdir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """deploy/ copied and initialised from the local mirror against the committed lock file."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("deploy")
    for path in DEPLOY.glob("*.tf"):
        shutil.copy2(path, work / path.name)
    shutil.copy2(DEPLOY / ".terraform.lock.hcl", work / ".terraform.lock.hcl")
    mirror = provider_mirror()
    result = terraform(work, "init", "-backend=false", f"-plugin-dir={mirror}", "-lockfile=readonly")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return work


def test_the_lock_file_admits_the_provider_versions_tf_allows() -> None:
    lock = (DEPLOY / ".terraform.lock.hcl").read_text()
    match = re.search(
        r'provider "registry\.terraform\.io/hashicorp/aws" \{\s*version\s*=\s*"([\d.]+)"\s*constraints\s*=\s*"([^"]+)"',
        lock,
    )
    assert match, "deploy/.terraform.lock.hcl should lock hashicorp/aws"
    lowest, excluded = provider_constraint()
    assert lowest <= _version(match.group(1)) < excluded
    assert _version(match.group(2).split(",")[0]) == lowest
    assert re.search(r'"h1:[A-Za-z0-9+/=]{44}"', lock), "the lock file should carry the provider's hash"


def test_terraform_validate(workdir: Path) -> None:
    result = terraform(workdir, "validate", "-json")
    report = json.loads(result.stdout)
    assert report["valid"], json.dumps(report["diagnostics"], indent=2)
    assert report["warning_count"] == 0, json.dumps(report["diagnostics"], indent=2)


# ---------------------------------------------------------------------------------------------
# moto
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moto(workdir: Path) -> Iterator[str]:
    """A moto server on a free 127.0.0.1 port (stopped after the module)."""
    port = free_port()
    env = {**os.environ, "MOTO_ACM_VALIDATION_WAIT": "0"}  # ACM certificates issue at once
    log = (workdir / "moto.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.deploy.moto_server", "-H", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/reset", data=b"", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto server did not start: {(workdir / 'moto.log').read_text()[-2000:]}")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def aws(url: str, service: str, region: str = REGION) -> Any:
    import boto3

    session: Any = boto3.session.Session()
    return session.client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _tiny_zip(path: Path, name: str, text: str) -> bytes:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), text)
    return path.read_bytes()


PROVIDER_OVERRIDE = """
provider "aws" {{{alias}
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true

  endpoints {{
{endpoints}
  }}
}}
"""

OVERRIDE = """# Written by tests/deploy/test_terraform_apply.py into a temporary copy: everything goes to moto.
{providers}
# moto looks layers up by name in the caller's account; the public adapter layer is published there.
locals {{
  web_adapter_layer_arn = "{layer_arn}"
}}
"""


@pytest.fixture(scope="module")
def applied(workdir: Path, moto: str) -> dict[str, Any]:
    """Apply with every optional feature on; the state as `terraform show -json`."""
    packages = workdir / "packages"
    packages.mkdir()
    # Every zip the configuration reads (local.package_files), as tiny stand-ins.
    for name in re.findall(r"/([a-z-]+\.zip)", str(load_module().locals["package_files"])):
        layer_zip = _tiny_zip(packages / name, "handler.py", "def handler(event, context):\n    return {}\n")
    # What an operator brings: a customer managed key, a bucket for the zips, a hosted zone, and
    # (moto only) the adapter layer in this account.
    key_arn = aws(moto, "kms").create_key(Description="tfreview ci")["KeyMetadata"]["Arn"]
    bucket = "tfreview-ci-packages"
    aws(moto, "s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    zone = aws(moto, "route53").create_hosted_zone(Name="example.com", CallerReference="ci")["HostedZone"][
        "Id"
    ]
    layer = aws(moto, "lambda").publish_layer_version(
        LayerName="LambdaAdapterLayerX86", Content={"ZipFile": layer_zip}
    )
    endpoints = "\n".join(f'    {service:<14} = "{moto}"' for service in ENDPOINT_SERVICES)
    # The default provider and the us-east-1 alias (CloudFront's certificate and web ACL).
    providers = "".join(
        PROVIDER_OVERRIDE.format(alias=alias, endpoints=endpoints)
        for alias in ("", '\n  alias = "us_east_1"\n')
    )
    (workdir / "moto_override.tf").write_text(
        OVERRIDE.format(providers=providers, layer_arn=layer["LayerVersionArn"])
    )
    log_bucket = "tfreview-ci-edge-logs"
    aws(moto, "s3").create_bucket(Bucket=log_bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    variables = {
        "aws_region": REGION,
        "environment": ENVIRONMENT,
        "package_dir": str(packages),
        "kms_key_arn": key_arn,
        "package_s3_bucket": bucket,
        "custom_domain_name": "tfreview.example.com",
        "route53_zone_id": zone.rsplit("/", 1)[-1],
        "alarm_email": "ops@example.com",
        "notification_email": "platform@example.com",
        "notification_channels": [{"name": "platform-slack", "type": "slack", "stacks": ["prod-*"]}],
        "enable_web": True,
        "oidc_issuer": "https://id.example.com/oauth2/default",
        "oidc_client_id": "0oa-tfreview-ci",
        "enable_edge": True,
        "waf_logging_enabled": True,
        "edge_access_log_bucket": log_bucket,
        "enable_bedrock": True,
        "bedrock_model_arns": [
            f"arn:aws:bedrock:{REGION}::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
        ],
        "cors_allowed_origins": ["https://tfreview.example.com"],
        "table_deletion_protection": False,
        "secret_recovery_window_days": 0,
    }
    (workdir / "ci.tfvars.json").write_text(json.dumps(variables))
    result = terraform(workdir, "apply", "-auto-approve", "-var-file=ci.tfvars.json", timeout=800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    shown = terraform(workdir, "show", "-json")
    assert shown.returncode == 0, shown.stderr
    state: dict[str, Any] = json.loads(shown.stdout)
    state["_key_arn"] = key_arn
    return state


def _managed(state: dict[str, Any]) -> list[dict[str, Any]]:
    resources = state["values"]["root_module"].get("resources", [])
    return [r for r in resources if r["mode"] == "managed"]


# With the edge the custom domain is CloudFront's, so the regional API Gateway domain (used without
# the edge) is not created; test_the_regional_domain_is_planned_without_the_edge covers it.
REGIONAL_DOMAIN_ONLY = {
    ("aws_acm_certificate", "api"),
    ("aws_route53_record", "certificate_validation"),
    ("aws_acm_certificate_validation", "api"),
    ("aws_apigatewayv2_domain_name", "this"),
    ("aws_apigatewayv2_api_mapping", "this"),
    ("aws_route53_record", "api_alias"),
}


def test_apply_creates_every_resource_block(applied: dict[str, Any]) -> None:
    created = {(r["type"], r["name"]) for r in _managed(applied)}
    declared = set(load_module().resources)
    assert declared - created == REGIONAL_DOMAIN_ONLY, (
        f"declared but not created against moto: {sorted(declared - created - REGIONAL_DOMAIN_ONLY)}"
    )
    assert len(_managed(applied)) >= 90


def _role_policy(moto: str, role: str, name: str) -> list[dict[str, Any]]:
    document = aws(moto, "iam").get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    statements: list[dict[str, Any]] = document["Statement"]
    for statement in statements:
        for field in ("Action", "Resource"):
            if isinstance(statement.get(field), str):
                statement[field] = [statement[field]]
    return statements


def test_applied_roles_grant_every_call_the_code_makes(applied: dict[str, Any], moto: str) -> None:
    """The policies as AWS (moto) holds them, against the calls derived from the code."""
    from tests.deploy.test_iam_vs_code import derived, kms_needs, python_functions

    for name, function in python_functions().items():
        role = f"tfreview-{ENVIRONMENT}-{name}"
        statements = _role_policy(moto, role, function.role)
        granted = {a for s in statements if s["Effect"] == "Allow" for a in s["Action"]}
        needed = {a for c in derived(name).calls for a in c.actions}
        assert needed <= granted, f"{role} lacks {sorted(needed - granted)}"
        for service, actions in kms_needs(name).items():
            via = f"{service}.{REGION}.amazonaws.com"
            matching = [
                s
                for s in statements
                if s.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService") in (via, [via])
            ]
            assert matching, f"{role}: no key use through {service}"
            assert set(actions) <= set(matching[0]["Action"])
            assert matching[0]["Resource"] == [applied["_key_arn"]]


def test_applied_functions_carry_their_handlers_and_settings(applied: dict[str, Any], moto: str) -> None:
    from tests.deploy.test_iam_vs_code import python_functions

    lambda_ = aws(moto, "lambda")
    table = aws(moto, "dynamodb").describe_table(
        TableName=f"terraform-spacelift-ai-reviewer-reviews-{ENVIRONMENT}"
    )
    assert table["Table"]["SSEDescription"]["KMSMasterKeyArn"] == applied["_key_arn"]
    for name, function in python_functions().items():
        config = lambda_.get_function_configuration(FunctionName=f"tfreview-{ENVIRONMENT}-{name}")
        assert config["Handler"] == function.handler
        assert config["Role"].endswith(f":role/tfreview-{ENVIRONMENT}-{name}")
        variables = config["Environment"]["Variables"]
        if "TFR_TABLE_NAME" in function.environment:  # not the edge authorizer's
            assert variables["TFR_TABLE_NAME"] == table["Table"]["TableName"]
        assert set(variables) <= set(function.environment)
    invoke = lambda_.get_function_event_invoke_config(
        FunctionName=f"tfreview-{ENVIRONMENT}-reviewer", Qualifier="live"
    )
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"].endswith(
        f"tfreview-{ENVIRONMENT}-reviewer-failures"
    )


# ---------------------------------------------------------------------------------------------
# The edge
# ---------------------------------------------------------------------------------------------


def over_limit_mismatches(pattern: str, limit: int) -> list[str]:
    """Content-Length values on which the web ACL's regex and "more than limit" disagree."""
    compiled = re.compile(pattern)
    rng = random.Random(limit)
    numbers = set(range(max(0, limit - 3000), limit + 3000))
    numbers |= {10**k + d for k in range(12) for d in (-1, 0, 1) if 10**k + d >= 0}
    numbers |= {rng.randrange(0, limit * 20) for _ in range(20_000)}
    texts = {str(n) for n in numbers} | {"0" * z + str(n) for n in (0, limit, limit + 1) for z in (1, 3)}
    return sorted(t for t in texts if bool(compiled.search(t)) != (int(t) > limit))[:10]


@pytest.mark.parametrize("max_body_mb", [1, 9, 24, 64])
def test_the_body_limit_regexes_mean_more_than_the_limit(workdir: Path, max_body_mb: int) -> None:
    """local.edge_over_limit_patterns rendered by Terraform itself, for limits with 0s, 9s and carries."""
    from tests.deploy.test_edge import app_limits

    result = subprocess.run(
        [terraform_binary() or "terraform", "console", "-var", f"aws_region={REGION}", "-var", "environment=ci",
         "-var", f"max_body_mb={max_body_mb}"],
        cwd=workdir, env=terraform_env(workdir), input="jsonencode(local.edge_over_limit_patterns)\n",
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    patterns = json.loads(json.loads(result.stdout.strip().splitlines()[-1]))
    limits = app_limits(max_body_mb * 1024 * 1024)
    assert set(patterns) == set(limits)
    for name, pattern in patterns.items():
        assert len(pattern) <= 512, "AWS WAF takes regexes of up to 512 characters"
        assert over_limit_mismatches(pattern, limits[name]) == [], (name, pattern)


def test_applied_edge_puts_cloudfront_and_waf_in_front(applied: dict[str, Any], moto: str) -> None:
    from tests.deploy.test_edge import app_limits

    cloudfront = aws(moto, "cloudfront")
    (summary,) = cloudfront.list_distributions()["DistributionList"]["Items"]
    config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
    assert config["Aliases"]["Items"] == ["tfreview.example.com"]
    certificate = config["ViewerCertificate"]
    assert certificate["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert ":us-east-1:" in certificate["ACMCertificateArn"]
    # Both origins carry the origin header with a value the authorizer's secret accepts.
    secret = aws(moto, "secretsmanager").get_secret_value(SecretId=f"tfreview/{ENVIRONMENT}/origin-verify")
    accepted = json.loads(secret["SecretString"])["values"]
    assert len(accepted) == 2 and all(len(v) >= 32 for v in accepted) and accepted[0] != accepted[1]
    origins = {o["Id"]: o for o in config["Origins"]["Items"]}
    assert set(origins) == {"api", "web"}
    for origin in origins.values():
        headers = {h["HeaderName"]: h["HeaderValue"] for h in origin["CustomHeaders"]["Items"]}
        assert headers["x-tfr-origin-verify"] in accepted
        assert origin["DomainName"].endswith(".amazonaws.com")
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]["Items"]}
    for path in ("/api/*", "/webhooks/*", "/docs", "/openapi.json"):
        assert behaviours[path]["TargetOriginId"] == "api"
        assert behaviours[path]["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "web"
    web_headers = {h["HeaderName"]: h["HeaderValue"] for h in origins["web"]["CustomHeaders"]["Items"]}
    assert web_headers["X-Forwarded-Host"] == "tfreview.example.com"

    # The web ACL, in us-east-1, on the distribution, with its body limits equal to the API's.
    wafv2 = aws(moto, "wafv2", region="us-east-1")
    (acl_summary,) = wafv2.list_web_acls(Scope="CLOUDFRONT")["WebACLs"]
    assert config["WebACLId"] == acl_summary["ARN"]
    acl = wafv2.get_web_acl(Name=acl_summary["Name"], Scope="CLOUDFRONT", Id=acl_summary["Id"])["WebACL"]
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    api_env = aws(moto, "lambda").get_function_configuration(FunctionName=f"tfreview-{ENVIRONMENT}-api")
    limits = app_limits(int(api_env["Environment"]["Variables"]["TFR_MAX_BODY_BYTES"]))
    for rule_name, limit_name in [
        ("body-over-update-limit", "update"),
        ("body-over-webhook-limit", "webhook"),
        ("body-over-api-limit", "any"),
    ]:
        statement = rules[rule_name]["Statement"]
        parts = statement["AndStatement"]["Statements"] if "AndStatement" in statement else [statement]
        (pattern,) = [
            p["RegexMatchStatement"]["RegexString"]
            for p in parts
            if "SingleHeader" in p.get("RegexMatchStatement", {}).get("FieldToMatch", {})
        ]
        assert over_limit_mismatches(pattern, limits[limit_name]) == [], rule_name
    logging = wafv2.get_logging_configuration(ResourceArn=acl_summary["ARN"])["LoggingConfiguration"]
    assert {f["SingleHeader"]["Name"] for f in logging["RedactedFields"]} == {"authorization", "cookie"}

    # The dashboard signs people in and reaches the API through the domain; secrets by id only.
    web = aws(moto, "lambda").get_function_configuration(FunctionName=f"tfreview-{ENVIRONMENT}-web")
    web_env = web["Environment"]["Variables"]
    assert web_env["TFR_OIDC_ISSUER"] == "https://id.example.com/oauth2/default"
    assert web_env["TFR_OIDC_CLIENT_ID"] == "0oa-tfreview-ci"
    assert web_env["TFR_PUBLIC_URL"] == web_env["TFR_API_URL"] == "https://tfreview.example.com"
    for name in ("TFR_OIDC_CLIENT_SECRET_SECRET_ID", "TFR_SESSION_SECRET_SECRET_ID"):
        assert ":secretsmanager:" in web_env[name]
    assert "TFR_OIDC_CLIENT_SECRET" not in web_env and "TFR_SESSION_SECRET" not in web_env

    # API Gateway: every route of both APIs behind the authorizer; /api/* also needs a credential.
    gateway = aws(moto, "apigatewayv2")
    apis = {a["Name"]: a["ApiId"] for a in gateway.get_apis()["Items"]}
    for api_name in (f"tfreview-{ENVIRONMENT}", f"tfreview-{ENVIRONMENT}-web"):
        routes = gateway.get_routes(ApiId=apis[api_name])["Items"]
        assert routes
        for route in routes:
            assert route["AuthorizationType"] == "CUSTOM", route["RouteKey"]
            # One by one: moto does not implement GetAuthorizers (the list).
            authorizer = gateway.get_authorizer(ApiId=apis[api_name], AuthorizerId=route["AuthorizerId"])
            assert authorizer["AuthorizerType"] == "REQUEST"
            assert authorizer["AuthorizerUri"].endswith(f"tfreview-{ENVIRONMENT}-authorizer/invocations")
            sources = authorizer["IdentitySource"]
            assert sources[0] == "$request.header.x-tfr-origin-verify"
            assert (route["RouteKey"] == "ANY /api/{proxy+}") == ("$request.header.Authorization" in sources)


def _plan_prod(workdir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`terraform plan` of env/prod.tfvars as shipped (against moto, no refresh), with this run's zips."""
    shutil.copy2(DEPLOY / "env" / "prod.tfvars", workdir / "prod.tfvars")
    return terraform(
        workdir,
        "plan",
        "-refresh=false",
        "-var-file=prod.tfvars",
        f"-var=package_dir={workdir / 'packages'}",
        *extra,
        timeout=600,
    )


def test_prod_tfvars_as_shipped_plan_the_edge_and_sign_in(applied: dict[str, Any], workdir: Path) -> None:
    result = _plan_prod(workdir, "-out=prod.plan")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    shown = terraform(workdir, "show", "-json", "prod.plan")
    # Known values after the plan; values that depend on resources not created yet are left out.
    planned = {
        (r["type"], r["name"]): r["change"]["after"] or {}
        for r in json.loads(shown.stdout)["resource_changes"]
        if r["change"]["actions"] != ["delete"]
    }
    for key in [
        ("aws_cloudfront_distribution", "this"),
        ("aws_wafv2_web_acl", "this"),
        ("aws_wafv2_web_acl_logging_configuration", "this"),
        ("aws_lambda_function", "authorizer"),
        ("aws_apigatewayv2_authorizer", "caller"),
        ("aws_apigatewayv2_authorizer", "web"),
    ]:
        assert key in planned, key
    assert ("aws_apigatewayv2_domain_name", "this") not in planned  # the domain is CloudFront's
    # Every route of both HTTP APIs goes through the authorizer. (The dashboard's environment
    # holds ARNs of secrets still to be created, so the plan knows none of it: its sign-in values
    # are checked in tests/deploy/test_edge.py and on the applied function above.)
    routes = [
        r["change"]["after"]
        for r in json.loads(shown.stdout)["resource_changes"]
        if r["type"] == "aws_apigatewayv2_route" and r["change"]["actions"] != ["delete"]
    ]
    assert len(routes) == 8
    assert {route["authorization_type"] for route in routes} == {"CUSTOM"}


def test_a_dashboard_without_sign_in_does_not_plan(applied: dict[str, Any], workdir: Path) -> None:
    # A later var file wins: the shipped prod inputs with sign-in taken out again.
    (workdir / "no-sign-in.tfvars").write_text("oidc_issuer = null\n")
    result = _plan_prod(workdir, "-var-file=no-sign-in.tfvars")
    assert result.returncode != 0
    assert "enable_web needs OIDC sign-in" in result.stderr, result.stderr[-2000:]


def test_the_sign_in_settings_terraform_renders_load_as_the_apps(workdir: Path) -> None:
    """TFR_OIDC_AUDIENCE and TFR_OIDC_ROLE_MAP as Terraform writes them, read by Settings."""
    from app.core.settings import load_settings

    tfvars = workdir / "oidc.tfvars.json"
    tfvars.write_text(
        json.dumps(
            {
                "aws_region": REGION,
                "environment": "ci",
                "oidc_issuer": "https://login.microsoftonline.com/tenant/v2.0",
                "oidc_client_id": "11111111-2222-3333-4444-555555555555",
                "oidc_roles_claim": "roles",
                "oidc_role_map": {"tfreview.approver": "approver", "tfreview.viewer": "viewer"},
            }
        )
    )
    result = subprocess.run(
        [terraform_binary() or "terraform", "console", f"-var-file={tfvars}"],
        cwd=workdir, env=terraform_env(workdir), capture_output=True, text=True, timeout=120, check=False,
        input="jsonencode([local.oidc_audience_setting, local.oidc_role_map_setting, var.oidc_roles_claim])\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    audience, role_map, claim = json.loads(json.loads(result.stdout.strip().splitlines()[-1]))
    settings = load_settings(
        env="prod",
        oidc_issuer="https://login.microsoftonline.com/tenant/v2.0",
        oidc_audience=audience,
        oidc_roles_claim=claim,
        oidc_role_map=role_map,
    )
    assert settings.oidc_audience == ["11111111-2222-3333-4444-555555555555"]  # the client id by default
    assert settings.oidc_role_map == {"tfreview.approver": "approver", "tfreview.viewer": "viewer"}
