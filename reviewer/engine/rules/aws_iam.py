"""AWS IAM rules: parse policy documents in attributes for wildcards, admin, escalation and public access."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.policy import (
    Statement,
    allows,
    granted,
    on_all_resources,
    on_every_resource_of_a_type,
    open_federation,
    parse_policy,
    public_principal,
)

IDENTITY_POLICY_TYPES = (
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_iam_role",
    "aws_ssoadmin_permission_set_inline_policy",
)
RESOURCE_POLICY_TYPES = (
    "aws_s3_bucket_policy",
    "aws_s3_bucket",
    "aws_s3control_bucket_policy",
    "aws_sqs_queue_policy",
    "aws_sqs_queue",
    "aws_sns_topic_policy",
    "aws_sns_topic",
    "aws_ecr_repository_policy",
    "aws_ecrpublic_repository_policy",
    "aws_secretsmanager_secret_policy",
    "aws_secretsmanager_secret",
    "aws_glacier_vault",
    "aws_opensearch_domain",
    "aws_opensearch_domain_policy",
    "aws_elasticsearch_domain",
    "aws_elasticsearch_domain_policy",
    "aws_efs_file_system_policy",
    "aws_backup_vault_policy",
    "aws_api_gateway_rest_api",
    "aws_api_gateway_rest_api_policy",
)
# The attribute holding the JSON policy document, where it is not `policy` (per the provider schema).
POLICY_ATTRIBUTES = {
    "aws_ssoadmin_permission_set_inline_policy": "inline_policy",
    "aws_opensearch_domain": "access_policies",
    "aws_opensearch_domain_policy": "access_policies",
    "aws_elasticsearch_domain": "access_policies",
    "aws_elasticsearch_domain_policy": "access_policies",
    "aws_glacier_vault": "access_policy",
}
AWS_MANAGED_POLICY_PREFIX = ":iam::aws:policy/"
# The attribute naming the attached policy ARN(s), where it is not `policy_arn`.
ATTACHMENT_ATTRIBUTES = {
    "aws_iam_role": "managed_policy_arns",
    "aws_iam_role_policy_attachments_exclusive": "policy_arns",
    "aws_iam_user_policy_attachments_exclusive": "policy_arns",
    "aws_iam_group_policy_attachments_exclusive": "policy_arns",
    "aws_ssoadmin_managed_policy_attachment": "managed_policy_arn",
}
# AWS managed policies that give full control of the account, or the means to take it (grant yourself any
# permission, assign any permission set, leave the organization's guardrails): name -> what it grants.
ADMIN_EQUIVALENT_POLICIES = {
    "AdministratorAccess": "full control of the account",
    "IAMFullAccess": "every IAM action, so the principal can grant itself any permission",
    "PowerUserAccess": "every action outside IAM and Organizations (all data, all compute)",
    "AWSOrganizationsFullAccess": "full control of the organization: accounts, SCPs and delegated admins",
    "AWSSSOMasterAccountAdministrator": "IAM Identity Center administration: any permission set for anyone",
    "AWSSSODirectoryAdministrator": "the Identity Center directory: create users and add them to any group",
    "AdministratorAccess-Amplify": "broad write access including iam:PassRole and CloudFormation on *",
    "AdministratorAccess-AWSElasticBeanstalk": "broad write access including iam:PassRole on *",
    "AWSCloudFormationFullAccess": "cloudformation:* on *, which creates anything a passed role can",
}
# Actions that only accept Resource "*" (Service Authorization Reference: no resource types). Granting them
# on "*" is the only way to grant them, so "on all resources" is not a finding for them.
ONLY_ALL_RESOURCES_ACTIONS = frozenset(
    action.lower()
    for action in (
        "ecr:GetAuthorizationToken",
        "ecr-public:GetAuthorizationToken",
        "sts:GetCallerIdentity",
        "sts:GetSessionToken",
        "sts:DecodeAuthorizationMessage",
        "sts:GetServiceBearerToken",
        "logs:DescribeLogGroups",
        "logs:DescribeDestinations",
        "logs:DescribeExportTasks",
        "logs:DescribeQueries",
        "logs:DescribeQueryDefinitions",
        "logs:DescribeResourcePolicies",
        "cloudwatch:PutMetricData",
        "cloudwatch:GetMetricData",
        "cloudwatch:ListMetrics",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "s3:ListAllMyBuckets",
        "kms:ListKeys",
        "kms:ListAliases",
        "iam:ListRoles",
        "iam:ListPolicies",
        "iam:GetAccountSummary",
        "secretsmanager:ListSecrets",
        "secretsmanager:GetRandomPassword",
        "ssm:DescribeParameters",
        "ec2:DescribeInstances",
        "ecs:DescribeTaskDefinition",
        "ecs:RegisterTaskDefinition",
        "tag:GetResources",
    )
)

PRIVILEGE_ESCALATION_ACTIONS = (
    "iam:AddUserToGroup",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:CreatePolicyVersion",
    "iam:PassRole",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateLoginProfile",
    "lambda:UpdateFunctionCode",
    "glue:UpdateDevEndpoint",
    "cloudformation:CreateStack",
)
CREDENTIALS_EXPOSURE_ACTIONS = (
    "chime:CreateApiKey",
    "codepipeline:PollForJobs",
    "cognito-identity:GetOpenIdToken",
    "cognito-identity:GetCredentialsForIdentity",
    "ec2:GetPasswordData",
    "ecr:GetAuthorizationToken",
    "gamelift:RequestUploadCredentials",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "iam:UpdateAccessKey",
    "lightsail:GetInstanceAccessDetails",
    "lightsail:GetRelationalDatabaseMasterUserPassword",
    "rds-db:Connect",
    "redshift:GetClusterCredentials",
    "sso:GetRoleCredentials",
    "sts:AssumeRole",
    "sts:GetFederationToken",
    "sts:GetSessionToken",
)
DATA_EXFILTRATION_ACTIONS = (
    "s3:GetObject",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "dynamodb:Scan",
)


def policy_documents(state: State, rc: ResourceChange, ctx: RuleContext) -> list[tuple[str, list[Statement]]]:
    """Known, parseable policy documents of a resource with the attribute they came from (parsed once)."""
    return state.memo("policies", lambda: list(_policy_documents(state, rc, ctx)))


def _policy_documents(
    state: State, rc: ResourceChange, ctx: RuleContext
) -> Iterator[tuple[str, list[Statement]]]:
    if rc.type != "aws_iam_role":  # a role's permissions are its inline_policy blocks (no `policy`)
        attribute = POLICY_ATTRIBUTES.get(rc.type, "policy")
        value = state.get(attribute)
        if isinstance(value, str):
            statements = parse_policy(value)
            if statements is not None:
                yield attribute, statements
        elif value is UNKNOWN:
            yield from _deferred(rc, ctx, attribute, attribute)
    else:
        unknown_inline = False
        for i, block in state.each("inline_policy"):
            doc = block.get("policy")
            if isinstance(doc, str) and (statements := parse_policy(doc)) is not None:
                yield f"inline_policy[{i}].policy", statements
            unknown_inline = unknown_inline or doc is UNKNOWN
        if unknown_inline or state.get("inline_policy") is UNKNOWN:
            yield from _deferred(rc, ctx, "inline_policy", "inline_policy.policy")


def _deferred(
    rc: ResourceChange, ctx: RuleContext, expression: str, attribute: str
) -> Iterator[tuple[str, list[Statement]]]:
    """An unknown policy built by a data.aws_iam_policy_document that Terraform reads only during the apply
    (it depends on something this plan creates): its statements are in the plan although its JSON is not."""
    documents = ctx.memo("deferred_policy_documents", _deferred_documents)
    if not documents:
        return
    for identity in sorted(ctx.references(rc, expression)):
        statements = documents.get(identity)
        if statements:
            yield attribute, statements


def _deferred_documents(ctx: RuleContext) -> dict[str, list[Statement]]:
    found: dict[str, list[Statement]] = {}
    for rc in ctx.plan.resource_changes:
        if rc.is_data and rc.type == "aws_iam_policy_document" and isinstance(rc.after, dict):
            state = State(rc.after, rc.after_unknown)
            statements = [s for _, block in state.each("statement") if (s := _document_statement(block))]
            if statements:
                found[ctx.identity(rc)] = statements
    return found


def _document_statement(block: State) -> Statement | None:
    """A data.aws_iam_policy_document statement block as a policy statement; unknown parts are left out."""
    effect = block.get("effect")
    if effect is UNKNOWN:
        return None
    entry: dict[str, Any] = {"Effect": effect if isinstance(effect, str) and effect else "Allow"}
    for name, key in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource")):
        values = block.get(name)
        if isinstance(values, list) and values:
            entry[key] = [v for v in values if isinstance(v, str)]
    not_resources = block.get("not_resources")
    if isinstance(not_resources, list) and not_resources:
        entry["NotResource"] = [v for v in not_resources if isinstance(v, str)]
    for name, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals: dict[str, list[str]] = {}
        for _, principal in block.each(name):
            kind, identifiers = principal.get("type"), principal.get("identifiers")
            if isinstance(kind, str) and isinstance(identifiers, list):
                principals.setdefault(kind, []).extend(i for i in identifiers if isinstance(i, str))
        if principals:
            entry[key] = "*" if principals == {"*": ["*"]} else principals
    conditions: dict[str, dict[str, Any]] = {}
    for _, condition in block.each("condition"):
        test, variable, values = condition.get("test"), condition.get("variable"), condition.get("values")
        if isinstance(test, str) and isinstance(variable, str):
            # An unknown value still narrows (it names something this plan creates).
            conditions.setdefault(test, {})[variable] = values if isinstance(values, list) else ["?"]
    if conditions:
        entry["Condition"] = conditions
    if "Action" not in entry and "NotAction" not in entry:
        return None
    parsed = parse_policy({"Statement": [entry]})
    return parsed[0] if parsed else None


def _identity_meta(
    rule_id: str, title: str, severity: Severity, why: str, fix: str, checkov: str, trivy: str | None = None
) -> RuleMeta:
    return RuleMeta(
        id=rule_id,
        title=title,
        severity=severity,
        category=Category.IAM,
        rationale=why,
        remediation=fix,
        checkov_id=checkov,
        trivy_id=trivy,
    )


def _is_full_wildcard(statement: Statement) -> bool:
    return (
        allows(statement) and not statement.not_actions and any(a in ("*", "*:*") for a in statement.actions)
    )


@REGISTRY.posture(
    _identity_meta(
        "TFR-AWS-IAM-001",
        "IAM policy grants full admin (*:* on *)",
        Severity.CRITICAL,
        'Action "*" on Resource "*" is full administrator access: any compromise of the principal is a '
        "compromise of the account.",
        "Grant only the actions and resources the workload needs; use separate break-glass roles for admin.",
        "CKV_AWS_62",
        "AVD-AWS-0057",
    ),
    *IDENTITY_POLICY_TYPES,
)
def iam_full_admin(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for attribute, statements in policy_documents(state, rc, ctx):
        if any(_is_full_wildcard(s) and on_all_resources(s) for s in statements):
            yield Hit(
                f"{rc.address}: `{attribute}` allows every action on every resource.", attribute=attribute
            )


@REGISTRY.posture(
    _identity_meta(
        "TFR-AWS-IAM-002",
        'IAM policy allows Action "*"',
        Severity.HIGH,
        "A wildcard action (or Allow with NotAction) grants every current and future API call on the "
        "resources it names.",
        "List the needed actions explicitly.",
        "CKV_AWS_63",
        "AVD-AWS-0057",
    ),
    *IDENTITY_POLICY_TYPES,
)
def iam_wildcard_action(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for attribute, statements in policy_documents(state, rc, ctx):
        for s in statements:
            if _is_full_wildcard(s) and not on_all_resources(s):
                yield Hit(
                    f'{rc.address}: `{attribute}` allows Action "*".', attribute=attribute, key=attribute
                )
                break
            if allows(s) and s.not_actions and on_all_resources(s):
                yield Hit(
                    f'{rc.address}: `{attribute}` uses Allow + NotAction on "*", which grants almost everything.',
                    attribute=attribute,
                    key=attribute,
                )
                break


@REGISTRY.posture(
    _identity_meta(
        "TFR-AWS-IAM-003",
        "IAM policy allows a service-wide wildcard on all resources",
        Severity.MEDIUM,
        '"service:*" on Resource "*" grants every action of that service, including destructive and '
        "administrative ones, on every resource.",
        "Narrow the actions (e.g. s3:GetObject) and the resources (ARNs).",
        "CKV_AWS_49",
        "AVD-AWS-0057",
    ),
    *IDENTITY_POLICY_TYPES,
)
def iam_service_wildcard(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for attribute, statements in policy_documents(state, rc, ctx):
        wild = sorted(
            {
                a
                for s in statements
                if allows(s) and not s.not_actions and on_all_resources(s) and not _is_full_wildcard(s)
                for a in s.actions
                if a.endswith(":*")
            }
        )
        if wild:
            yield Hit(
                f"{rc.address}: `{attribute}` allows {', '.join(wild[:5])} on all resources.",
                attribute=attribute,
                key=f"{attribute}|{','.join(wild)}",
            )


def _wide_statements(state: State, rc: ResourceChange, ctx: RuleContext) -> list[tuple[str, list[Statement]]]:
    """Per policy document, the Allow statements on every resource (of a type) short of full admin; shared
    by the escalation, credential and exfiltration rules."""

    def build() -> list[tuple[str, list[Statement]]]:
        return [
            (attribute, wide)
            for attribute, statements in policy_documents(state, rc, ctx)
            if (
                wide := [
                    s
                    for s in statements
                    if allows(s) and on_every_resource_of_a_type(s) and not _is_full_wildcard(s)
                ]
            )
        ]

    return state.memo("wide_statements", build)


def _actions_rule(
    rule_id: str, title: str, severity: Severity, actions: tuple[str, ...], checkov: str, why: str
) -> None:
    meta = _identity_meta(
        rule_id,
        title,
        severity,
        why,
        "Scope these actions to specific resource ARNs or remove them.",
        checkov,
    )

    # Actions that only take Resource "*" cannot be scoped, so granting them on "*" is no finding.
    scoped = tuple(a for a in actions if a.lower() not in ONLY_ALL_RESOURCES_ACTIONS)

    def check(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
        for attribute, wide in _wide_statements(state, rc, ctx):
            hits = sorted({action for s in wide for action in scoped if granted(s, action)})
            if hits:
                where = (
                    "all resources" if all(on_all_resources(s) for s in wide) else "every resource of a type"
                )
                yield Hit(
                    f"{rc.address}: `{attribute}` allows {', '.join(hits[:6])} on {where}.",
                    attribute=attribute,
                    key=f"{attribute}|{','.join(hits)}",
                )

    REGISTRY.posture(meta, *IDENTITY_POLICY_TYPES)(check)


_actions_rule(
    "TFR-AWS-IAM-004",
    "IAM policy allows privilege escalation",
    Severity.HIGH,
    PRIVILEGE_ESCALATION_ACTIONS,
    "CKV_AWS_286",
    'Actions such as iam:PassRole, iam:AttachRolePolicy or iam:CreatePolicyVersion on "*" let a principal '
    "grant itself more permissions.",
)
_actions_rule(
    "TFR-AWS-IAM-005",
    "IAM policy allows credentials exposure",
    Severity.MEDIUM,
    CREDENTIALS_EXPOSURE_ACTIONS,
    "CKV_AWS_287",
    "Actions that return credentials or tokens (iam:CreateAccessKey, sts:AssumeRole, ec2:GetPasswordData) on "
    '"*" expose credentials beyond the intended scope.',
)
_actions_rule(
    "TFR-AWS-IAM-006",
    "IAM policy allows data exfiltration",
    Severity.MEDIUM,
    DATA_EXFILTRATION_ACTIONS,
    "CKV_AWS_288",
    'Read actions for objects, parameters and secrets on "*" let a principal read every secret or object '
    "in the account.",
)


def admin_equivalent(arn: object) -> str | None:
    """The name of the admin-equivalent managed policy an ARN points at, or None."""
    if not isinstance(arn, str) or ":policy/" not in arn:
        return None
    name = arn.rsplit("/", 1)[-1]
    if name == "AdministratorAccess" or (
        AWS_MANAGED_POLICY_PREFIX in arn and name in ADMIN_EQUIVALENT_POLICIES
    ):
        return name
    return None


@REGISTRY.posture(
    _identity_meta(
        "TFR-AWS-IAM-007",
        "Admin-equivalent managed policy attached",
        Severity.HIGH,
        "AdministratorAccess, IAMFullAccess, PowerUserAccess, AWSOrganizationsFullAccess and the Identity Center "
        "administrator policies give full control of the account, or the means to take it.",
        "Attach a least-privilege policy instead; keep admin access to break-glass roles behind MFA.",
        "CKV_AWS_274",
    ),
    "aws_iam_role_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_policy_attachment",
    "aws_iam_role_policy_attachments_exclusive",
    "aws_iam_user_policy_attachments_exclusive",
    "aws_iam_group_policy_attachments_exclusive",
    "aws_iam_role",
    "aws_ssoadmin_managed_policy_attachment",
)
def admin_policy_attached(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    attribute = ATTACHMENT_ATTRIBUTES.get(rc.type, "policy_arn")
    value = state.get(attribute)
    for arn in value if isinstance(value, list) else (value,):
        name = admin_equivalent(arn)
        if name is not None:
            yield Hit(
                f"{rc.address} attaches {name} ({ADMIN_EQUIVALENT_POLICIES[name]}).",
                attribute=attribute,
                key=name,
            )


@REGISTRY.posture(
    _identity_meta(
        "TFR-AWS-IAM-008",
        "Role trust policy allows any principal",
        Severity.CRITICAL,
        'A trust policy with Principal "*" and no condition lets anyone in any AWS account assume the role; '
        "one trusting a shared OIDC platform (GitHub Actions, GitLab CI, HCP Terraform) with no condition on "
        "the repository or workspace (`sub`) lets every user of that platform assume it.",
        "Name the trusted accounts, services or OIDC providers, and add conditions (sts:ExternalId, sub).",
        "CKV_AWS_60",
    ),
    "aws_iam_role",
)
def trust_any_principal(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    value = state.get("assume_role_policy")
    statements = parse_policy(value) if isinstance(value, str) else None
    if statements and any(public_principal(s) and not s.has_condition for s in statements):
        yield Hit(f'{rc.address}: `assume_role_policy` trusts Principal "*".', attribute="assume_role_policy")
    platform = open_federation(value) if statements else None
    if platform is not None:
        yield Hit(
            f"{rc.address}: `assume_role_policy` trusts {platform} with no condition on the repository or "
            f"workspace (sub): every {platform} user can assume it.",
            attribute="assume_role_policy",
            key=f"federated|{platform}",
        )


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-IAM-009",
        title="Resource policy allows public access",
        severity=Severity.HIGH,
        category=Category.IAM,
        rationale='A bucket, queue, topic, repository or secret policy that allows Principal "*" without '
        "a condition is open to the internet.",
        remediation="Name the principals, or restrict with aws:SourceAccount / aws:PrincipalOrgID conditions.",
        checkov_id="CKV_AWS_70",
    ),
    *RESOURCE_POLICY_TYPES,
)
def public_resource_policy(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for attribute, statements in policy_documents(state, rc, ctx):
        if any(public_principal(s) and not s.has_condition for s in statements):
            yield Hit(f'{rc.address}: `{attribute}` allows Principal "*".', attribute=attribute)


@REGISTRY.posture(
    RuleMeta(
        id="TFR-AWS-KMS-002",
        title="KMS key policy allows any principal",
        severity=Severity.HIGH,
        category=Category.IAM,
        rationale='A key policy with Principal "*" lets any account use or manage the key.',
        remediation="Limit the key policy to the account root and named roles.",
        checkov_id="CKV_AWS_33",
    ),
    "aws_kms_key",
    "aws_kms_key_policy",
)
def kms_public_policy(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    value = state.get("policy")
    if value is UNKNOWN or not isinstance(value, str):
        return
    statements = parse_policy(value)
    if statements and any(public_principal(s) and not s.has_condition for s in statements):
        yield Hit(f'{rc.address}: key policy allows Principal "*".', attribute="policy")
