"""IAM/KMS policy evaluation for S3 replication: decide, explain, lint.

    result = evaluate(Request(principal, action, resource, context), identity_policies=[...],
                      permission_boundary=None, resource_policy=None, resource_account=None,
                      resource_kind="s3")   # or "kms" (key policy rules) or "role-trust"
    result.allowed, result.decision, result.allowing, result.denying, result.missing, result.reason
    findings = lint(document, kind=None)   # kind: "identity" | "boundary" | "s3" | "kms" | "role-trust"

Documents may be dicts, JSON text, or NamedPolicy(name, document) to label explanations. Anything
that is not a JSON object raises PolicyError, the only exception these functions raise.
Pure Python with no AWS SDK or UI imports, so checks and tests can use it anywhere.
"""

from .catalog import ActionCatalog, load_catalog
from .evaluate import evaluate
from .lint import LintKind, lint
from .matching import arn_match, parse_arn, wildcard_match
from .model import (
    ContextValue,
    Decision,
    EvaluationResult,
    LintFinding,
    NamedPolicy,
    PolicyError,
    PolicyPart,
    Request,
    ResourceKind,
    StatementRef,
)

__all__ = [
    "ActionCatalog",
    "ContextValue",
    "Decision",
    "EvaluationResult",
    "LintFinding",
    "LintKind",
    "NamedPolicy",
    "PolicyError",
    "PolicyPart",
    "Request",
    "ResourceKind",
    "StatementRef",
    "arn_match",
    "evaluate",
    "lint",
    "load_catalog",
    "parse_arn",
    "wildcard_match",
]
