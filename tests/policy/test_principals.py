"""Principal and NotPrincipal in resource policies.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
"""

from __future__ import annotations

from typing import Any

import pytest
from policy_helpers import DST_ACCOUNT, ROLE, SESSION, SRC_ACCOUNT, allow, decide, deny, grant, policy

from s3repl_tui.policy import Request
from s3repl_tui.policy.principals import parse_caller

IDENTITY = policy(allow())


def cross_account(principal_element: Any, *, principal: str = ROLE) -> bool:
    """Cross-account request whose identity policy allows: does the bucket policy also allow it?"""
    bucket_policy = policy(grant(principal_element))
    result = decide(principal=principal, identity_policies=[IDENTITY], resource_policy=bucket_policy,
                    resource_account=DST_ACCOUNT)  # fmt: skip
    return result.allowed


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        ("*", True),
        ({"AWS": "*"}, True),
        ({"AWS": SRC_ACCOUNT}, True),
        ({"AWS": f"arn:aws:iam::{SRC_ACCOUNT}:root"}, True),
        ({"AWS": ROLE}, True),
        ({"AWS": [f"arn:aws:iam::{DST_ACCOUNT}:root", ROLE]}, True),  # list values are ORed
        ({"AWS": DST_ACCOUNT}, False),
        ({"AWS": f"arn:aws:iam::{SRC_ACCOUNT}:role/s3crr_role"}, False),  # path must match exactly
        ({"AWS": f"arn:aws:iam::{SRC_ACCOUNT}:role/SERVICE-ROLE/s3crr_role"}, False),
        ({"AWS": f"arn:aws:iam::{SRC_ACCOUNT}:role/service-role/*"}, False),  # no partial wildcards
        ({"AWS": f"arn:aws:iam::{SRC_ACCOUNT}:user/s3crr_role"}, False),
        ({"AWS": "AROAEXAMPLEID12345678"}, False),  # stale unique id of a deleted role
        ({"Service": "s3.amazonaws.com"}, False),
        ({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}, False),
        ({"Federated": "cognito-identity.amazonaws.com"}, False),
    ],
)
def test_principal_forms_for_a_role(element: Any, expected: bool) -> None:
    assert cross_account(element) is expected


def test_session_caller_matches_role_arn_by_name_and_its_own_session_arn() -> None:
    assert cross_account({"AWS": ROLE}, principal=SESSION)
    assert cross_account({"AWS": SESSION}, principal=SESSION)
    assert not cross_account({"AWS": f"arn:aws:sts::{SRC_ACCOUNT}:assumed-role/s3crr_role/other"}, principal=SESSION)
    assert not cross_account({"AWS": f"arn:aws:iam::{SRC_ACCOUNT}:role/service-role/other"}, principal=SESSION)


def test_role_caller_does_not_match_a_session_arn() -> None:
    # Which session S3 will use is unknown, so a grant to one session proves nothing for the role.
    assert not cross_account({"AWS": SESSION})


def test_service_principal_matches_only_that_service() -> None:
    trust = policy(grant({"Service": ["s3.amazonaws.com", "batchoperations.s3.amazonaws.com"]},
                         action="sts:AssumeRole", resource=None))  # fmt: skip
    for service, expected in [("s3.amazonaws.com", True), ("batchoperations.s3.amazonaws.com", True),
                              ("lambda.amazonaws.com", False)]:  # fmt: skip
        result = decide(principal=service, action="sts:AssumeRole", resource=ROLE, resource_policy=trust,
                        resource_kind="role-trust")  # fmt: skip
        assert result.allowed is expected, service


def test_federated_and_canonical_principals_match_exactly() -> None:
    for key, value in [("Federated", "cognito-identity.amazonaws.com"), ("CanonicalUser", "79a59df9")]:
        trust = policy(grant({key: value}, action="sts:AssumeRole", resource=None))
        ok = decide(principal=value, action="sts:AssumeRole", resource=ROLE, resource_policy=trust,
                    resource_kind="role-trust")  # fmt: skip
        other = decide(principal=value + "x", action="sts:AssumeRole", resource=ROLE, resource_policy=trust,
                       resource_kind="role-trust")  # fmt: skip
        assert ok.allowed and not other.allowed


def test_unknown_principal_type_never_matches() -> None:
    assert not cross_account({"AWS": ROLE, "Group": "admins"})
    assert not cross_account("arn:aws:iam::111122223333:root")  # a bare string other than "*" is invalid


def test_stale_principal_is_noted_in_the_result() -> None:
    bucket_policy = policy(grant({"AWS": "AROAEXAMPLEID12345678"}, Sid="Replication"))
    result = decide(identity_policies=[IDENTITY], resource_policy=bucket_policy, resource_account=DST_ACCOUNT)
    assert result.decision == "implicit-deny"
    assert any("AROAEXAMPLEID12345678" in note and "deleted" in note for note in result.notes)


def test_user_principal() -> None:
    user = f"arn:aws:iam::{SRC_ACCOUNT}:user/alice"
    assert cross_account({"AWS": user}, principal=user)
    assert not cross_account({"AWS": f"arn:aws:iam::{SRC_ACCOUNT}:user/Alice"}, principal=user)


# --- NotPrincipal -------------------------------------------------------------------------------------


def survives_not_principal_deny(not_principal: Any, *, principal: str = ROLE) -> bool:
    """A bucket policy allowing everyone, plus a Deny to everyone except ``not_principal``."""
    bucket_policy = policy(
        grant("*"),
        {"Effect": "Deny", "NotPrincipal": not_principal, "Action": "s3:*", "Resource": "arn:aws:s3:::dst-bucket/*"},
    )
    result = decide(principal=principal, identity_policies=[IDENTITY], resource_policy=bucket_policy,
                    resource_account=DST_ACCOUNT)  # fmt: skip
    assert result.decision in ("allow", "explicit-deny")
    return result.allowed


def test_not_principal_deny_excludes_a_role_only_with_role_and_account_listed() -> None:
    listed_both = {"AWS": [ROLE, f"arn:aws:iam::{SRC_ACCOUNT}:root"]}
    assert survives_not_principal_deny(listed_both)  # excluded from the Deny
    # Without the account ARN AWS may deny the whole account, so the role is denied.
    assert not survives_not_principal_deny({"AWS": ROLE})
    assert not survives_not_principal_deny({"AWS": SRC_ACCOUNT})
    assert not survives_not_principal_deny({"AWS": f"arn:aws:iam::{DST_ACCOUNT}:root"})
    assert survives_not_principal_deny("*")


def test_not_principal_deny_for_a_session_needs_session_role_and_account() -> None:
    everything = {"AWS": [SESSION, f"arn:aws:iam::{SRC_ACCOUNT}:role/s3crr_role", SRC_ACCOUNT]}
    assert survives_not_principal_deny(everything, principal=SESSION)
    assert not survives_not_principal_deny({"AWS": [SESSION, SRC_ACCOUNT]}, principal=SESSION)


def test_not_principal_allow_grants_everyone_else() -> None:
    bucket_policy = policy({"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{DST_ACCOUNT}:root"},
                            "Action": "s3:*", "Resource": "arn:aws:s3:::dst-bucket/*"})  # fmt: skip
    result = decide(identity_policies=[IDENTITY], resource_policy=bucket_policy, resource_account=DST_ACCOUNT)
    assert result.allowed
    excluded = policy({"Effect": "Allow", "NotPrincipal": {"AWS": [ROLE, SRC_ACCOUNT]},
                       "Action": "s3:*", "Resource": "arn:aws:s3:::dst-bucket/*"})  # fmt: skip
    assert not decide(identity_policies=[IDENTITY], resource_policy=excluded, resource_account=DST_ACCOUNT).allowed


def test_not_principal_deny_always_hits_a_principal_with_a_boundary() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html (Important box)
    bucket_policy = policy(
        grant("*"),
        {"Effect": "Deny", "NotPrincipal": {"AWS": [ROLE, SRC_ACCOUNT]}, "Action": "s3:*",
         "Resource": "arn:aws:s3:::dst-bucket/*"},
    )  # fmt: skip
    without = decide(identity_policies=[IDENTITY], resource_policy=bucket_policy, resource_account=DST_ACCOUNT)
    with_boundary = decide(identity_policies=[IDENTITY], permission_boundary=policy(allow(action="s3:*")),
                           resource_policy=bucket_policy, resource_account=DST_ACCOUNT)  # fmt: skip
    assert without.allowed
    assert with_boundary.decision == "explicit-deny"


def test_principal_deny_by_account_hits_the_role() -> None:
    bucket_policy = policy(grant({"AWS": ROLE}), deny(Principal={"AWS": SRC_ACCOUNT}))
    result = decide(identity_policies=[IDENTITY], resource_policy=bucket_policy, resource_account=DST_ACCOUNT)
    assert result.decision == "explicit-deny"


@pytest.mark.parametrize(
    ("principal", "kind", "account", "role_name"),
    [
        (ROLE, "role", SRC_ACCOUNT, "s3crr_role"),
        (SESSION, "session", SRC_ACCOUNT, "s3crr_role"),
        (f"arn:aws:iam::{SRC_ACCOUNT}:root", "root", SRC_ACCOUNT, None),
        (SRC_ACCOUNT, "root", SRC_ACCOUNT, None),
        (f"arn:aws:iam::{SRC_ACCOUNT}:user/a/b", "user", SRC_ACCOUNT, None),
        (f"arn:aws:sts::{SRC_ACCOUNT}:federated-user/bob", "federated-user", SRC_ACCOUNT, None),
        ("s3.amazonaws.com", "service", None, None),
        ("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", "other", None, None),
    ],
)
def test_parse_caller(principal: str, kind: str, account: str | None, role_name: str | None) -> None:
    caller = parse_caller(principal)
    assert (caller.kind, caller.account, caller.role_name) == (kind, account, role_name)


def test_role_arn_with_a_different_path_is_noted() -> None:
    # Console-created roles live under role/service-role/; a bucket policy written without the path
    # names another ARN (catalog §3.4).
    bucket_policy = policy(grant({"AWS": f"arn:aws:iam::{SRC_ACCOUNT}:role/s3crr_role"}, Sid="Objects"))
    result = decide(identity_policies=[IDENTITY], resource_policy=bucket_policy, resource_account=DST_ACCOUNT)
    assert result.missing == ("resource",)
    assert any("role/s3crr_role" in note and "path" in note for note in result.notes)


def test_results_and_requests_are_hashable() -> None:
    bucket_policy = policy(grant({"AWS": ROLE}))
    result = decide(identity_policies=[IDENTITY], resource_policy=bucket_policy, resource_account=DST_ACCOUNT)
    assert len({result, result}) == 1
    assert hash(Request(ROLE, "s3:ReplicateObject", "arn:aws:s3:::dst-bucket/a", {"k": "v"}))
