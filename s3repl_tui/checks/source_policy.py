"""Extra layer: the source bucket policy. Deny statements that hit the role's reads
(``s3:GetReplicationConfiguration``, ``s3:ListBucket``, ``s3:GetObjectVersionForReplication``,
``s3:GetObjectVersionAcl``, ``s3:GetObjectVersionTagging``) break replication [UG-TS] (catalog §3.4).
If the role lives in another account than the source bucket, the policy must also allow it.
"""

from __future__ import annotations

from s3repl_tui.checks import denials, facts, fixes
from s3repl_tui.checks.access import Access
from s3repl_tui.checks.denials import joined, pattern
from s3repl_tui.checks.evidence import missing_evidence
from s3repl_tui.checks.linting import lint_findings
from s3repl_tui.checks.model import Finding
from s3repl_tui.checks.permissions import group, problems_of, unreadable_findings
from s3repl_tui.policy import NamedPolicy
from s3repl_tui.probes.snapshot import Snapshot


def check(snapshot: Snapshot, accesses: tuple[Access, ...]) -> tuple[Finding, ...]:
    source = snapshot.source

    def keep(a: Access) -> bool:
        return a.item.target == "source"

    found = unreadable_findings(accesses, "resource", "source-policy-unreadable",
                                "whether it denies the replication role", keep)
    for grp in group(problems_of(accesses, "resource", keep), lambda p: 0):
        item = grp.first.item
        resources = [pattern(r) for r in grp.resources]
        if grp.kind == "deny":
            found.append(denials.deny_finding("source-policy-denies", grp, "the replication role",
                                              source.owner_account))
        elif grp.kind == "undetermined":
            found.append(denials.undetermined_finding("source-policy-unverifiable", grp,
                                                      f"the bucket policy of {source.name}",
                                                      f"aws s3api get-bucket-policy --bucket {source.name}"))
        elif grp.kind == "may-deny":
            found.append(denials.may_deny_finding("source-policy-may-deny", grp, f"The bucket policy of {source.name}"))
        else:  # only when the role is in another account than the source bucket
            statement = {"Effect": "Allow", "Principal": {"AWS": item.request.principal},
                         "Action": grp.actions, "Resource": resources}
            steps = (f"Add this statement to the bucket policy of {source.name} (in the evidence), then: "
                     f"aws s3api put-bucket-policy --bucket {source.name} --policy file://policy.json")
            found.append(Finding(
                "source-policy-missing-grant", grp.severity,
                f"The role {item.request.principal} is in another account than {source.name}, and the bucket "
                f"policy doesn't allow it {joined(grp.actions)} on {joined(resources)}.",
                source.arn, grp.failure_reason,
                missing_evidence(statement, f"bucket-policy:{source.name}", item.request),
                fixes.manual("amend-source-bucket-policy", f"Allow the role {joined(grp.actions)} on {source.name}.",
                             source.owner_account, "s3:PutBucketPolicy", steps, bucket=source.name,
                             statement=statement, region=facts.region_of(source))))
    if source.policy.is_ok and source.policy.value:
        found += lint_findings(NamedPolicy(f"bucket-policy:{source.name}", source.policy.value), "s3", source.arn)
    return tuple(found)
