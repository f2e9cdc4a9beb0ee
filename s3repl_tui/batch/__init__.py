"""S3 Batch Replication: what the job needs of the role, the job itself, and following it. No Textual."""

from s3repl_tui.batch.job import JobSpec, JobState, create_job, create_job_request, follow_job, job_state
from s3repl_tui.batch.prepare import RetryPlan, prepare_retry
from s3repl_tui.batch.requirements import Checked, Requirement, check, requirements
from s3repl_tui.batch.role_plan import role_plan
from s3repl_tui.batch.statuses import STATUS_MEANINGS, parse_statuses

__all__ = [
    "STATUS_MEANINGS",
    "Checked",
    "JobSpec",
    "JobState",
    "Requirement",
    "RetryPlan",
    "check",
    "create_job",
    "create_job_request",
    "follow_job",
    "job_state",
    "parse_statuses",
    "prepare_retry",
    "requirements",
    "role_plan",
]
