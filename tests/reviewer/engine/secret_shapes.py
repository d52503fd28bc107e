"""Every secret shape issue 15 names, planted all over one plan (shared by the engine and end-to-end tests).

The values are made up but shaped like the real thing; SHAPES maps a name to the exact text that must
never come out of the reviewer, and planted_shapes_plan() puts each one in several places: attribute
values, nested maps, lists, longer strings, a JSON policy document, variables, outputs, the provider
block, module inputs, before/after, drift and prior state.
"""

from __future__ import annotations

import base64
import json
from typing import Any

_PEM_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUShapesPemBody0123456789"
_GCP_KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCShapesGcpKeyBody01234"
GCP_KEY_FILE = json.dumps(
    {
        "type": "service_account",
        "project_id": "shapes-project",
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": f"-----BEGIN PRIVATE KEY-----\n{_GCP_KEY_BODY}\n-----END PRIVATE KEY-----\n",
        "client_email": "shapes@shapes-project.iam.gserviceaccount.com",
    },
    indent=2,
)
GCP_KEY_FILE_B64 = base64.b64encode(GCP_KEY_FILE.encode()).decode()

SHAPES: dict[str, str] = {
    # AWS ids: every prefix, any length from 16 to 128
    "akia": "AKIAZQ3DQYHN4SHAPES1",
    "asia_long": "ASIAZQ3DQYHN4SHAPES2LONGERKEY000",
    "abia": "ABIAZQ3DQYHN4SHAPES3",
    "acca": "ACCAZQ3DQYHN4SHAPES4",
    "agpa": "AGPAZQ3DQYHN4SHAPES5",
    "aida": "AIDAZQ3DQYHN4SHAPES6",
    "aipa": "AIPAZQ3DQYHN4SHAPES7",
    "anpa": "ANPAZQ3DQYHN4SHAPES8",
    "anva": "ANVAZQ3DQYHN4SHAPES9",
    "apka_128": "APKA" + "Z7Q3SHAPES" * 12 + "Z7Q3",
    "aroa": "AROAZQ3DQYHN4SHAPESA",
    "asca": "ASCAZQ3DQYHN4SHAPESB",
    "a3t": "A3TXZQ3DQYHN4SHAPESC",
    # a value that only its name calls an access key id
    "named_key_id": "plainShapesKeyId77q",
    "env_key_id": "envShapesKeyId88r",
    # the secret key of an access key pair
    "aws_secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSHAPES0KEY",
    # GitHub
    "ghp": "ghp_ShapesGithubClassic0123456789abcdef",
    "gho": "gho_ShapesGithubOauth0123456789abcdefgh",
    "ghu": "ghu_ShapesGithubUser0123456789abcdefghi",
    "ghs": "ghs_ShapesGithubServer0123456789abcdefg",
    "ghr": "ghr_ShapesGithubRefresh0123456789abcdef",
    "github_pat": "github_pat_11SHAPES0000_ShapesFineGrained0123456789abcdef",
    # Slack
    "xoxb": "xoxb-123456789012-ShapesBotToken01",
    "xoxp": "xoxp-123456789012-ShapesUserToken1",
    "xoxa": "xoxa-2-ShapesAppToken0123456789",
    "xapp": "xapp-1-A0SHAPES-1234567890-ShapesAppLevel0123",
    "slack_hook": "T0SHAPES01/B0SHAPES02/ShapesSlackWebhook0123abcd",
    # GCP service-account key (the PEM body, and the whole file base64-encoded)
    "gcp_key": _GCP_KEY_BODY,
    "gcp_key_b64": GCP_KEY_FILE_B64[40:120],
    # Azure
    "azure_account_key": "U2hhcGVzQXp1cmVBY2NvdW50S2V5MDEyMzQ1Njc4OQ==",
    "azure_sas_sig": "U2hhcGVzU2FzU2lnbmF0dXJl%2BMDEyMzQ%3D",
    "azure_sb_key": "U2hhcGVzU2VydmljZUJ1c0tleTAxMjM0NTY3ODk=",
    # PEM private keys, with real and escaped line breaks
    "pem": _PEM_BODY,
    "pem_escaped": "MIIEpAIBAAKCAQEAShapesEscapedPemBody0123456789",
    # JWT
    "jwt": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzaGFwZXMifQ.U2hhcGVzSnd0U2lnbmF0dXJl",
}

AZURE_CONNECTION = (
    "DefaultEndpointsProtocol=https;AccountName=shapes;"
    f"AccountKey={SHAPES['azure_account_key']};EndpointSuffix=core.windows.net"
)
AZURE_SAS_URL = (
    "https://shapes.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=co&sp=rl"
    f"&se=2030-01-01T00:00:00Z&sig={SHAPES['azure_sas_sig']}"
)
SERVICE_BUS = (
    "Endpoint=sb://shapes.servicebus.windows.net/;SharedAccessKeyName=root;"
    f"SharedAccessKey={SHAPES['azure_sb_key']}"
)
PEM = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{_PEM_BODY}\n-----END OPENSSH PRIVATE KEY-----\n"
PEM_ESCAPED = f"-----BEGIN RSA PRIVATE KEY-----\\n{SHAPES['pem_escaped']}\\n-----END RSA PRIVATE KEY-----\\n"
SLACK_URL = f"https://hooks.slack.com/services/{SHAPES['slack_hook']}"
AWS_IDS = [SHAPES[k] for k in ("akia", "asia_long", "abia", "acca", "agpa", "aida", "aipa", "anpa")]
MORE_AWS_IDS = [SHAPES[k] for k in ("anva", "apka_128", "aroa", "asca", "a3t")]
TOKENS = [
    SHAPES[k] for k in ("ghp", "gho", "ghu", "ghs", "ghr", "github_pat", "xoxb", "xoxp", "xoxa", "xapp")
]


def _rc(address: str, before: Any, after: Any, **extra: Any) -> dict[str, Any]:
    rtype, name = address.rsplit(".", 2)[-2:]
    return {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {
            "actions": ["update"] if before is not None else ["create"],
            "before": before,
            "after": after,
            "after_unknown": {},
            "before_sensitive": {},
            "after_sensitive": {},
            **extra,
        },
    }


def planted_shapes_plan() -> dict[str, Any]:
    """A plan whose only secrets are unmarked: every shape must be found by its shape or its name."""
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:userid": MORE_AWS_IDS, "token": SHAPES["jwt"]}},
                }
            ],
        }
    )
    lambda_env = {
        "AWS_ACCESS_KEY_ID": SHAPES["named_key_id"],
        "AWS_SECRET_ACCESS_KEY": SHAPES["aws_secret"],
        "GITHUB_APP": SHAPES["ghs"],
        "SLACK_URL": SLACK_URL,
        "STORAGE": AZURE_CONNECTION,
        "BUS": SERVICE_BUS,
    }
    user_data = (
        "#!/bin/sh\n"
        f"export AWS_ACCESS_KEY_ID={SHAPES['env_key_id']}\n"
        f"export PRINCIPALS='{' '.join(AWS_IDS)}'\n"
        f"curl -H 'Authorization: Bearer {SHAPES['jwt']}' '{AZURE_SAS_URL}'\n"
        f"cat > /root/.ssh/id <<EOF\n{PEM}EOF\n"
    )
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "variables": {
            "region": {"value": "eu-west-1"},
            "gcp_creds": {"value": GCP_KEY_FILE},
            "tokens": {"value": TOKENS},
            "settings": {"value": {"nested": {"key": SHAPES["akia"], "pem": PEM_ESCAPED}}},
        },
        "resource_changes": [
            _rc(
                "aws_lambda_function.shapes",
                {"function_name": "shapes", "environment": [{"variables": {"AWS_ACCESS_KEY_ID": "x"}}]},
                {
                    "function_name": "shapes",
                    "description": f"deployed with {SHAPES['ghp']} for {SHAPES['aroa']}",
                    "environment": [{"variables": lambda_env}],
                    "tags": {"owner_key": SHAPES["asia_long"], "token_list": ", ".join(TOKENS)},
                },
            ),
            _rc(
                "aws_instance.shapes",
                {"user_data": "old", "ami": "ami-1"},
                {"user_data": user_data, "ami": "ami-2", "tags": {"Name": "shapes"}},
            ),
            _rc(
                "aws_iam_policy.shapes",
                None,
                {"name": "shapes", "policy": policy},
            ),
            _rc(
                "kubernetes_secret.shapes",
                None,
                {
                    "metadata": [{"name": "shapes"}],
                    "data": {"key.json": GCP_KEY_FILE_B64, "gh": SHAPES["gho"]},
                },
            ),
            _rc(
                "google_service_account_key.shapes",
                {"public_key": "cHVibGlj", "note": SHAPES["ghu"]},
                {"public_key": "cHVibGlj", "note": SHAPES["ghr"]},
            ),
        ],
        "resource_drift": [
            _rc(
                "aws_ssm_parameter.shapes",
                {"name": "/shapes", "value": "v1", "description": SHAPES["github_pat"]},
                {"name": "/shapes", "value": "v2", "description": f"{SHAPES['xoxb']} {SHAPES['xoxp']}"},
            )
        ],
        "output_changes": {
            "webhook": {
                "actions": ["create"],
                "before": None,
                "after": {"url": SLACK_URL, "ids": MORE_AWS_IDS},
                "after_unknown": False,
                "before_sensitive": False,
                "after_sensitive": False,
            },
            "storage": {
                "actions": ["update"],
                "before": AZURE_CONNECTION,
                "after": f"{SHAPES['xoxa']} {SHAPES['xapp']} {AZURE_SAS_URL}",
                "after_unknown": False,
                "before_sensitive": False,
                "after_sensitive": False,
            },
        },
        "prior_state": {
            "format_version": "1.0",
            "values": {
                "root_module": {
                    "resources": [
                        {
                            "address": "aws_instance.shapes",
                            "mode": "managed",
                            "type": "aws_instance",
                            "name": "shapes",
                            "values": {"user_data": PEM_ESCAPED, "ami": "ami-1"},
                            "sensitive_values": {},
                        }
                    ]
                }
            },
        },
        "configuration": {
            "provider_config": {
                "google": {
                    "name": "google",
                    "expressions": {
                        "project": {"constant_value": "shapes-project"},
                        "description": {"constant_value": f"ci {SHAPES['abia']} {SHAPES['acca']}"},
                    },
                },
            },
            "root_module": {
                "variables": {"region": {}, "gcp_creds": {}, "tokens": {}, "settings": {}},
                "resources": [
                    {
                        "address": "aws_instance.shapes",
                        "mode": "managed",
                        "type": "aws_instance",
                        "name": "shapes",
                        "expressions": {"user_data": {"constant_value": user_data}},
                    }
                ],
            },
        },
        "applyable": True,
        "complete": True,
    }
