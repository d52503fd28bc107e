"""The verdict in plain words: phrases from rule metadata, grouping by concern, no rule ID in the words."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from reviewer.engine import review_plan
from reviewer.engine.parser import parse_plan
from reviewer.engine.reports import render
from reviewer.engine.reports.markdown import words
from reviewer.engine.results import Category, EngineResult, Finding, FindingSource, RiskLevel, Severity
from reviewer.engine.rules import RULES
from reviewer.engine.scoring import score_plan
from reviewer.engine.verdict import (
    CONCERN_TITLE,
    PHRASES,
    RULE_PHRASES,
    Concern,
    Kind,
    counted,
    module_of,
    noun_of,
    phrase_of,
)
from reviewer.llm.grounding import final_risk
from tests.reviewer.engine.plans import change, plan
from tests.reviewer.engine.reports.markdown_check import active_parts
from tests.reviewer.engine.reports.test_inert import HOSTILE, RUNS

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "plans"
RULE_ID = re.compile(r"\bTFR-[A-Z]+(?:-[A-Z0-9]+)*-\d{3}\b")
# The rules whose fact the plan's own health flags already say ("Never safe: the plan errored").
SAID_BY_HEALTH = {"TFR-PLAN-001", "TFR-PLAN-002", "TFR-PLAN-003"}


@cache
def sample(name: str) -> EngineResult:
    return review_plan(json.loads((SAMPLES / f"{name}.json").read_text())).result


def person_words(result: EngineResult) -> list[str]:
    risk = result.risk
    return [risk.verdict, *risk.reasons, *(r.text for r in risk.why), *(r.title for r in risk.why)]


def test_every_catalog_rule_has_a_phrase() -> None:
    for rule in RULES:
        phrase = phrase_of(rule.meta.id, rule.meta.category)
        assert phrase.verb or rule.meta.id in SAID_BY_HEALTH, rule.meta.id
        # The words fill in and hold nothing of the rule's own text.
        words = phrase.verb.format(what="a database")
        assert "{" not in words and not RULE_ID.search(words), rule.meta.id
        assert (rule.meta.category, Kind(rule.kind.value)) in PHRASES, (rule.meta.id, rule.kind)
    assert set(RULE_PHRASES) <= {rule.meta.id for rule in RULES}, "a phrase for a rule that does not exist"


def test_every_category_reads_for_findings_from_outside_the_catalog() -> None:
    for category in Category:
        phrase = PHRASES[(category, Kind.EXTERNAL)]
        assert phrase.verb and phrase.concern in CONCERN_TITLE
    custom = phrase_of("payments.no_public_buckets", Category.POLICY)
    assert custom.concern is Concern.POLICY


def test_a_new_rule_reads_by_its_metadata() -> None:
    # Not in RULE_PHRASES: its category gives the concern and the words.
    network = phrase_of("TFR-NEW-001", Category.NETWORK)
    assert network.concern is Concern.NETWORK and network.verb.format(what="a cache") == (
        "exposes a cache to the internet"
    )
    assert phrase_of("TFR-NEW-002", Category.IAM).concern is Concern.IAM


def test_nouns_and_modules() -> None:
    assert noun_of("aws_db_instance") == ("database", "databases")
    assert noun_of("google_sql_database_instance")[0] == "database"
    assert noun_of("aws_security_group")[0] == "security group"
    assert noun_of("aws_s3_bucket_public_access_block")[0] == "bucket"
    assert noun_of("made_up_thing") == ("resource", "resources")
    assert noun_of("aws_instance")[0] == noun_of("azurerm_linux_virtual_machine")[0] == "server"
    assert noun_of("aws_iam_instance_profile")[0] == "instance profile"
    assert noun_of("google_compute_instance_template")[0] == "server template"
    assert noun_of("aws_ec2_instance_connect_endpoint")[0] == "connect endpoint"
    # An IAM grant on a resource reads as the resource it opens.
    assert noun_of("google_cloud_run_v2_service_iam_member")[0] == "Cloud Run service"
    assert noun_of("google_cloudfunctions2_function_iam_binding")[0] == "function"
    assert noun_of("google_storage_default_object_access_control")[0] == "bucket"
    assert noun_of("google_project_iam_member")[0] == "project role"
    assert noun_of("google_organization_iam_audit_config")[0] == "audit log config"
    assert module_of("module.ci.aws_iam_policy.deployer") == "module.ci"
    assert module_of('module.a["x.y"].module.b.aws_s3_bucket.c') == 'module.a["x.y"].module.b'
    assert module_of("aws_s3_bucket.c") is None


def test_prod_payments_verdict_names_what_it_does() -> None:
    risk = sample("prod-payments-risky").risk
    assert risk.verdict == (
        "Not safe to apply without review: destroys a database without deletion protection or a final "
        "snapshot, grants full admin rights in module.ci, opens SSH and PostgreSQL to the internet, "
        "puts a secret in clear text in the environment of a function and 3 more risks."
    )
    titles = [r.title for r in risk.why]
    assert titles[:4] == ["Data", "Access (IAM)", "Network exposure", "Secrets"]
    data = risk.why[0]
    assert data.text == (
        "destroys a database without deletion protection or a final snapshot (aws_db_instance.payments); "
        "lets a bucket be emptied on destroy (aws_s3_bucket.ledger_exports)."
    )
    # One exposure, several rules: the compound, the destroy and both of its parts say it once.
    assert {"TFR-CMP-001", "TFR-CHG-001", "TFR-CHG-006", "TFR-CHG-007"} <= set(data.rule_ids)
    everything = " ".join(person_words(sample("prod-payments-risky")))
    assert everything.count("deletion protection") == 3  # the sentence, the reason line, the reason text
    assert risk.reasons[0] == f"Data: {data.text}"
    network = next(r for r in risk.why if r.concern == "network")
    assert network.text == "opens SSH and PostgreSQL to the internet (aws_security_group.payments_db)."
    assert set(network.rule_ids) == {"TFR-AWS-NET-001", "TFR-AWS-NET-005"}
    iam = next(r for r in risk.why if r.concern == "iam")
    assert iam.severity is Severity.CRITICAL and iam.resources == 2


def test_azure_and_gcp_rules_name_what_they_open() -> None:
    nsg = {
        "direction": "Inbound",
        "access": "Allow",
        "protocol": "Tcp",
        "source_address_prefix": "Internet",
        "destination_port_range": "1433",
    }
    firewall = {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "all"}]}
    review = review_plan(
        plan(change("azurerm_network_security_rule", nsg), change("google_compute_firewall", firewall))
    )
    network = next(r for r in review.result.risk.why if r.concern == "network")
    assert "opens SQL Server to the internet (azurerm_network_security_rule.this)" in network.text
    assert "opens all ports to the internet (google_compute_firewall.this)" in network.text


def test_safe_plan_says_what_changes() -> None:
    risk = sample("safe-tag-update").risk
    assert risk.verdict == "Safe to apply: 2 tag updates, no risky change."
    assert risk.why == []


def test_low_plan_names_its_minor_findings() -> None:
    result = review_plan(plan(change("aws_nat_gateway", {"subnet_id": "s"}, name="egress"))).result
    assert result.risk.level is RiskLevel.LOW
    assert result.risk.verdict == "Safe to apply: 1 new resource; minor: adds a NAT gateway."


def test_minor_findings_never_add_up_to_a_higher_level() -> None:
    """Ten LOW findings of ten rules (30 points) are hygiene of a new stack, not a reason to stop."""
    buckets = [f"b{i}" for i in range(10)]
    parsed = parse_plan(plan(*[change("aws_s3_bucket", {"bucket": b}, name=b) for b in buckets]))
    findings = [
        Finding(
            rule_id=f"acme.rule{i}",
            title="t",
            severity=Severity.LOW,
            category=Category.SECURITY,
            address=f"aws_s3_bucket.{b}",
            type="aws_s3_bucket",
            message="m",
        )
        for i, b in enumerate(buckets)
    ]
    risk = score_plan(parsed, findings)
    assert risk.level is RiskLevel.LOW and risk.score == 29  # 30 points, kept within LOW's band
    assert (
        risk.verdict == "Safe to apply: 10 new resources; minor: weakens the security settings of 10 buckets."
    )


def test_unhealthy_plan_is_never_safe() -> None:
    risk = sample("errored-plan").risk
    assert (
        risk.verdict
        == "Not safe to apply: the plan errored, is not applyable and is incomplete (more changes will follow)."
    )
    assert risk.reasons[0].startswith("Never safe")
    injected = sample("kubernetes-incomplete-injection").risk
    assert injected.verdict.startswith("Not safe to apply: the plan is incomplete")
    assert "; it also fails a check or condition, destroys a namespace" in injected.verdict


@pytest.mark.parametrize(
    "changes", [[], [change("aws_s3_bucket", {"bucket": "b"}, before={"bucket": "b"}, action="no-op")]]
)
def test_a_plan_with_nothing_to_apply_reads_safe(changes: list[dict[str, Any]]) -> None:
    # Terraform marks every plan without changes applyable: false; that alone is no problem.
    result = review_plan(plan(*changes, applyable=False)).result
    assert result.risk.level is RiskLevel.LOW
    assert result.risk.verdict == "Safe to apply: no changes."
    assert not any("not applyable" in reason for reason in result.risk.reasons)
    for kind in ("text", "md"):
        assert "not applyable" not in render(kind, result), kind


@pytest.mark.parametrize("name", sorted(p.stem for p in SAMPLES.glob("*.json")))
def test_no_rule_id_in_person_facing_words(name: str) -> None:
    result = sample(name)
    words = person_words(result)
    assert result.risk.verdict
    ids = {f.rule_id for f in result.findings}
    for text in words:
        assert not RULE_ID.search(text), text
        assert not any(rule_id in text for rule_id in ids), text
    for fmt in ("text", "md"):
        report = render(fmt, result)
        assert result.risk.verdict.split(":")[0] in report
        why = report[report.index("Why") :].split("\n\n")[0]
        assert len(why.splitlines()) >= 2 and not RULE_ID.search(why), why
    # Machines keep the rule IDs, beside the words.
    introduced = {f.rule_id for f in result.findings if f.introduced and f.severity is not Severity.INFO}
    assert introduced - SAID_BY_HEALTH <= {r for reason in result.risk.why for r in reason.rule_ids}


def test_many_resources_are_capped_and_worst_first() -> None:
    open_ssh = {
        "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]
    }
    changes = [change("aws_security_group", open_ssh, name=f"sg{i}") for i in range(7)]
    changes.append(change("aws_nat_gateway", {"subnet_id": "s"}, name="egress"))
    risk = review_plan(plan(*changes)).result.risk
    assert [r.concern for r in risk.why] == ["network", "cost"]
    assert risk.why[0].text == (
        "opens SSH to the internet (aws_security_group.sg0, aws_security_group.sg1, aws_security_group.sg2 "
        "and 4 more)."
    )
    assert risk.why[0].resources == 7 and len(risk.why[0].addresses) == 7
    assert risk.verdict == "Not safe to apply without review: opens SSH to the internet."


def test_custom_policy_and_ai_findings_read_without_their_ids() -> None:
    parsed = parse_plan(plan(change("aws_s3_bucket", {"bucket": "b"}, name="b")))
    findings = [
        Finding(
            rule_id="payments.deny_public",
            title="[click](https://evil.example) TFR-AWS-S3-001",
            severity=Severity.HIGH,
            category=Category.POLICY,
            address="aws_s3_bucket.b",
            type="aws_s3_bucket",
            message="m",
            source=FindingSource.POLICY,
        )
    ]
    risk = score_plan(parsed, findings)
    assert risk.verdict == "Not safe to apply without review: breaks a custom policy on a bucket."
    assert risk.why[0].rule_ids == ["payments.deny_public"] and "click" not in " ".join(risk.reasons)


def test_findings_without_an_address_are_about_the_plan_not_a_resource() -> None:
    # A Spacelift-style deny[msg] names no resource; nor may an AI risk: no resource is invented for them.
    parsed = parse_plan(plan(change("aws_s3_bucket", {"bucket": "b"}, name="b")))

    def found(rule_id: str, category: Category, source: FindingSource, address: str | None) -> Finding:
        rtype = "aws_s3_bucket" if address else None
        return Finding(
            rule_id=rule_id,
            title="t",
            severity=Severity.HIGH,
            category=category,
            address=address,
            type=rtype,
            message="m",
            source=source,
        )

    risk = score_plan(parsed, [found("acme.no_friday", Category.POLICY, FindingSource.POLICY, None)])
    assert risk.verdict == "Not safe to apply without review: breaks a custom policy on the plan."
    assert risk.why[0].text == "breaks a custom policy on the plan." and risk.why[0].resources == 0
    both = [
        found("acme.no_friday", Category.POLICY, FindingSource.POLICY, None),
        found("acme.tags", Category.POLICY, FindingSource.POLICY, "aws_s3_bucket.b"),
    ]
    assert score_plan(parsed, both).why[0].text == (
        "breaks a custom policy on a bucket and the plan (aws_s3_bucket.b)."
    )
    ai = score_plan(parsed, [found("TFR-AI-001", Category.AI, FindingSource.LLM, None)])
    assert ai.why[0].text == "has a risk the AI review found in the plan."


def test_a_policy_naming_its_own_category_reads_as_a_policy_in_that_concern() -> None:
    parsed = parse_plan(plan(change("aws_security_group", {"name": "x"}, name="web")))
    finding = Finding(
        rule_id="acme.sg_needs_description",
        title="Security groups need a description",
        severity=Severity.MEDIUM,
        category=Category.NETWORK,
        address="aws_security_group.web",
        type="aws_security_group",
        message="m",
        source=FindingSource.POLICY,
    )
    risk = score_plan(parsed, [finding])
    assert risk.why[0].concern == "network"
    assert risk.why[0].text == "breaks a custom policy on a security group (aws_security_group.web)."


def test_hostile_addresses_stay_inert_in_markdown() -> None:
    address = 'aws_s3_bucket.x["[pwn](https://evil.example) <img src=x>"]'
    result = review_plan(
        plan(
            change(
                "aws_s3_bucket",
                {"bucket": "b", "force_destroy": True},
                before={"bucket": "b"},
                address=address,
            )
        )
    ).result
    assert address in result.risk.why[0].text
    markdown = render("md", result)
    assert active_parts(markdown) == []
    assert "\\<img" in markdown  # shown, escaped: no element


def test_ai_raised_level_rewrites_the_sentence() -> None:
    engine = sample("safe-tag-update").risk
    raised = final_risk(engine, RiskLevel.HIGH, "the tags route traffic")
    assert raised.verdict == (
        "Not safe to apply without review: the AI review rates this plan HIGH; on the rules alone: "
        "2 tag updates, no risky change."
    )
    assert final_risk(engine, None).verdict == engine.verdict


def test_reports_show_the_sentence_and_the_plain_reasons() -> None:
    result = sample("prod-payments-risky")
    text = render("text", result)
    assert result.risk.verdict in text
    assert "  - Network exposure: opens SSH and PostgreSQL to the internet" in text
    markdown = render("md", result)
    assert "**Not safe to apply without review: destroys a database" in markdown
    assert (
        "- Access \\(IAM\\): grants full admin rights" in markdown
        or "- Access (IAM): grants full" in markdown
    )
    data: dict[str, Any] = json.loads(render("json", result))
    assert data["schema_version"] == "1.2"
    assert data["risk"]["verdict"] == result.risk.verdict
    assert data["risk"]["why"][0]["concern"] == "data" and "TFR-CMP-001" in data["risk"]["why"][0]["rule_ids"]
    assert data["findings"]  # the finding list stays for machines


def test_open_database_ports_are_named_by_the_rules_reading_of_the_plan() -> None:
    rules = [
        {"from_port": 3306, "to_port": 3306, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]},
        {"from_port": 27017, "to_port": 27017, "protocol": "tcp", "ipv6_cidr_blocks": ["::/0"]},
    ]
    split = change(
        "aws_security_group_rule",
        {
            "type": "ingress",
            "from_port": 5432,
            "to_port": 5432,
            "protocol": "tcp",
            "cidr_blocks": ["0.0.0.0/0"],
        },
        name="pg",
    )
    risk = review_plan(plan(change("aws_security_group", {"ingress": rules}, name="db"), split)).result.risk
    network = risk.why[0]
    assert network.text == (
        "opens MySQL and MongoDB to the internet (aws_security_group.db); "
        "opens PostgreSQL to the internet (aws_security_group_rule.pg)."
    )
    # The sentence counts what is opened once, whichever resources open it.
    assert (
        risk.verdict
        == "Not safe to apply without review: opens MySQL, MongoDB and PostgreSQL to the internet."
    )


def test_conditions_of_one_loss_read_in_one_order_and_the_sentence_counts_resources() -> None:
    both = {"identifier": "a", "deletion_protection": False, "skip_final_snapshot": True}
    only = {"identifier": "b", "deletion_protection": False, "skip_final_snapshot": False}
    risk = review_plan(
        plan(
            change("aws_db_instance", None, before=both, name="a"),
            change("aws_db_instance", None, before=both, name="c"),
            change("aws_db_instance", None, before=only, name="b"),
        )
    ).result.risk
    assert risk.why[0].text == (
        "destroys 2 databases without deletion protection or a final snapshot (aws_db_instance.a and "
        "aws_db_instance.c); destroys a database without deletion protection (aws_db_instance.b)."
    )
    assert (
        risk.verdict == "Not safe to apply without review: destroys 3 databases without deletion protection."
    )


@RUNS
@given(HOSTILE)
def test_the_engines_words_stay_inert_around_hostile_addresses(text: str) -> None:
    sentence = f"Not safe to apply: destroys a database ({text}), opens SSH in {text}; and ({text}.)."
    assert active_parts(words(text)) == []
    assert active_parts(f"**{words(sentence, 1000)}**\n\n- {words(sentence)}") == []


def test_the_engines_words_keep_punctuation_out_of_code_spans() -> None:
    assert words("grants full admin rights in module.ci, opens (aws_s3_bucket.a); (b.c).") == (
        "grants full admin rights in `module.ci`, opens (`aws_s3_bucket.a`); (`b.c`)."
    )


def test_two_rules_on_one_public_cluster_endpoint_are_one_exposure() -> None:
    cluster = {
        "name": "c",
        "vpc_config": [{"endpoint_public_access": True, "public_access_cidrs": ["0.0.0.0/0"]}],
    }
    risk = review_plan(plan(change("aws_eks_cluster", cluster, name="main"))).result.risk
    network = next(r for r in risk.why if r.concern == "network")
    assert (
        network.text
        == "makes the API of a cluster public without source address limits (aws_eks_cluster.main)."
    )
    assert {"TFR-AWS-EKS-001", "TFR-AWS-EKS-002"} <= set(network.rule_ids)
    assert risk.verdict.count("API") == 1


def test_a_combination_says_once_what_its_part_on_the_same_resource_does() -> None:
    """A public database behind an open rule: 'reachable from the internet', not also 'publicly accessible'."""
    import json
    from pathlib import Path

    from reviewer.engine import review_plan

    fixture = (
        Path(__file__).parents[2] / "fixtures" / "provider_plans" / "rds_public_behind_open_sg_rule_created"
    )
    risk = review_plan(json.loads((fixture / "plan.json").read_text())).result.risk
    assert risk.verdict == (
        "Not safe to apply without review: opens PostgreSQL on a database to the internet and hard-codes a "
        "secret for a database in the Terraform code."
    )
    [network] = [reason for reason in risk.why if reason.title == "Network exposure"]
    assert "publicly accessible" not in network.text
    assert {"TFR-CMP-003", "TFR-AWS-RDS-002"} <= set(network.rule_ids)


def test_initialisms_take_the_article_they_are_read_with() -> None:
    assert counted(1, "SSM parameter", "SSM parameters") == "an SSM parameter"
    assert counted(1, "IAM policy", "IAM policies") == "an IAM policy"
    assert counted(1, "DNS zone", "DNS zones") == "a DNS zone"
    assert counted(1, "CDN distribution", "CDN distributions") == "a CDN distribution"
    assert counted(1, "audit trail", "audit trails") == "an audit trail"
    assert counted(1, "NAT gateway", "NAT gateways") == "a NAT gateway"


def test_a_deleted_control_is_named_by_its_kind_where_it_has_one() -> None:
    def verdict_of(rtype: str) -> str:
        raw = plan(change(rtype, None, before={"id": "c-1", "name": "main"}))
        return review_plan(raw).result.risk.verdict or ""

    assert verdict_of("aws_cloudtrail").endswith("deletes an audit trail.")
    assert verdict_of("aws_flow_log").endswith("deletes a flow log.")
    assert verdict_of("google_logging_project_sink").endswith("deletes a log sink.")
    assert verdict_of("azurerm_management_lock").endswith("deletes a resource lock.")
    assert verdict_of("aws_securityhub_account").endswith("deletes a Security Hub subscription.")
    assert verdict_of("aws_securityhub_standards_subscription").endswith("deletes a Security Hub standard.")
    assert verdict_of("aws_accessanalyzer_analyzer").endswith("deletes an access analyzer.")
    assert verdict_of("aws_iam_account_password_policy").endswith("deletes a password policy.")
    assert verdict_of("aws_wafv2_web_acl").endswith("deletes a web application firewall.")
    assert verdict_of("aws_wafv2_web_acl_association").endswith("deletes a WAF association.")
    assert verdict_of("aws_ebs_encryption_by_default").endswith("deletes a default EBS encryption setting.")
    # No word of its own: a security control.
    assert verdict_of("aws_macie2_account").endswith("deletes a security control.")


def test_a_replaced_random_value_is_generated_anew_not_taken_offline() -> None:
    # Before: "Safe to apply: 1 replacement; minor: takes a resource offline during replacement."
    raw = plan(
        change("random_password", {"length": 32}, before={"length": 24}, action="replace"),
        change("aws_instance", {"ami": "b"}, before={"ami": "a"}, action="replace", name="web"),
    )
    risk = review_plan(raw).result.risk
    assert risk.verdict == "Review before applying: takes a server offline during replacement."
    [availability] = [reason.text for reason in risk.why if reason.concern == "availability"]
    assert "generates a random value anew (random_password.this)" in availability
    alone = review_plan(
        plan(change("random_password", {"length": 32}, before={"length": 24}, action="replace"))
    )
    assert alone.result.risk.verdict == "Safe to apply: 1 replacement; minor: generates a random value anew."


def _table(pitr: bool) -> dict[str, object]:
    return {"name": "orders", "hash_key": "id", "point_in_time_recovery": [{"enabled": pitr}]}


def test_a_new_object_is_created_with_a_setting_off_not_turned_off() -> None:
    created = review_plan(plan(change("aws_dynamodb_table", _table(False), name="orders"))).result.risk
    assert created.verdict == "Review before applying: creates a table with point-in-time recovery off."
    updated = change("aws_dynamodb_table", _table(False), before=_table(True), name="orders")
    assert review_plan(plan(updated)).result.risk.verdict == (
        "Review before applying: turns off point-in-time recovery of a table."
    )


def test_one_module_is_said_once_for_all_clauses() -> None:
    table = change("aws_dynamodb_table", _table(False), name="orders", module="module.store")
    key = change("aws_kms_key", {"enable_key_rotation": False}, name="k", module="module.store")
    assert review_plan(plan(table, key)).result.risk.verdict == (
        "Review before applying: creates a table with point-in-time recovery off and creates a key with key "
        "rotation off, all in module.store."
    )
    root_key = change("aws_kms_key", {"enable_key_rotation": False}, name="k")
    assert review_plan(plan(table, root_key)).result.risk.verdict == (
        "Review before applying: creates a table with point-in-time recovery off in module.store and creates "
        "a key with key rotation off."
    )


def test_a_combination_says_its_parts_on_other_resources_within_its_clause() -> None:
    """The open group and the public server are two resources, one risk: said once, naming both."""
    ssh = {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
    egress = {"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"]}
    group = change("aws_security_group", {"id": "sg-1", "ingress": [ssh], "egress": [egress]}, name="web")
    server = change(
        "aws_instance",
        {"associate_public_ip_address": True, "vpc_security_group_ids": ["sg-1"]},
        name="bastion",
    )
    risk = review_plan(plan(group, server)).result.risk
    assert risk.verdict == "Not safe to apply without review: opens SSH on a server to the internet."
    [network] = [r for r in risk.why if r.concern == "network"]
    assert network.text.startswith(
        "opens SSH on a server to the internet (aws_instance.bastion and aws_security_group.web); "
    )
    # What the combination does not cover (all egress) is still said on its own.
    assert "allows all outbound traffic from a security group (aws_security_group.web)" in network.text
    assert {"TFR-CMP-003", "TFR-AWS-NET-001", "TFR-AWS-EC2-004"} <= set(network.rule_ids)
    # Without the public server, the open group says what it opens, as before.
    alone = review_plan(plan(group)).result.risk
    assert alone.verdict == "Not safe to apply without review: opens SSH to the internet."


def test_a_public_bucket_combination_absorbs_its_block_on_another_resource() -> None:
    off = {
        "bucket": "data",
        "block_public_acls": False,
        "block_public_policy": False,
        "ignore_public_acls": False,
        "restrict_public_buckets": False,
    }
    risk = review_plan(
        plan(
            change("aws_s3_bucket_public_access_block", off, name="data"),
            change("aws_s3_bucket_acl", {"bucket": "data", "acl": "public-read"}, name="data"),
        )
    ).result.risk
    assert risk.verdict == "Not safe to apply without review: makes a bucket public."
    [security] = [r for r in risk.why if r.concern == "security"]
    assert security.addresses == ["aws_s3_bucket_acl.data", "aws_s3_bucket_public_access_block.data"]


def test_a_combination_names_what_its_part_opened_before_this_plan() -> None:
    """The group was already open; the plan makes the server public: the risk is SSH on that server."""
    ssh = {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
    sg = {"id": "sg-1", "ingress": [ssh]}
    group = change("aws_security_group", sg, before=sg, action="no-op", name="web")
    server = change(
        "aws_instance",
        {"associate_public_ip_address": True, "vpc_security_group_ids": ["sg-1"]},
        name="bastion",
    )
    result = review_plan(plan(group, server)).result
    assert result.risk.level is RiskLevel.CRITICAL
    assert result.risk.verdict == "Not safe to apply without review: opens SSH on a server to the internet."
    [posture] = [f for f in result.findings if f.rule_id == "TFR-AWS-NET-001"]
    assert not posture.introduced


def test_clauses_in_modules_inside_one_module_name_that_module_once() -> None:
    table = change("aws_dynamodb_table", _table(False), name="orders", module="module.data.module.tables")
    key = change(
        "aws_kms_key", {"enable_key_rotation": False}, name="k", module='module.data.module.keys["eu"]'
    )
    assert review_plan(plan(table, key)).result.risk.verdict == (
        "Review before applying: creates a table with point-in-time recovery off and creates a key with key "
        "rotation off, all in module.data."
    )
    elsewhere = change("aws_kms_key", {"enable_key_rotation": False}, name="k", module="module.keys")
    assert review_plan(plan(table, elsewhere)).result.risk.verdict == (
        "Review before applying: creates a table with point-in-time recovery off in module.data.module.tables "
        "and creates a key with key rotation off in module.keys."
    )


def test_a_combination_takes_its_part_from_another_concern() -> None:
    """A public bucket policy behind a block turned off is one risk, said once as the public bucket."""
    fixture = (
        Path(__file__).parents[2] / "fixtures" / "provider_plans" / "s3_public_access_block_off_public_policy"
    )
    risk = review_plan(json.loads((fixture / "plan.json").read_text())).result.risk
    assert risk.verdict == "Not safe to apply without review: makes a bucket public."
    assert [r.concern for r in risk.why if r.concern == "iam"] == []
    [security] = [r for r in risk.why if r.concern == "security"]
    assert {"TFR-CMP-002", "TFR-AWS-IAM-009"} <= set(security.rule_ids)
