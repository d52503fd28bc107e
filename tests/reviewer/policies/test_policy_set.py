"""Loading and evaluating custom policies: shapes, severities, addresses, errors and the time limit."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reviewer.engine.config import PolicyConfig
from reviewer.engine.results import Category, Introduction, Severity
from reviewer.policies.errors import PolicyError
from reviewer.policies.inputs import needed_sections
from reviewer.policies.policy_set import PolicySet
from reviewer.policies.source import InputShape, load_module
from tests.reviewer.policies.conftest import policy_findings

Write = Callable[[str, str], Path]


def plan(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": list(changes)}


def change(address: str, actions: list[str], before: object, after: object) -> dict[str, Any]:
    rtype, name = address.rsplit(".", 2)[-2:]
    return {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": actions, "before": before, "after": after, "after_unknown": {}},
    }


BUCKETS = plan(
    change("aws_s3_bucket.new", ["create"], None, {"bucket": "new", "acl": "public-read"}),
    change("aws_s3_bucket.kept", ["no-op"], {"acl": "public-read"}, {"acl": "public-read"}),
    change("aws_s3_bucket.opened", ["update"], {"acl": "private"}, {"acl": "public-read"}),
    change("aws_s3_bucket.changed", ["update"], {"acl": "public-read-write"}, {"acl": "public-read"}),
    change("aws_s3_bucket.same", ["update"], {"acl": "public-read", "v": 1}, {"acl": "public-read", "v": 2}),
)

PUBLIC_ACL = """package team.public_acl
import rego.v1

deny contains {"msg": concat("", [rc.address, " is ", rc.change.after.acl]), "address": rc.address} if {
	some rc in input.resource_changes
	rc.change.after.acl in {"public-read", "public-read-write"}
}
"""


def test_introduced_worsened_and_pre_existing_follow_the_before_state(write_policy: Write) -> None:
    folder = write_policy("acl.rego", PUBLIC_ACL)
    found = {f.address: f for f in policy_findings([str(folder)], BUCKETS)}
    assert found["aws_s3_bucket.new"].introduction is Introduction.INTRODUCED
    assert found["aws_s3_bucket.kept"].introduction is Introduction.PRE_EXISTING
    assert found["aws_s3_bucket.opened"].introduction is Introduction.INTRODUCED
    assert found["aws_s3_bucket.changed"].introduction is Introduction.WORSENED
    assert found["aws_s3_bucket.same"].introduction is Introduction.PRE_EXISTING
    assert found["aws_s3_bucket.same"].introduced is False
    assert all(f.rule_id == "team.public_acl" and f.severity is Severity.HIGH for f in found.values())
    assert all(f.category is Category.POLICY for f in found.values())


def test_warn_and_deny_defaults_come_from_the_config(write_policy: Write) -> None:
    folder = write_policy(
        "p.rego",
        'package p\nimport rego.v1\ndeny contains "no" if { true }\nwarn contains "hm" if { true }\n',
    )
    found = policy_findings(
        [str(folder)], plan(), deny_severity=Severity.CRITICAL, warn_severity=Severity.LOW
    )
    assert {(f.message, f.severity) for f in found} == {("no", Severity.CRITICAL), ("hm", Severity.LOW)}
    assert all(f.address is None and f.introduction is None and f.introduced for f in found)


def test_rule_metadata_and_result_fields_set_severity_title_and_attribute(write_policy: Write) -> None:
    folder = write_policy(
        "p.rego",
        """package p
import rego.v1

# METADATA
# title: Budget guard
# custom:
#   severity: low
deny contains {"msg": "costly", "resource": "aws_s3_bucket.new", "field": "acl"} if { true }

deny_critical contains {"msg": "very bad", "severity": "CRITICAL", "title": "Own title", "remediation": "fix"} if {
	true
}
""",
    )
    found = {f.message.split(" (")[0]: f for f in policy_findings([str(folder)], BUCKETS)}
    costly = found["costly"]
    assert (costly.severity, costly.title, costly.address, costly.attribute) == (
        Severity.LOW,
        "Budget guard",
        "aws_s3_bucket.new",
        "acl",
    )
    assert costly.introduction is Introduction.INTRODUCED and costly.type == "aws_s3_bucket"
    bad = found["very bad"]
    assert (bad.severity, bad.title, bad.remediation) == (Severity.CRITICAL, "Own title", "fix")


def test_address_is_taken_from_a_message_naming_exactly_one_resource(write_policy: Write) -> None:
    folder = write_policy(
        "p.rego",
        """package p
import rego.v1
deny contains "aws_s3_bucket.opened must stay private" if { true }
deny contains "aws_s3_bucket.new and aws_s3_bucket.kept look alike" if { true }
deny contains "module.x.aws_s3_bucket.ghost is not in the plan" if { true }
""",
    )
    found = {f.message.split(" (")[0]: f.address for f in policy_findings([str(folder)], BUCKETS)}
    assert found == {
        "aws_s3_bucket.opened must stay private": "aws_s3_bucket.opened",
        "aws_s3_bucket.new and aws_s3_bucket.kept look alike": None,
        "module.x.aws_s3_bucket.ghost is not in the plan": None,
    }


def test_conftest_violation_and_prefixed_rules_and_v0_syntax(write_policy: Write) -> None:
    folder = write_policy(
        "main.rego",
        """package main

violation[{"msg": msg}] {
	rc := input.resource_changes[_]
	rc.change.actions[_] == "create"
	msg := sprintf("%s is new", [rc.address])
}

deny_everything[msg] {
	msg := "denied"
}
""",
    )
    module = load_module(folder / "main.rego")
    assert module.rego_v0 and module.finding_rules == ["violation", "deny_everything"]
    found = {f.message.split(" (")[0] for f in policy_findings([str(folder)], BUCKETS)}
    assert found == {"aws_s3_bucket.new is new", "denied"}


def test_input_shape_detection(write_policy: Write) -> None:
    folder = write_policy("a.rego", "package spacelift\nimport rego.v1\ndeny contains 1 if { false }\n")
    write_policy("b.rego", "# tfreview:input spacelift\npackage team.b\nimport rego.v1\n")
    write_policy(
        "c.rego",
        "# METADATA\n# custom:\n#   input: spacelift\npackage team.c\nimport rego.v1\n",
    )
    write_policy("d.rego", "package team.d\nimport rego.v1\n")
    write_policy("e.rego", "# tfreview:input conftest\npackage spacelift.e\nimport rego.v1\n")
    shapes = {p.name: load_module(p).shape for p in sorted(folder.glob("*.rego"))}
    assert shapes == {
        "a.rego": InputShape.SPACELIFT,
        "b.rego": InputShape.SPACELIFT,
        "c.rego": InputShape.SPACELIFT,
        "d.rego": InputShape.CONFTEST,
        "e.rego": InputShape.CONFTEST,
    }
    # Spacelift's shared `package spacelift` gets the file's name, on the same line.
    module = load_module(folder / "a.rego")
    assert module.package == "spacelift.a" and module.source.splitlines()[0] == "package spacelift.a"


def test_spacelift_input_shape_and_context(write_policy: Write) -> None:
    folder = write_policy(
        "labels.rego",
        """package spacelift
import rego.v1
deny contains msg if {
	some rc in input.terraform.resource_changes
	"prod" in input.spacelift.stack.labels
	msg := concat(" ", [rc.address, rc.change.actions[0], input.spacelift.stack.id, input.terraform.terraform_version])
}
""",
    )
    policies = PolicySet.load(PolicyConfig(paths=[str(folder)]))
    from reviewer.engine.review import review_plan
    from reviewer.policies.inputs import spacelift_context

    context = spacelift_context(stack_id="payments", labels=["prod"])
    output = review_plan(BUCKETS, extra_findings=policies.extra_findings(context))
    messages = {f.message.split(" (")[0] for f in output.result.findings if f.source == "policy"}
    assert "aws_s3_bucket.new create payments 1.9.8" in messages
    unlabelled = review_plan(BUCKETS, extra_findings=policies.extra_findings(spacelift_context()))
    assert not [f for f in unlabelled.result.findings if f.source == "policy"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('package p\nimport rego.v1\ndeny contains m if {\n  m := concat("", ["a"]\n}\n', "p.rego:4:"),
        ("package p\nimport rego.v1\ndeny contains m if {\n  m := nope.fn(1)\n}\n", "p.rego:4:"),
        ("package p\nimport rego.v1\ndeny contains m if {\n  m == 1\n}\n", "p.rego:4:"),
        ("package p\nimport rego.v1\nx := 1 if true\nx := 2 if true\ndeny contains x if true\n", "p.rego:4:"),
        ("import rego.v1\n", "p.rego:1: no `package` declaration"),
        ("# METADATA\n# title: [unclosed\npackage p\n", "p.rego:2: METADATA is not valid YAML"),
        (
            "# METADATA\n# custom:\n#   severity: urgent\npackage p\nimport rego.v1\ndeny contains 1 if true\n",
            "severity 'urgent'",
        ),
        ("package p\nimport rego.v1\nallow := true\n", "no policy defines deny, warn or violation"),
    ],
    ids=[
        "syntax",
        "unknown-function",
        "unsafe-var",
        "conflict",
        "no-package",
        "bad-yaml",
        "bad-severity",
        "no-rules",
    ],
)
def test_broken_policies_are_configuration_errors_naming_file_and_line(
    write_policy: Write, source: str, expected: str
) -> None:
    folder = write_policy("p.rego", source)
    with pytest.raises(PolicyError) as raised:
        PolicySet.load(PolicyConfig(paths=[str(folder)]))
    assert expected in str(raised.value)
    assert "Stack backtrace" not in str(raised.value)


def test_a_runtime_error_on_the_plan_is_a_policy_error(write_policy: Write) -> None:
    folder = write_policy(
        "p.rego",
        "package p\nimport rego.v1\ndeny contains m if {\n  some rc in input.resource_changes\n"
        '  m := object.get(rc.change.after, "acl", "")\n}\n',
    )
    policies = PolicySet.load(PolicyConfig(paths=[str(folder)]))
    deleted = plan(change("aws_s3_bucket.gone", ["delete"], {"acl": "private"}, None))
    from reviewer.engine.review import review_plan

    with pytest.raises(PolicyError, match=r"p\.rego:5:\d+: .*object"):
        review_plan(deleted, extra_findings=policies.extra_findings())


def test_missing_paths_are_errors(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such policy file or folder"):
        PolicySet.load(PolicyConfig(paths=[str(tmp_path / "nope")]))
    with pytest.raises(PolicyError, match="no .rego files"):
        PolicySet.load(PolicyConfig(paths=[str(tmp_path)]))


SLOW = """package slow
import rego.v1
deny contains n if {
	some n in numbers.range(1, 2000000000)
	n < 0
}
"""


def test_evaluation_has_a_time_limit(write_policy: Write) -> None:
    folder = write_policy("slow.rego", SLOW)
    started = time.monotonic()
    with pytest.raises(PolicyError, match=r"took longer than the limit of 0\.5 s"):
        PolicySet.load(PolicyConfig(paths=[str(folder)], timeout_seconds=0.5))
    assert time.monotonic() - started < 10


def test_the_time_limit_also_holds_on_a_review(write_policy: Write) -> None:
    folder = write_policy(
        "slow.rego",
        SLOW.replace("some n in numbers", "count(input.resource_changes) > 0\n\tsome n in numbers"),
    )
    policies = PolicySet.load(PolicyConfig(paths=[str(folder)], timeout_seconds=0.5))
    from reviewer.engine.review import review_plan

    with pytest.raises(PolicyError, match="policy evaluation of .*slow.rego took longer"):
        review_plan(BUCKETS, extra_findings=policies.extra_findings())


def test_only_the_sections_policies_name_are_passed(write_policy: Write) -> None:
    folder = write_policy(
        "a.rego", "package a\nimport rego.v1\ndeny contains 1 if { input.resource_changes[0] }\n"
    )
    doc: dict[str, Any] = {"resource_changes": [], "planned_values": {}, "configuration": {}}
    module = load_module(folder / "a.rego")
    assert needed_sections([module], doc) == {"resource_changes"}
    write_policy("b.rego", "package b\nimport rego.v1\ndeny contains k if { some k, _ in input }\n")
    assert needed_sections([module, load_module(folder / "b.rego")], doc) is None
    write_policy("c.rego", 'package c\nimport rego.v1\ndeny contains 1 if { input["configuration"] }\n')
    assert needed_sections([load_module(folder / "c.rego")], doc) == {"configuration"}


def test_helper_packages_are_shared_by_every_policy(write_policy: Write) -> None:
    folder = write_policy(
        "lib/helpers.rego",
        'package lib.helpers\nimport rego.v1\npublic(acl) if acl in {"public-read", "public-read-write"}\n',
    )
    write_policy(
        "conftest.rego",
        "package team.a\nimport rego.v1\nimport data.lib.helpers\n"
        "deny contains rc.address if {\n  some rc in input.resource_changes\n  helpers.public(rc.change.after.acl)\n}\n",
    )
    write_policy(
        "spacelift.rego",
        "package spacelift\nimport rego.v1\nimport data.lib.helpers\n"
        "warn contains rc.address if {\n  some rc in input.terraform.resource_changes\n"
        "  helpers.public(rc.change.after.acl)\n}\n",
    )
    found = {(f.rule_id, f.address) for f in policy_findings([str(folder)], BUCKETS)}
    assert ("team.a", "aws_s3_bucket.new") in found and ("spacelift.spacelift", "aws_s3_bucket.new") in found
    assert len(found) == 10  # five public buckets, two policies


def test_policies_see_the_redacted_plan(write_policy: Write) -> None:
    folder = write_policy(
        "leak.rego",
        "package leak\nimport rego.v1\n"
        'deny contains concat(" ", [rc.address, rc.change.after.password]) if {\n'
        "  some rc in input.resource_changes\n  is_string(rc.change.after.password)\n}\n",
    )
    secret = "s3cr3t-Pa55word-that-must-not-leak"
    db = change("aws_db_instance.main", ["create"], None, {"password": secret, "identifier": "main"})
    db["change"]["after_sensitive"] = {"password": True}
    found = policy_findings([str(folder)], plan(db))
    assert len(found) == 1 and secret not in found[0].message and "aws_db_instance.main" in found[0].message


def test_suppressions_apply_to_policy_findings(write_policy: Write) -> None:
    from datetime import date

    from reviewer.engine.config import ReviewConfig, Suppression
    from reviewer.engine.review import review_plan

    folder = write_policy("acl.rego", PUBLIC_ACL)
    policies = PolicySet.load(PolicyConfig(paths=[str(folder)]))
    config = ReviewConfig(
        suppress=[Suppression(rule="team.*", address="aws_s3_bucket.new", owner="web", reason="CDN origin")]
    )
    output = review_plan(BUCKETS, config, today=date(2026, 1, 1), extra_findings=policies.extra_findings())
    assert [f.address for f in output.result.suppressed] == ["aws_s3_bucket.new"]
    assert "aws_s3_bucket.new" not in {f.address for f in output.result.findings if f.source == "policy"}
