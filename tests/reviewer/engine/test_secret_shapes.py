"""Every common token shape is redacted wherever it sits, without touching the plan's structure."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reviewer.engine import REDACTED, redact_plan, review_plan
from reviewer.engine.reports import FORMATS, render
from reviewer.engine.results import AIReview, to_json
from reviewer.engine.secrets import DETECTORS, looks_like_secret_value, may_hold_secret
from tests.reviewer.engine.secret_shapes import (
    AZURE_CONNECTION,
    AZURE_SAS_URL,
    GCP_KEY_FILE,
    GCP_KEY_FILE_B64,
    PEM,
    PEM_ESCAPED,
    SERVICE_BUS,
    SHAPES,
    SLACK_URL,
    planted_shapes_plan,
)


def _leaks(text: str) -> list[str]:
    return [name for name, secret in SHAPES.items() if secret in text or json.dumps(secret)[1:-1] in text]


def test_every_shape_is_planted() -> None:
    assert _leaks(json.dumps(planted_shapes_plan())) == list(SHAPES)


def test_no_shape_survives_redaction_or_any_report() -> None:
    output = review_plan(planted_shapes_plan())
    outputs: dict[str, str] = {
        fmt: render(fmt, output.result, ai=AIReview(summary_md="ok"), title="shapes") for fmt in FORMATS
    }
    outputs["redacted plan"] = json.dumps(output.redacted, ensure_ascii=False)
    outputs["result"] = json.dumps(to_json(output.result))
    outputs["report paths"] = " ".join(output.result.redaction.paths)
    for where, text in outputs.items():
        assert _leaks(text) == [], where


@pytest.mark.parametrize(
    "text",
    [
        *SHAPES.values(),
        AZURE_CONNECTION,
        AZURE_SAS_URL,
        SERVICE_BUS,
        PEM,
        PEM_ESCAPED,
        SLACK_URL,
        GCP_KEY_FILE_B64,
        f"AWS_ACCESS_KEY_ID={SHAPES['env_key_id']}",
    ],
)
def test_each_shape_passes_the_one_prefilter(text: str) -> None:
    if text in (SHAPES["named_key_id"], SHAPES["env_key_id"], SHAPES["aws_secret"]):
        return  # found by name or by its access key neighbour, never alone
    if text in (SHAPES["slack_hook"], SHAPES["gcp_key"], SHAPES["pem"], SHAPES["pem_escaped"]):
        return  # a fragment: the shape is the URL, the PEM block, the whole file
    if text in (
        SHAPES["azure_account_key"],
        SHAPES["azure_sas_sig"],
        SHAPES["azure_sb_key"],
        SHAPES["gcp_key_b64"],
    ):
        return
    assert may_hold_secret(text) and looks_like_secret_value(text), text


def test_a_value_alone_is_redacted_with_its_shape() -> None:
    raw = planted_shapes_plan()
    redacted, _ = redact_plan(raw)
    after = redacted["resource_changes"][0]["change"]["after"]
    env = after["environment"][0]["variables"]
    assert env["AWS_ACCESS_KEY_ID"] == REDACTED and env["AWS_SECRET_ACCESS_KEY"] == REDACTED
    assert env["SLACK_URL"] == "https://(redacted)"
    assert "AccountName=shapes" in env["STORAGE"] and "EndpointSuffix=core.windows.net" in env["STORAGE"]
    data = redacted["resource_changes"][3]["change"]["after"]["data"]
    assert data["key.json"] == REDACTED
    assert json.loads(redacted["variables"]["gcp_creds"]["value"])["client_email"].startswith("shapes@")


def test_structure_is_never_rewritten() -> None:
    raw = planted_shapes_plan()
    redacted, report = redact_plan(raw)

    def skeleton(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: skeleton(v) for k, v in value.items()}
        if isinstance(value, list):
            return [skeleton(v) for v in value]
        return None

    assert skeleton(redacted) == skeleton(raw)
    for section in ("resource_changes", "resource_drift"):
        for old, new in zip(raw[section], redacted[section], strict=True):
            assert {k: new[k] for k in ("address", "type", "name", "mode", "provider_name")} == {
                k: old[k] for k in ("address", "type", "name", "mode", "provider_name")
            }
    assert redacted["configuration"]["provider_config"]["google"]["name"] == "google"
    assert {"aws_access_key", "api_token", "jwt", "azure_key", "private_key", "encoded_private_key"} <= set(
        report.by_reason
    )
    again, second = redact_plan(redacted)
    assert again == redacted and second.count == 0


def test_the_detector_table_is_the_only_list_of_shapes() -> None:
    reasons = [d.reason for d in DETECTORS]
    assert len(reasons) == len(set(reasons))
    assert {"private_key", "aws_access_key", "api_token", "webhook_url", "jwt", "azure_key"} <= set(reasons)


@pytest.mark.parametrize(
    "text",
    [
        "AKIA-is-a-prefix",
        "AIDAN SMITH",
        "ACCAUNTING_DEPARTMENT_2024",
        "arn:aws:iam::123456789012:role/ANVA_role",
        "signature=valid",
        "github_pat_short",
        "eyJhbGciOiJIUzI1NiJ9",
    ],
)
def test_look_alikes_are_left_alone(text: str) -> None:
    assert not looks_like_secret_value(text)


# --- issue 13: a secret key fed to the provider through a variable of any name ---------------------

SECRET_KEY = "Zq8wJalrXUtnFEMIK7MDENGbPxRfiCYFEDSECRET"


def _provider_plan(**extra: Any) -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "resource_changes": [
            {
                "address": "aws_s3_bucket.b",
                "mode": "managed",
                "type": "aws_s3_bucket",
                "name": "b",
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": {"bucket": "b"},
                    "after_unknown": {},
                },
            }
        ],
        **extra,
    }


def test_a_provider_fed_variable_is_redacted_whatever_its_name() -> None:
    raw = _provider_plan(
        variables={"x": {"value": SECRET_KEY}, "region": {"value": "eu-west-1"}, "empty": {"value": ""}},
        configuration={
            "provider_config": {
                "aws": {
                    "name": "aws",
                    "expressions": {
                        "region": {"references": ["var.region"]},
                        "secret_key": {"references": ["var.x"]},
                        "token": {"references": ["var.empty"]},
                    },
                }
            },
            "root_module": {"variables": {"x": {"default": SECRET_KEY}, "region": {}, "empty": {}}},
        },
    )
    output = review_plan(raw)
    text = json.dumps(output.redacted)
    assert SECRET_KEY not in text
    assert output.redacted["variables"]["x"]["value"] == REDACTED
    assert output.redacted["variables"]["region"]["value"] == "eu-west-1"
    assert output.redacted["variables"]["empty"]["value"] == ""  # nothing to hide, no finding made
    assert output.result.redaction.by_reason.get("provider_credential_variable")
    assert output.redacted["configuration"]["root_module"]["variables"]["x"]["default"] == REDACTED
    found = [f for f in output.result.findings if f.rule_id == "TFR-AWS-PRV-002"]
    assert len(found) == 1 and found[0].attribute == "x"
    for fmt in FORMATS:
        assert SECRET_KEY not in render(fmt, output.result)


def test_module_providers_are_followed_through_module_calls() -> None:
    raw = _provider_plan(
        variables={"root_key": {"value": SECRET_KEY}, "name": {"value": "app"}},
        configuration={
            "provider_config": {
                "module.outer.module.inner:azurerm": {
                    "name": "azurerm",
                    "module_address": "module.outer.module.inner",
                    "expressions": {"client_secret": {"references": ["var.secret"]}},
                },
                "module.direct:google": {
                    "name": "google",
                    "module_address": "module.direct",
                    "expressions": {"credentials": {"references": ["var.creds"]}},
                },
            },
            "root_module": {
                "variables": {"root_key": {}, "name": {}},
                "module_calls": {
                    "outer": {
                        "expressions": {"middle": {"references": ["var.root_key"]}},
                        "module": {
                            "module_calls": {
                                "inner": {
                                    "expressions": {
                                        "secret": {"references": ["var.middle"]},
                                        "label": {"constant_value": "keep-me"},
                                    },
                                    "module": {},
                                }
                            }
                        },
                    },
                    "direct": {"expressions": {"creds": {"constant_value": GCP_KEY_FILE}}, "module": {}},
                },
            },
        },
    )
    redacted, report = redact_plan(raw)
    assert redacted["variables"]["root_key"]["value"] == REDACTED
    assert redacted["variables"]["name"]["value"] == "app"
    calls = redacted["configuration"]["root_module"]["module_calls"]
    assert calls["direct"]["expressions"]["creds"]["constant_value"] == REDACTED
    inner = calls["outer"]["module"]["module_calls"]["inner"]["expressions"]
    assert inner["label"]["constant_value"] == "keep-me"
    assert SECRET_KEY not in json.dumps(redacted) and "ShapesGcpKeyBody" not in json.dumps(redacted)
    assert report.by_reason["provider_credential_variable"] >= 2
    assert raw["variables"]["root_key"]["value"] == SECRET_KEY  # the input is never modified
