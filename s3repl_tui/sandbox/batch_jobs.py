"""A minimal S3 Batch Operations stand-in for the sandbox: moto 5.2 has no ``s3control`` jobs.

Answers ``CreateJob``, ``DescribeJob``, ``ListJobs`` and ``UpdateJobStatus`` (REST-XML under
``/v20180820/jobs``, the account in ``x-amz-account-id``) well enough for ``retry`` to create a Batch
Replication job and follow it to its end. What it emulates, and what not:

* the job must be able to assume its role: a role that does not exist, or whose trust policy does not
  allow ``batchoperations.s3.amazonaws.com``, fails the job with ``AssumeRoleNotPermitted`` (catalog §1);
  a source bucket without a replication configuration fails it with ``SrcBucketReplicationConfigMissing``;
* the generated manifest selects the source's current object versions under an Enabled rule's prefix
  whose replication status is asked for. moto never replicates, so every object's status is ``NONE``;
* a listed manifest (``Manifest``, as ``retry --manifest`` uploads it) is read from S3 with its ETag
  checked; each row is a task: a key that is gone fails with ``SrcKeyNotFound``, a key no Enabled rule
  covers fails too (how AWS counts such a key is not documented; the stand-in's choice);
* each selected object is copied to the rule's destination bucket as it is; permissions, KMS keys and
  ownership are NOT evaluated (moto evaluates no policy), so a job here succeeds where AWS may fail;
* the job advances one state per ``DescribeJob`` (New → Active → Complete), not by time, and writes a
  completion report (CSV) and the manifest to the report bucket when asked.

API shapes: the botocore s3control service model (2018-08-20), as the client sends and parses them.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote_plus

JOBS_PATH = "/v20180820/jobs"
BATCH_PRINCIPAL = "batchoperations.s3.amazonaws.com"
LISTED = "Manifest"  # a listed manifest (CSV in S3), where a generated one is ManifestGenerator
_NS = "http://awss3control.amazonaws.com/doc/2018-08-20/"
_N = f"{{{_NS}}}"
Answer = tuple[int, bytes]


@dataclass
class _Job:
    job_id: str
    account: str
    request: ET.Element
    created: str
    status: str = "New"
    total: int | None = None
    succeeded: int = 0
    failed: int = 0
    reason: str = ""
    failures: list[tuple[str, str]] = field(default_factory=list)
    manifest_key: str | None = None
    describes: int = 0
    listed: list[tuple[str, str, str | None]] | None = None  # (bucket, key, version) of a listed manifest

    def text(self, path: str) -> str:
        found = self.request.find(_path(path))
        return (found.text or "") if found is not None else ""


def _path(path: str) -> str:
    return "/".join(f"{_N}{part}" for part in path.split("/"))


def _bucket_of(arn: str) -> str:
    return arn.split(":::", 1)[-1]


def _s3(account: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account]["aws"]


def _error(status: int, code: str, message: str) -> Answer:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return status, body.encode()


def _xml(root: str, *children: ET.Element) -> bytes:
    element = ET.Element(root, xmlns=_NS)
    element.extend(children)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element)


def _leaf(tag: str, value: object) -> ET.Element:
    element = ET.Element(tag)
    element.text = str(value).lower() if isinstance(value, bool) else str(value)
    return element


def _strip_ns(element: ET.Element) -> ET.Element:
    """A copy without the request's namespace (the answer declares it once on its root)."""
    copy = ET.Element(element.tag.replace(_N, ""))
    copy.text = element.text
    copy.extend(_strip_ns(child) for child in element)
    return copy


def _trusts_batch_operations(account: str, role_arn: str) -> bool:
    from moto.iam.models import iam_backends

    try:
        role = iam_backends[account]["global"].get_role_by_arn(role_arn)
    except Exception:  # moto raises its own "not found" error
        return False
    document = json.loads(role.assume_role_policy_document or "{}")
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        services = (statement.get("Principal") or {}).get("Service", []) if isinstance(statement, dict) else []
        services = [services] if isinstance(services, str) else services
        if statement.get("Effect") == "Allow" and BATCH_PRINCIPAL in services:
            return True
    return False


class BatchJobs:
    """The jobs of every account in this sandbox; thread-safe (the server answers on many threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, _Job] = {}
        self._tokens: dict[tuple[str, str], str] = {}

    def reset(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._tokens.clear()

    def handles(self, path: str) -> bool:
        return path == JOBS_PATH or path.startswith(JOBS_PATH + "/")

    def answer(self, method: str, path: str, query: str, account: str, body: bytes) -> Answer:
        parts = path[len(JOBS_PATH):].strip("/").split("/") if path != JOBS_PATH else []
        with self._lock:
            if not parts and method == "POST":
                return self._create(account, body)
            if not parts and method == "GET":
                return self._list(account)
            job = self._jobs.get(parts[0]) if parts else None
            if job is None or job.account != account:
                return _error(404, "NotFoundException", f"Job {parts[0] if parts else ''} does not exist")
            if len(parts) == 1 and method == "GET":
                self._advance(job)
                return 200, _xml("DescribeJobResult", self._descriptor(job))
            if parts[1:] == ["status"] and method == "POST":
                return self._update_status(job, parse_qs(query))
        return _error(400, "InvalidRequest", f"The sandbox's Batch Operations stand-in does not answer {method} {path}")

    def _create(self, account: str, body: bytes) -> Answer:
        try:
            request = ET.fromstring(body)
        except ET.ParseError:
            return _error(400, "MalformedXML", "The XML you provided was not well-formed")
        token = request.findtext(_path("ClientRequestToken"), "")
        if (account, token) in self._tokens:  # the same token is the same job (idempotent)
            return 200, _xml("CreateJobResult", _leaf("JobId", self._tokens[(account, token)]))
        for required in ("RoleArn", "Operation", "Priority", "Report"):
            if request.find(_path(required)) is None:
                return _error(400, "InvalidRequest", f"{required} is required")
        job = _Job(str(uuid.uuid4()), account, request, datetime.now(UTC).isoformat())
        self._jobs[job.job_id] = job
        self._tokens[(account, token)] = job.job_id
        return 200, _xml("CreateJobResult", _leaf("JobId", job.job_id))

    def _list(self, account: str) -> Answer:
        jobs = ET.Element("Jobs")
        for job in self._jobs.values():
            if job.account != account:
                continue
            member = ET.SubElement(jobs, "member")
            member.extend([_leaf("JobId", job.job_id), _leaf("Operation", "S3ReplicateObject"),
                           _leaf("Status", job.status), _leaf("CreationTime", job.created),
                           _leaf("Priority", job.text("Priority") or 10), self._progress(job)])
            if job.text("Description"):
                member.append(_leaf("Description", job.text("Description")))
        return 200, _xml("ListJobsResult", jobs)

    def _update_status(self, job: _Job, query: dict[str, list[str]]) -> Answer:
        wanted = (query.get("requestedJobStatus") or [""])[0]
        if wanted == "Cancelled" and job.status not in ("Complete", "Failed"):
            job.status = "Cancelled"
        elif wanted == "Ready" and job.status in ("Suspended", "New"):
            job.status = "Ready"
        elif wanted not in ("Cancelled", "Ready"):
            return _error(400, "InvalidRequest", f"requestedJobStatus must be Ready or Cancelled, not {wanted}")
        else:
            return _error(409, "JobStatusException", f"Job {job.job_id} is {job.status}")
        return 200, _xml("UpdateJobStatusResult", _leaf("JobId", job.job_id), _leaf("Status", job.status))

    # --- the job's life: one step per DescribeJob ---------------------------------------------------

    def _advance(self, job: _Job) -> None:
        job.describes += 1
        if job.status in ("New", "Ready"):
            self._prepare(job)
        elif job.status == "Active":
            self._run(job)

    def _fail(self, job: _Job, code: str, reason: str) -> None:
        job.status, job.reason = "Failed", "Job failed"
        job.failures.append((code, reason))

    def _prepare(self, job: _Job) -> None:
        """Generate the manifest: which objects the job replicates."""
        if not _trusts_batch_operations(job.account, job.text("RoleArn")):
            self._fail(job, "AssumeRoleNotPermitted", f"S3 Batch Operations could not assume {job.text('RoleArn')}: "
                       f"the role does not exist or its trust policy does not allow {BATCH_PRINCIPAL}")
            return
        if job.request.find(_path(LISTED)) is not None:
            listed = self._listed(job)
            if isinstance(listed, str):
                self._fail(job, "ManifestNotReadable", listed)
                return
            job.listed = listed
        bucket = self._source_bucket(job)
        if bucket is None or not bucket.replication:
            self._fail(job, "SrcBucketReplicationConfigMissing",
                       "The source bucket has no replication configuration")
            return
        job.total = len(self._selected(job, bucket))
        job.status, job.reason = "Active", "Job is active"
        self._write_manifest(job)

    def _listed(self, job: _Job) -> list[tuple[str, str, str | None]] | str:
        """The rows of a listed manifest (``Manifest``: bucket, URL-encoded key[, version id]), read from
        S3 as Batch Operations reads it, its ETag checked; or why it cannot be read."""
        arn = job.text(f"{LISTED}/Location/ObjectArn")
        bucket, _, key = arn.removeprefix("arn:aws:s3:::").partition("/")
        try:
            stored = _s3(job.account).get_object(bucket, key)
        except Exception:  # moto's MissingBucket / MissingKey
            stored = None
        if stored is None:
            return f"The manifest {arn} could not be read"
        if stored.etag.strip('"') != job.text(f"{LISTED}/Location/ETag").strip('"'):
            return f"The ETag of the manifest {arn} does not match the one given"
        fields = [field.text for field in job.request.find(_path(f"{LISTED}/Spec/Fields")) or []]
        rows = []
        for row in csv.reader(io.StringIO(stored.value.decode("utf-8"))):
            if row:
                named = dict(zip(fields, row, strict=False))
                version = named.get("VersionId") or None
                rows.append((named.get("Bucket", ""), unquote_plus(named.get("Key", "")),
                             None if version == "null" else version))
        return rows

    def _source_bucket(self, job: _Job) -> Any:
        generator = "ManifestGenerator/S3JobManifestGenerator"
        name = job.listed[0][0] if job.listed else _bucket_of(job.text(f"{generator}/SourceBucket"))
        try:
            return _s3(job.account).get_bucket(name)
        except Exception:  # moto's MissingBucket
            return None

    def _selected(self, job: _Job, bucket: Any) -> list[tuple[str, Any, str | None]]:
        """(key name, object, destination bucket) per task. A generated manifest: each current version an
        Enabled rule covers, if its status (always NONE here: moto never replicates) is among the statuses
        asked for. A listed one: each row; an object that is gone, or no rule covers, is a failed task."""
        rules = [r for r in bucket.replication.get("Rule", []) if isinstance(r, dict) and r.get("Status") == "Enabled"]

        def destination(name: str) -> str | None:
            for rule in rules:
                if name.startswith(_rule_prefix(rule)):
                    return _bucket_of(str(rule.get("Destination", {}).get("Bucket", "")))
            return None

        if job.listed is not None:
            return [(name, self._listed_object(job, listed_bucket, name, version), destination(name))
                    for listed_bucket, name, version in job.listed]
        if "NONE" not in {e.text for e in self.request_statuses(job)}:
            return []
        current = [key for key in list(bucket.keys.values()) if hasattr(key, "value")]  # not delete markers
        return [(key.name, key, destination(key.name)) for key in current if destination(key.name) is not None]

    @staticmethod
    def _listed_object(job: _Job, bucket: str, name: str, version: str | None) -> Any:
        try:
            found = _s3(job.account).get_object(bucket, name, version_id=version)
        except Exception:  # moto's MissingKey / MissingVersion / MissingBucket
            return None
        return found if hasattr(found, "value") else None  # a delete marker replicates nothing

    def request_statuses(self, job: _Job) -> list[ET.Element]:
        found = job.request.find(_path("ManifestGenerator/S3JobManifestGenerator/Filter/ObjectReplicationStatuses"))
        return list(found) if found is not None else []

    def _run(self, job: _Job) -> None:
        """Copy each selected object to its destination, as it is (no permission or key is evaluated)."""
        from moto.s3.models import s3_backends

        bucket = self._source_bucket(job)
        rows: list[tuple[str, ...]] = []
        for name, key, destination in self._selected(job, bucket) if bucket is not None else []:
            owner = s3_backends.bucket_accounts.get(destination) if destination else None
            if key is None or owner is None:
                job.failed += 1
                reason = ("404", "SrcKeyNotFound") if key is None else ("400", "NoEnabledRuleCoversTheKey (sandbox)") \
                    if destination is None else ("404", "DstBucketNotFound")
                rows.append((bucket.name, name, getattr(key, "version_id", "") or "", "failed", *reason))
                continue
            _s3(owner[1]).put_object(destination, key.name, key.value, disable_notification=True)
            job.succeeded += 1
            rows.append((bucket.name, key.name, key.version_id, "succeeded", "200", "Successful"))
        job.status, job.reason = "Complete", "Job complete"
        self._write_report(job, rows)

    def _report_location(self, job: _Job) -> tuple[str, str] | None:
        if job.text("Report/Enabled") != "true" or not job.text("Report/Bucket"):
            return None
        return _bucket_of(job.text("Report/Bucket")), job.text("Report/Prefix").strip("/")

    def _write_manifest(self, job: _Job) -> None:
        output = "ManifestGenerator/S3JobManifestGenerator/ManifestOutputLocation"
        if job.text("ManifestGenerator/S3JobManifestGenerator/EnableManifestOutput") != "true":
            return
        bucket, prefix = _bucket_of(job.text(f"{output}/Bucket")), job.text(f"{output}/ManifestPrefix").strip("/")
        key = f"{prefix}/job-{job.job_id}/manifest.json".lstrip("/")
        body = json.dumps({"sourceBucket": job.text("ManifestGenerator/S3JobManifestGenerator/SourceBucket"),
                           "fileFormat": "CSV", "files": [], "emulated": "s3repl-tui sandbox"}).encode()
        try:
            _s3(job.account).put_object(bucket, key, body, disable_notification=True)
        except Exception:  # the report bucket is gone: the manifest is not stored, the job goes on
            return
        job.manifest_key = f"arn:aws:s3:::{bucket}/{key}"

    def _write_report(self, job: _Job, rows: list[tuple[str, ...]]) -> None:
        location = self._report_location(job)
        if location is None:
            return
        bucket, prefix = location
        text = io.StringIO()
        csv.writer(text).writerows(rows)
        key = f"{prefix}/job-{job.job_id}/results/sandbox.csv".lstrip("/")
        try:
            _s3(job.account).put_object(bucket, key, text.getvalue().encode(), disable_notification=True)
        except Exception:
            self._fail(job, "AccessDenied", "The job report could not be written to your report bucket.")

    # --- answers -------------------------------------------------------------------------------------

    def _progress(self, job: _Job) -> ET.Element:
        progress = ET.Element("ProgressSummary")
        if job.total is not None:
            progress.append(_leaf("TotalNumberOfTasks", job.total))
        progress.extend([_leaf("NumberOfTasksSucceeded", job.succeeded), _leaf("NumberOfTasksFailed", job.failed)])
        timers = ET.SubElement(progress, "Timers")
        timers.append(_leaf("ElapsedTimeInActiveSeconds", 0))
        return progress

    def _descriptor(self, job: _Job) -> ET.Element:
        descriptor = ET.Element("Job")
        descriptor.extend([
            _leaf("JobId", job.job_id),
            _leaf("ConfirmationRequired", job.text("ConfirmationRequired") == "true"),
            _leaf("JobArn", f"arn:aws:s3:us-east-1:{job.account}:job/{job.job_id}"),
            _leaf("Status", job.status),
            _leaf("Priority", job.text("Priority") or 10),
            _leaf("CreationTime", job.created),
            _leaf("RoleArn", job.text("RoleArn")),
            self._progress(job),
        ])
        if job.text("Description"):
            descriptor.append(_leaf("Description", job.text("Description")))
        if job.reason:
            descriptor.append(_leaf("StatusUpdateReason", job.reason))
        for tag in ("Operation", "Report", "ManifestGenerator", "Manifest"):
            found = job.request.find(_path(tag))
            if found is not None:
                descriptor.append(_strip_ns(found))
        if job.failures:
            failures = ET.SubElement(descriptor, "FailureReasons")
            for code, reason in job.failures:
                member = ET.SubElement(failures, "member")
                member.extend([_leaf("FailureCode", code), _leaf("FailureReason", reason)])
        if job.manifest_key:
            generated = ET.SubElement(descriptor, "GeneratedManifestDescriptor")
            generated.append(_leaf("Format", "S3InventoryReport_CSV_20211130"))
            location = ET.SubElement(generated, "Location")
            location.append(_leaf("ObjectArn", job.manifest_key))
        return descriptor


def _rule_prefix(rule: dict[str, Any]) -> str:
    """The key prefix a stored rule covers (tags are not emulated: a tag filter counts as its prefix)."""
    if "Prefix" in rule and rule["Prefix"] is not None:
        return str(rule["Prefix"])
    filters = rule.get("Filter") or {}
    if "Prefix" in filters:
        return str(filters["Prefix"] or "")
    return str((filters.get("And") or {}).get("Prefix") or "")
