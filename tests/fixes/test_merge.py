"""Merging grants: the owner's statements stay as written, the tool's own grow only safely."""

from __future__ import annotations

import copy
import json
from typing import Any

from s3repl_tui.fixes.jsondoc import contains, same_meaning, statements
from s3repl_tui.fixes.merge import add_grant, owner_statements

from .builders import PLANTED_DENY

OWNER = {
    "Version": "2012-10-17",
    "Id": "owner-policy",
    "Statement": [
        PLANTED_DENY,
        {
            "Sid": "Readers",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::dst-bucket/*",
        },
    ],
}


def grant(
    sid: str = "S3ReplTuiThing",
    actions: Any = ("s3:ReplicateObject",),
    resources: Any = ("arn:aws:s3:::d/*",),
    **extra: Any,
) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": list(resources), **extra}


def test_appends_a_tool_statement_and_keeps_every_owner_statement_in_place() -> None:
    before = copy.deepcopy(OWNER)
    after = add_grant(before, grant())
    assert before == OWNER  # the input is never modified
    assert after["Statement"][:2] == OWNER["Statement"]  # same position, same spelling, Deny included
    assert after["Id"] == "owner-policy" and after["Version"] == "2012-10-17"
    assert after["Statement"][2] == grant()


def test_creates_a_policy_when_there_is_none() -> None:
    assert add_grant(None, grant()) == {"Version": "2012-10-17", "Statement": [grant()]}


def test_a_single_statement_object_becomes_a_list_with_the_same_meaning() -> None:
    single = {"Version": "2012-10-17", "Statement": OWNER["Statement"][1]}
    after = add_grant(single, grant())
    assert owner_statements(after) == [OWNER["Statement"][1]]


def test_widens_its_own_statement_with_more_actions_on_the_same_resources() -> None:
    first = add_grant(OWNER, grant())
    second = add_grant(first, grant(actions=["s3:ReplicateDelete"]))
    tool = [s for s in statements(second) if s["Sid"].startswith("S3ReplTui")]
    assert tool == [grant(actions=["s3:ReplicateObject", "s3:ReplicateDelete"])]


def test_widens_resources_only_for_the_same_actions() -> None:
    first = add_grant(None, grant())
    second = add_grant(first, grant(resources=["arn:aws:s3:::e/*"]))
    assert statements(second) == [grant(resources=["arn:aws:s3:::d/*", "arn:aws:s3:::e/*"])]


def test_never_widens_along_both_axes_at_once() -> None:
    """Merging {A on R1} with {B on R2} into one statement would grant A on R2: a second Sid instead."""
    first = add_grant(None, grant())
    second = add_grant(first, grant(actions=["s3:ReplicateDelete"], resources=["arn:aws:s3:::e/*"]))
    assert [s["Sid"] for s in statements(second)] == ["S3ReplTuiThing", "S3ReplTuiThing2"]
    assert statements(second)[0] == grant()


def test_different_conditions_are_never_merged() -> None:
    first = add_grant(None, grant(Condition={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}))
    second = add_grant(first, grant(Condition={"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}))
    assert len(statements(second)) == 2


def test_an_existing_equal_grant_changes_nothing() -> None:
    document = add_grant(OWNER, grant())
    assert add_grant(document, grant()) == document
    owner_has_it = {"Statement": [{**grant(), "Sid": "OwnersOwn"}]}
    assert add_grant(owner_has_it, grant()) == owner_has_it


def test_owner_statement_with_a_tool_like_sid_suffix_is_not_touched() -> None:
    """Only S3ReplTui… statements are ever widened; an owner's statement is never edited."""
    owner = {
        "Statement": [
            {"Sid": "Replicate", "Effect": "Allow", "Action": ["s3:ReplicateObject"], "Resource": ["arn:aws:s3:::d/*"]}
        ]
    }
    after = add_grant(owner, grant(actions=["s3:ReplicateDelete"]))
    assert statements(after)[0] == owner["Statement"][0]


def test_meaning_ignores_order_and_single_values() -> None:
    left = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "x"},
            {"Effect": "Deny", "Action": ["S3:PutObject"], "Resource": ["y"]},
        ],
    }
    right = {
        "Statement": [
            {"Resource": ["y"], "Action": "s3:putobject", "Effect": "Deny"},
            {"Action": ["s3:GetObject", "s3:GetObject"], "Resource": ["x"], "Effect": "Allow"},
        ],
        "Version": "2012-10-17",
    }
    assert same_meaning(left, right)
    assert not same_meaning(left, {**right, "Statement": right["Statement"][:1]})
    assert contains(left, {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "x"}]})
    assert not contains(left, {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "z"}]})


def test_contains_for_configurations_allows_fields_aws_adds() -> None:
    written = {"Role": "r", "Rules": [{"ID": "a", "Status": "Enabled"}]}
    read_back = {"Role": "r", "Rules": [{"ID": "a", "Status": "Enabled", "Priority": 0}]}
    assert contains(read_back, written)
    assert not contains({"Role": "r", "Rules": [{"ID": "a", "Status": "Disabled"}]}, written)
    assert json.dumps(written)  # documents stay plain JSON


def test_an_account_id_principal_means_its_root_arn() -> None:
    by_id = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:Get*"}]}
    by_arn = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root"]},
                             "Action": "s3:Get*"}]}  # fmt: skip
    assert same_meaning(by_id, by_arn)
