"""Which rule applies to a key: V1 and V2 filters, every tag of an And, priorities per destination."""

from __future__ import annotations

from typing import Any

from s3repl_tui.objects.rules import applying, match_rules


def rule(rule_id: str, flt: dict[str, Any] | None = None, *, priority: int = 0, status: str = "Enabled",
         destination: str = "dst", prefix_v1: str | None = None) -> dict[str, Any]:
    made: dict[str, Any] = {"ID": rule_id, "Status": status, "Destination": {"Bucket": f"arn:aws:s3:::{destination}"}}
    if prefix_v1 is not None:
        made["Prefix"] = prefix_v1
    else:
        made.update({"Filter": flt if flt is not None else {"Prefix": ""}, "Priority": priority,
                     "DeleteMarkerReplication": {"Status": "Disabled"}})
    return made


def config(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"Role": "arn:aws:iam::111122223333:role/r", "Rules": list(rules)}


def applied(configuration: dict[str, Any], key: str, tags: dict[str, str] | None = None) -> list[str]:
    return [m.rule.id for m in applying(match_rules(configuration, key, tags or {}))]


def test_v1_prefix_on_the_rule() -> None:
    configuration = config(rule("v1", prefix_v1="logs/"))
    assert applied(configuration, "logs/a") == ["v1"]
    assert applied(configuration, "data/a") == []


def test_prefix_is_case_sensitive_and_has_no_leading_slash() -> None:
    configuration = config(rule("tax", {"Prefix": "/Tax/"}))
    (match,) = match_rules(configuration, "Tax/2024.pdf", {})
    assert not match.applies
    assert "does not start with the prefix '/Tax/'" in match.reasons[0]


def test_every_tag_of_an_and_must_match() -> None:
    both = {"And": {"Prefix": "data/", "Tags": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "a"}]}}
    configuration = config(rule("both", both))
    assert applied(configuration, "data/x", {"env": "prod", "team": "a", "other": "1"}) == ["both"]
    (match,) = match_rules(configuration, "data/x", {"env": "prod", "team": "b"})
    assert not match.applies
    assert match.reasons == ("the object's tag team=b is not team=a",)


def test_single_tag_filter() -> None:
    configuration = config(rule("tagged", {"Tag": {"Key": "replicate", "Value": "yes"}}))
    assert applied(configuration, "any/key", {"replicate": "yes"}) == ["tagged"]
    (match,) = match_rules(configuration, "any/key", {})
    assert match.reasons == ("the object has no tag replicate=yes",)


def test_unknown_tags_never_match_a_tag_filter() -> None:
    configuration = config(rule("tagged", {"Tag": {"Key": "replicate", "Value": "yes"}}))
    (match,) = match_rules(configuration, "k", None)
    assert not match.applies
    assert "could not be read" in match.reasons[0]


def test_highest_priority_wins_among_rules_to_the_same_destination() -> None:
    configuration = config(
        rule("low", {"Prefix": ""}, priority=1),
        rule("high", {"Prefix": "data/"}, priority=5),
        rule("other-destination", {"Prefix": ""}, priority=0, destination="dst2"),
    )
    matches = {m.rule.id: m for m in match_rules(configuration, "data/x", {})}
    assert applied(configuration, "data/x") == ["high", "other-destination"]
    assert matches["low"].shadowed_by == "rule 'high'"
    assert applied(configuration, "logs/x") == ["low", "other-destination"]


def test_a_disabled_rule_does_not_apply() -> None:
    configuration = config(rule("off", status="Disabled"))
    (match,) = match_rules(configuration, "k", {})
    assert match.filter_matches and not match.applies


def test_no_configuration_means_no_rules() -> None:
    assert match_rules(None, "k", {}) == ()
