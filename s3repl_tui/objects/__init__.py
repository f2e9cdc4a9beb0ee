"""Forensics for one object: why it did (not) replicate, and what re-replicates it. No Textual here."""

from s3repl_tui.objects.explain import explain_object
from s3repl_tui.objects.facts import ObjectFacts, read_object
from s3repl_tui.objects.model import Cause, CheckedRequest, ObjectDiagnosis
from s3repl_tui.objects.rules import RuleMatch, match_rules

__all__ = [
    "Cause",
    "CheckedRequest",
    "ObjectDiagnosis",
    "ObjectFacts",
    "RuleMatch",
    "explain_object",
    "match_rules",
    "read_object",
]
