"""The decision: explicit deny, same- vs cross-account, boundaries, KMS key policies, role trust.

Evaluation order: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
Cross-account: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
Key policies: https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
from policy_helpers import (
    DST_ACCOUNT,
    DST_KEY,
    DST_OBJECT,
    ROLE,
    SESSION,
    SRC_ACCOUNT,
    SRC_KEY,
    allow,
    decide,
    deny,
    grant,
    policy,
)

from s3repl_tui.policy import NamedPolicy, PolicyError, Request, evaluate

IDENTITY = policy(allow())
BOUNDARY_S3 = policy(allow(action="s3:*", resource="*"))
BOUNDARY_KMS_ONLY = policy(allow(action="kms:*", resource="*"))


def same_account(**kwargs: Any) -> Any:
    return decide(resource_account=SRC_ACCOUNT, **kwargs)


def cross_account(**kwargs: Any) -> Any:
    return decide(resource_account=DST_ACCOUNT, **kwargs)


# --- Explicit deny ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["identity", "boundary", "resource"])
def test_explicit_deny_anywhere_wins(where: str) -> None:
    denying = {"Sid": "NoReplication", "Effect": "Deny", "Action": "s3:Replicate*", "Resource": "*"}
    identity = [policy(allow())]
    boundary = BOUNDARY_S3
    bucket = policy(grant({"AWS": ROLE}))
    if where == "identity":
        identity.append(policy(denying))
    elif where == "boundary":
        boundary = policy(allow(action="s3:*", resource="*"), denying)
    else:
        bucket = policy(grant({"AWS": ROLE}), {**denying, "Principal": "*"})
    result = cross_account(identity_policies=identity, permission_boundary=boundary, resource_policy=bucket)
    assert (result.allowed, result.decision) == (False, "explicit-deny")
    assert [ref.sid for ref in result.denying] == ["NoReplication"]
    assert (
        result.denying[0].policy == {"identity": "identity[1]", "boundary": "boundary", "resource": "resource"}[where]
    )
    assert result.missing == ()
    assert '"NoReplication"' in result.reason and "explicitly denies" in result.reason
    assert len(result.allowing) >= 2  # the allows that were overridden are still reported


def test_deny_that_does_not_match_does_not_deny() -> None:
    identity = policy(allow(), deny(action="s3:ReplicateDelete"))
    assert same_account(identity_policies=[identity]).allowed


# --- Same account -----------------------------------------------------------------------------------------


def test_same_account_identity_allow_suffices() -> None:
    result = same_account(identity_policies=[IDENTITY])
    assert (result.allowed, result.decision, result.missing, result.cross_account) == (True, "allow", (), False)
    assert result.reason.startswith("Allowed: the role's policies allow ")


def test_same_account_nothing_allows() -> None:
    result = same_account(identity_policies=[policy(allow(action="s3:GetObject"))])
    assert (result.decision, result.missing) == ("implicit-deny", ("identity",))
    assert result.reason.startswith("Denied: no statement in the role's policies allows ")


def test_same_account_boundary_caps_identity() -> None:
    result = same_account(identity_policies=[IDENTITY], permission_boundary=BOUNDARY_KMS_ONLY)
    assert (result.decision, result.missing) == ("implicit-deny", ("boundary",))
    assert "permissions boundary" in result.reason
    assert same_account(identity_policies=[IDENTITY], permission_boundary=BOUNDARY_S3).allowed


def test_boundary_alone_grants_nothing() -> None:
    result = same_account(identity_policies=[], permission_boundary=BOUNDARY_S3)
    assert (result.decision, result.missing) == ("implicit-deny", ("identity",))


def test_same_account_resource_policy_naming_role_needs_no_identity_allow() -> None:
    bucket = policy(grant({"AWS": ROLE}))
    assert same_account(identity_policies=[], resource_policy=bucket).allowed


def test_same_account_resource_policy_naming_role_arn_is_limited_by_the_boundary() -> None:
    # "Resource-based policies that grant permissions to an IAM role ARN are limited by an implicit deny
    # in a permissions boundary or session policy."
    bucket = policy(grant({"AWS": ROLE}))
    blocked = same_account(identity_policies=[], permission_boundary=BOUNDARY_KMS_ONLY, resource_policy=bucket)
    assert (blocked.decision, blocked.missing) == ("implicit-deny", ("boundary",))
    # ... but not by an implicit deny in the identity policies.
    assert same_account(identity_policies=[], permission_boundary=BOUNDARY_S3, resource_policy=bucket).allowed


def test_same_account_resource_policy_naming_the_session_is_not_limited_by_the_boundary() -> None:
    bucket = policy(grant({"AWS": SESSION}))
    result = same_account(principal=SESSION, identity_policies=[], permission_boundary=BOUNDARY_KMS_ONLY,
                          resource_policy=bucket)  # fmt: skip
    assert result.allowed
    # The same session is limited when the bucket policy names the role ARN instead.
    by_role = same_account(principal=SESSION, identity_policies=[], permission_boundary=BOUNDARY_KMS_ONLY,
                           resource_policy=policy(grant({"AWS": ROLE})))  # fmt: skip
    assert not by_role.allowed


def test_same_account_wildcard_principal_grants_directly() -> None:
    bucket = policy(grant("*"))
    assert same_account(identity_policies=[], permission_boundary=BOUNDARY_KMS_ONLY, resource_policy=bucket).allowed


def test_same_account_resource_policy_naming_a_user_is_not_limited() -> None:
    user = f"arn:aws:iam::{SRC_ACCOUNT}:user/alice"
    bucket = policy(grant({"AWS": user}))
    result = same_account(principal=user, identity_policies=[], permission_boundary=BOUNDARY_KMS_ONLY,
                          resource_policy=bucket)  # fmt: skip
    assert result.allowed


def test_same_account_account_principal_only_delegates() -> None:
    bucket = policy(grant({"AWS": SRC_ACCOUNT}))
    result = same_account(identity_policies=[], resource_policy=bucket)
    assert (result.decision, result.missing) == ("implicit-deny", ("identity",))
    assert "only names the account" in result.reason
    assert same_account(identity_policies=[IDENTITY], resource_policy=bucket).allowed


def test_root_user_of_the_account_needs_no_identity_policy() -> None:
    result = same_account(principal=f"arn:aws:iam::{SRC_ACCOUNT}:root", identity_policies=[])
    assert result.allowed
    denied = same_account(principal=f"arn:aws:iam::{SRC_ACCOUNT}:root",
                          resource_policy=policy(deny(Principal={"AWS": SRC_ACCOUNT})))  # fmt: skip
    assert denied.decision == "explicit-deny"


# --- Cross account ----------------------------------------------------------------------------------------


def test_cross_account_needs_both() -> None:
    bucket = policy(grant({"AWS": ROLE}, Sid="Permissions on objects"))
    result = cross_account(identity_policies=[NamedPolicy("inline:Replication", IDENTITY)], resource_policy=bucket)
    assert (result.allowed, result.decision, result.cross_account) == (True, "allow", True)
    assert [(ref.policy, ref.sid, ref.index) for ref in result.allowing] == [
        ("inline:Replication", None, 0), ("resource", "Permissions on objects", 0),
    ]  # fmt: skip
    assert result.allowing[1].statement == bucket["Statement"][0]


def test_cross_account_identity_allow_without_bucket_policy_allow() -> None:
    result = cross_account(identity_policies=[IDENTITY], resource_policy=policy(grant({"AWS": DST_ACCOUNT})))
    assert (result.decision, result.missing) == ("implicit-deny", ("resource",))
    assert result.reason == (
        f"Denied: no statement in the bucket policy allows {ROLE} to call s3:ReplicateObject on {DST_OBJECT} "
        "(cross-account requests need both the role's policies and the resource policy)."
    )


def test_cross_account_without_any_bucket_policy() -> None:
    result = cross_account(identity_policies=[IDENTITY], resource_policy=None)
    assert result.missing == ("resource",)


def test_cross_account_bucket_policy_alone_is_not_enough() -> None:
    result = cross_account(identity_policies=[], resource_policy=policy(grant({"AWS": ROLE})))
    assert (result.decision, result.missing) == ("implicit-deny", ("identity",))
    assert "cross-account" in result.reason


def test_cross_account_nothing_allows() -> None:
    result = cross_account(identity_policies=[], resource_policy=None)
    assert result.missing == ("identity", "resource")


def test_cross_account_boundary_still_caps() -> None:
    result = cross_account(identity_policies=[IDENTITY], permission_boundary=BOUNDARY_KMS_ONLY,
                           resource_policy=policy(grant({"AWS": ROLE})))  # fmt: skip
    assert result.missing == ("boundary",)


def test_cross_account_account_principal_in_bucket_policy() -> None:
    assert cross_account(identity_policies=[IDENTITY], resource_policy=policy(grant({"AWS": SRC_ACCOUNT}))).allowed


# --- KMS key policies -------------------------------------------------------------------------------------


def key_policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return policy(*statements)


def root_statement(account: str = SRC_ACCOUNT) -> dict[str, Any]:
    return {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"}  # fmt: skip


KMS_IDENTITY = policy(allow(action=["kms:Decrypt"], resource=SRC_KEY))


def kms(**kwargs: Any) -> Any:
    kwargs.setdefault("action", "kms:Decrypt")
    kwargs.setdefault("resource", SRC_KEY)
    return decide(resource_kind="kms", **kwargs)


def test_kms_key_policy_naming_the_role_suffices_in_the_same_account() -> None:
    keys = key_policy(grant({"AWS": ROLE}, action="kms:Decrypt", resource="*"))
    result = kms(identity_policies=[], resource_policy=keys)
    assert result.allowed and result.allowing[0].policy == "resource"


def test_kms_key_policy_root_delegation_needs_identity_allow() -> None:
    keys = key_policy(root_statement())
    assert kms(identity_policies=[KMS_IDENTITY], resource_policy=keys).allowed
    result = kms(identity_policies=[], resource_policy=keys)
    assert (result.decision, result.missing) == ("implicit-deny", ("identity",))
    assert "delegates to the account" in result.reason


def test_kms_short_account_form_delegates_too() -> None:
    keys = key_policy(grant({"AWS": SRC_ACCOUNT}, action="kms:*", resource="*"))
    assert kms(identity_policies=[KMS_IDENTITY], resource_policy=keys).allowed
    assert not kms(identity_policies=[], resource_policy=keys).allowed


@pytest.mark.parametrize(
    "keys",
    [
        None,
        key_policy(root_statement(DST_ACCOUNT)),
        key_policy(grant({"AWS": ROLE}, action="kms:Encrypt", resource="*")),
    ],
)
def test_kms_identity_policies_alone_never_suffice(keys: Any) -> None:
    result = kms(identity_policies=[KMS_IDENTITY], resource_policy=keys)
    assert (result.decision, result.missing) == ("implicit-deny", ("resource",))
    assert "AWS KMS ignores IAM policies" in result.reason


def test_kms_cross_account_needs_key_policy_and_identity() -> None:
    identity = policy(allow(action=["kms:Encrypt", "kms:GenerateDataKey"], resource=DST_KEY))
    keys = key_policy(grant({"AWS": ROLE}, action=["kms:GenerateDataKey", "kms:Encrypt"], resource="*"))
    assert kms(action="kms:Encrypt", resource=DST_KEY, identity_policies=[identity], resource_policy=keys).allowed
    missing_identity = kms(action="kms:Encrypt", resource=DST_KEY, identity_policies=[], resource_policy=keys)
    assert (missing_identity.missing, missing_identity.cross_account) == (("identity",), True)
    by_account = key_policy(grant({"AWS": SRC_ACCOUNT}, action="kms:*", resource="*"))
    assert kms(action="kms:Encrypt", resource=DST_KEY, identity_policies=[identity], resource_policy=by_account).allowed


def test_kms_resource_account_comes_from_the_key_arn() -> None:
    identity = policy(allow(action="kms:Encrypt", resource="*"))
    keys = key_policy(grant({"AWS": ROLE}, action="kms:Encrypt", resource="*"))
    same = kms(action="kms:Encrypt", resource=SRC_KEY, identity_policies=[], resource_policy=keys)
    other = kms(action="kms:Encrypt", resource=DST_KEY, identity_policies=[], resource_policy=keys)
    assert same.allowed and not same.cross_account
    assert not other.allowed and other.cross_account
    assert kms(action="kms:Encrypt", resource=DST_KEY, identity_policies=[identity], resource_policy=keys).allowed


def test_kms_key_policy_resource_star_or_missing_means_this_key() -> None:
    for resource in ("*", None):
        keys = key_policy(grant({"AWS": ROLE}, action="kms:Decrypt", resource=resource))
        assert kms(identity_policies=[], resource_policy=keys).allowed, resource


def test_kms_identity_deny_overrides_key_policy() -> None:
    keys = key_policy(grant({"AWS": ROLE}, action="kms:*", resource="*"))
    identity = policy(deny(action="kms:Decrypt", resource="*"))
    assert kms(identity_policies=[identity], resource_policy=keys).decision == "explicit-deny"


def test_kms_role_grant_limited_by_boundary_in_same_account() -> None:
    keys = key_policy(grant({"AWS": ROLE}, action="kms:Decrypt", resource="*"))
    result = kms(identity_policies=[], permission_boundary=BOUNDARY_S3, resource_policy=keys)
    assert result.missing == ("boundary",)


def test_kms_via_service_condition_in_key_policy() -> None:
    keys = key_policy(grant({"AWS": ROLE}, action="kms:Decrypt", resource="*",
                            Condition={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}))  # fmt: skip
    assert kms(resource_policy=keys, context={"kms:ViaService": "s3.us-east-1.amazonaws.com"}).allowed
    assert not kms(resource_policy=keys, context={"kms:ViaService": "s3.us-west-2.amazonaws.com"}).allowed
    assert not kms(resource_policy=keys).allowed


# --- Role trust -------------------------------------------------------------------------------------------

TRUST = policy({"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"})


def trust(**kwargs: Any) -> Any:
    kwargs.setdefault("principal", "s3.amazonaws.com")
    return decide(action="sts:AssumeRole", resource=ROLE, resource_kind="role-trust", **kwargs)


def test_trust_policy_lets_s3_assume_the_role() -> None:
    assert trust(resource_policy=TRUST).allowed


def test_trust_policy_identity_policies_do_not_apply() -> None:
    everything_denied = policy(deny(action="*", resource="*"))
    result = trust(resource_policy=TRUST, identity_policies=[everything_denied], permission_boundary=BOUNDARY_KMS_ONLY)
    assert result.allowed


def test_trust_policy_without_the_service() -> None:
    result = trust(principal="batchoperations.s3.amazonaws.com", resource_policy=TRUST)
    assert (result.decision, result.missing) == ("implicit-deny", ("resource",))
    assert result.reason.startswith("Denied: no statement in the trust policy allows batchoperations")


def test_trust_policy_missing_or_wrong_action() -> None:
    assert trust(resource_policy=None).missing == ("resource",)
    wrong = policy({"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:TagSession"})
    assert not trust(resource_policy=wrong).allowed


def test_trust_policy_deny() -> None:
    denying = policy(TRUST["Statement"][0], {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"})
    assert trust(resource_policy=denying).decision == "explicit-deny"


# An IAM caller of AssumeRole is judged like any request on a resource policy: an explicit Deny anywhere
# wins; cross-account needs the trust policy and the caller's identity policies (within its boundary);
# in the same account a trust policy naming the caller itself suffices, one naming the account delegates
# to the identity policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html,
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html). Only service principals
# skip identity policies.
ASSUMER = f"arn:aws:iam::{DST_ACCOUNT}:role/admin"
SAME_ACCOUNT_ASSUMER = f"arn:aws:iam::{SRC_ACCOUNT}:role/admin"
MAY_ASSUME = policy(allow(action="sts:AssumeRole", resource=ROLE))


def _trusting(principal: str) -> dict[str, Any]:
    return policy({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"})


def test_cross_account_assume_role_needs_the_callers_identity_policy_too() -> None:
    trust_doc = _trusting(f"arn:aws:iam::{DST_ACCOUNT}:root")
    alone = trust(principal=ASSUMER, resource_policy=trust_doc)
    assert (alone.decision, alone.missing) == ("implicit-deny", ("identity",))
    assert trust(principal=ASSUMER, resource_policy=trust_doc, identity_policies=[MAY_ASSUME]).allowed
    named = trust(principal=ASSUMER, resource_policy=_trusting(ASSUMER))
    assert not named.allowed and "identity" in named.missing  # naming the caller is not enough across accounts


def test_cross_account_assume_role_within_the_callers_boundary() -> None:
    trust_doc = _trusting(ASSUMER)
    capped = trust(principal=ASSUMER, resource_policy=trust_doc, identity_policies=[MAY_ASSUME],
                   permission_boundary=BOUNDARY_KMS_ONLY)
    assert (capped.decision, capped.missing) == ("implicit-deny", ("boundary",))


def test_an_explicit_deny_in_the_callers_policies_wins_over_the_trust_policy() -> None:
    everything_denied = policy(deny(action="*", resource="*"))
    result = trust(principal=SAME_ACCOUNT_ASSUMER, resource_policy=_trusting(SAME_ACCOUNT_ASSUMER),
                   identity_policies=[MAY_ASSUME, everything_denied])
    assert result.decision == "explicit-deny"


def test_same_account_trust_naming_the_caller_suffices_naming_the_account_delegates() -> None:
    assert trust(principal=SAME_ACCOUNT_ASSUMER, resource_policy=_trusting(SAME_ACCOUNT_ASSUMER)).allowed
    account = _trusting(f"arn:aws:iam::{SRC_ACCOUNT}:root")
    delegated = trust(principal=SAME_ACCOUNT_ASSUMER, resource_policy=account)
    assert (delegated.decision, delegated.missing) == ("implicit-deny", ("identity",))
    assert trust(principal=SAME_ACCOUNT_ASSUMER, resource_policy=account, identity_policies=[MAY_ASSUME]).allowed


def test_the_trust_policy_must_allow_an_iam_caller_whatever_its_identity_policies() -> None:
    result = trust(principal=SAME_ACCOUNT_ASSUMER, resource_policy=TRUST, identity_policies=[MAY_ASSUME])
    assert not result.allowed and "resource" in result.missing


# --- Shapes the way AWS accepts them ---------------------------------------------------------------------


def test_statement_as_single_object_and_action_as_string() -> None:
    document = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ReplicateObject",
                                                        "Resource": "arn:aws:s3:::dst-bucket/*"}}  # fmt: skip
    assert same_account(identity_policies=[document]).allowed


def test_action_and_not_action_together_never_apply() -> None:
    broken = allow(NotAction="s3:GetObject")
    result = same_account(identity_policies=[policy(broken)])
    assert not result.allowed
    assert any("both Action and NotAction" in note for note in result.notes)
    broken_deny = deny(NotAction="s3:GetObject")
    assert same_account(identity_policies=[IDENTITY, policy(broken_deny)]).allowed


def test_not_action() -> None:
    document = policy({"Effect": "Allow", "NotAction": ["s3:Delete*", "s3:PutBucketPolicy"], "Resource": "*"})
    assert same_account(identity_policies=[document]).allowed
    assert not same_account(action="s3:DeleteObject", identity_policies=[document]).allowed


def test_not_resource() -> None:
    document = policy({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})
    assert same_account(identity_policies=[document]).allowed
    assert not same_account(resource="arn:aws:s3:::secret/x", identity_policies=[document]).allowed
    deny_elsewhere = policy(allow(action="s3:*", resource="*"),
                            {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::dst-bucket/*"})  # fmt: skip
    assert same_account(identity_policies=[deny_elsewhere]).allowed
    assert same_account(resource="arn:aws:s3:::other/x", identity_policies=[deny_elsewhere]).decision == "explicit-deny"


def test_identity_statement_with_principal_is_ignored() -> None:
    result = same_account(identity_policies=[policy(allow(Principal="*"))])
    assert not result.allowed
    assert any("identity policies cannot have a Principal" in note for note in result.notes)


def test_resource_statement_without_principal_is_ignored() -> None:
    result = cross_account(identity_policies=[IDENTITY], resource_policy=policy(allow()))
    assert result.missing == ("resource",)


def test_bucket_policy_statement_without_resource_is_ignored() -> None:
    result = cross_account(identity_policies=[IDENTITY], resource_policy=policy(grant({"AWS": ROLE}, resource=None)))
    assert result.missing == ("resource",)


@pytest.mark.parametrize("effect", [None, "allow", "Permit", 1])
def test_statement_without_valid_effect_never_applies(effect: Any) -> None:
    statement = allow()
    if effect is None:
        del statement["Effect"]
    else:
        statement["Effect"] = effect
    assert not same_account(identity_policies=[policy(statement)]).allowed


def test_documents_may_be_json_text_or_url_encoded() -> None:
    text = json.dumps(IDENTITY)
    assert same_account(identity_policies=[text]).allowed
    assert same_account(identity_policies=[urllib.parse.quote(text)]).allowed
    assert same_account(identity_policies=[NamedPolicy("arn:aws:iam::111122223333:policy/Repl", text)]).allowed


@pytest.mark.parametrize("bad", ["{not json", "[1, 2]", "42", 42, ["Statement"], None, object()])
def test_non_policies_raise_policy_error(bad: Any) -> None:
    with pytest.raises(PolicyError) as raised:
        same_account(identity_policies=[bad])
    message = str(raised.value)
    assert message.endswith(".") and message.count(". ") == 0 and len(message) < 200


def test_resource_policy_non_object_raises() -> None:
    with pytest.raises(PolicyError):
        cross_account(resource_policy="[]")


def test_unknown_resource_kind_raises() -> None:
    with pytest.raises(PolicyError):
        decide(resource_kind="sqs")  # type: ignore[arg-type]


def test_a_single_document_instead_of_a_list() -> None:
    assert same_account(identity_policies=IDENTITY).allowed


def test_default_labels_and_named_policies() -> None:
    identity = [policy(allow(action="s3:GetObject")), policy(allow(Sid="Repl"))]
    result = same_account(identity_policies=identity)
    assert [(ref.policy, ref.sid) for ref in result.allowing] == [("identity[1]", "Repl")]
    bucket = NamedPolicy("bucket-policy:dst-bucket", policy(grant({"AWS": ROLE})))
    named = cross_account(identity_policies=[IDENTITY], resource_policy=bucket)
    assert named.allowing[-1].policy == "bucket-policy:dst-bucket"


def test_resource_account_defaults() -> None:
    # S3 ARNs carry no account: without resource_account the request counts as same-account.
    result = decide(identity_policies=[IDENTITY], resource_account=None)
    assert result.allowed and not result.cross_account


def test_service_principal_against_a_bucket_policy() -> None:
    bucket = policy(grant({"Service": "logging.s3.amazonaws.com"}, action="s3:PutObject"))
    ok = decide(principal="logging.s3.amazonaws.com", action="s3:PutObject", resource_policy=bucket)
    assert ok.allowed
    assert decide(principal="logging.s3.amazonaws.com", action="s3:PutObject").missing == ("resource",)


def test_editing_a_document_in_place_is_seen() -> None:
    document = policy(allow())
    assert same_account(identity_policies=[document]).allowed
    document["Statement"][0]["Effect"] = "Deny"
    assert same_account(identity_policies=[document]).decision == "explicit-deny"


def test_request_context_is_optional() -> None:
    result = evaluate(Request(ROLE, "s3:ReplicateObject", DST_OBJECT), identity_policies=[IDENTITY])
    assert result.allowed


def test_seed_setup_full_replication_path() -> None:
    """The seed blog's two-account setup: every request replication makes is allowed."""
    role_policy = policy(
        allow(action=["s3:GetReplicationConfiguration", "s3:ListBucket"], resource="arn:aws:s3:::src-bucket"),
        allow(action=["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
              resource="arn:aws:s3:::src-bucket/*"),
        allow(action=["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], resource="arn:aws:s3:::dst-bucket/*"),
    )  # fmt: skip
    role_kms = NamedPolicy("inline:ReplicationKms", policy(
        {"Action": ["kms:Decrypt"], "Effect": "Allow", "Resource": [SRC_KEY],
         "Condition": {"StringLike": {"kms:ViaService": "s3.us-east-1.amazonaws.com",
                                      "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::src-bucket/*"]}}},
        {"Action": ["kms:Encrypt"], "Effect": "Allow", "Resource": [DST_KEY],
         "Condition": {"StringLike": {"kms:ViaService": "s3.us-west-2.amazonaws.com",
                                      "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::dst-bucket/*"]}}},
    ))  # fmt: skip
    bucket = policy(grant({"AWS": ROLE}, action=["s3:ReplicateDelete", "s3:ReplicateObject"]),
                    grant({"AWS": ROLE}, action=["s3:List*", "s3:GetBucketVersioning", "s3:PutBucketVersioning"],
                          resource="arn:aws:s3:::dst-bucket"))  # fmt: skip
    dst_key_policy = policy(root_statement(DST_ACCOUNT),
                            grant({"AWS": ROLE}, action=["kms:GenerateDataKey", "kms:Encrypt"], resource="*"))  # fmt: skip
    identity = [role_policy, role_kms]
    assert decide(identity_policies=identity, resource_policy=bucket, resource_account=DST_ACCOUNT).allowed
    encrypt = decide(action="kms:Encrypt", resource=DST_KEY, identity_policies=identity, resource_policy=dst_key_policy,
                     resource_kind="kms",
                     context={"kms:ViaService": "s3.us-west-2.amazonaws.com",
                              "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::dst-bucket/photos/cat.jpg"})  # fmt: skip
    assert encrypt.allowed
    # The same request with an S3 Bucket Key on the destination sends the bucket ARN: the role's KMS
    # statement no longer matches.
    bucket_key = decide(action="kms:Encrypt", resource=DST_KEY, identity_policies=identity,
                        resource_policy=dst_key_policy, resource_kind="kms",
                        context={"kms:ViaService": "s3.us-west-2.amazonaws.com",
                                 "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::dst-bucket"})  # fmt: skip
    assert (bucket_key.decision, bucket_key.missing) == ("implicit-deny", ("identity",))
