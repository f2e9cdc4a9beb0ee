"""KMS grants as key-policy statements, so the engine judges them with the key policy.

A grant lets its grantee principal call the grant's operations on the key without the key policy
naming it (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html); a grant cannot
override a Deny. Its constraints limit the encryption context
(https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html):
``EncryptionContextSubset`` — the request's context includes these pairs; ``EncryptionContextEquals`` —
it is exactly these pairs. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Document = dict[str, Any]


def _condition(constraints: Any) -> dict[str, Any] | None:
    """The statement Condition of a grant's constraints; None: constraints we can't express (no match)."""
    if not constraints:
        return {}
    if not isinstance(constraints, dict):
        return None
    subset = constraints.get("EncryptionContextSubset")
    equals = constraints.get("EncryptionContextEquals")
    pairs = equals if isinstance(equals, dict) else subset if isinstance(subset, dict) else None
    if pairs is None:
        return None
    condition: dict[str, Any] = {"StringEquals": {f"kms:EncryptionContext:{k}": str(v) for k, v in pairs.items()}}
    if isinstance(equals, dict):
        condition["ForAllValues:StringEquals"] = {"kms:EncryptionContextKeys": sorted(pairs)}
    return condition


def grant_statement(grant: Document) -> Document | None:
    """One Allow statement for ``grant``; None when it names no grantee or operation."""
    grantee = grant.get("GranteePrincipal")
    operations = [str(op) for op in grant.get("Operations") or [] if op]
    condition = _condition(grant.get("Constraints"))
    if not isinstance(grantee, str) or not grantee or not operations or condition is None:
        return None
    principal = {"Service": grantee} if grantee.endswith(".amazonaws.com") else {"AWS": grantee}
    statement: Document = {"Sid": f"grant:{grant.get('Name') or str(grant.get('GrantId', ''))[:16]}",
                           "Effect": "Allow", "Principal": principal,
                           "Action": [f"kms:{op}" for op in operations], "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return statement


def with_grants(key_policy: Document | None, grants: Iterable[Document]) -> Document | None:
    """The key policy with one Allow statement per grant appended (the policy itself when there are none)."""
    statements = [s for s in (grant_statement(g) for g in grants if isinstance(g, dict)) if s is not None]
    if not statements:
        return key_policy
    base = key_policy if isinstance(key_policy, dict) else {"Version": "2012-10-17", "Statement": []}
    own = base.get("Statement", [])
    own_list = own if isinstance(own, list) else [own]
    return {**base, "Statement": [*own_list, *statements]}
