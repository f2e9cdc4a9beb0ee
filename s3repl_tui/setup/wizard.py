"""The guided questions of ``s3repl-tui init``, and what both modes (wizard, flags) read before planning.

``ask`` only asks what the flags left open, in this order: source bucket, destination bucket (both
listed with ListBuckets from their own accounts), encryption, the source and replica keys (usable
keys listed with ListKeys + DescribeKey in each bucket's Region, or a new one), S3 Bucket Keys,
object ownership (cross-account only), Replication Time Control, metrics and failure notifications,
delete marker replication, replica modification sync, and the role's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from s3repl_tui.errors import UserError
from s3repl_tui.setup.answers import NEW_KEY, Answers, check_role_name, default_role_name
from s3repl_tui.setup.discover import BucketInfo, Discovery, KeyInfo, Side
from s3repl_tui.setup.plan import SetupState, refuse_existing_replication
from s3repl_tui.setup.prompts import Option, Prompter

Say = Callable[[str], Any]
_DEFAULT_CHAIN = "__default__"
_SAME_AS_SOURCE = "__same__"
_ENTER_ARN = "__arn__"


def ask_profiles(
    prompter: Prompter, available: list[str], source: str | None, dest: str | None
) -> tuple[str | None, str | None]:
    """The two profiles, asked only when the flags do not give them and profiles exist to pick from."""
    if source is None and available:
        options = [Option("(default credentials)", _DEFAULT_CHAIN, "Environment, AWS_PROFILE or [default].")]
        options += [Option(name, name) for name in available]
        picked = prompter.select("Which AWS profile reaches the SOURCE account?", options, _DEFAULT_CHAIN)
        source = None if picked == _DEFAULT_CHAIN else str(picked)
    if dest is None and available:
        options = [Option("(same as the source)", _SAME_AS_SOURCE, "Same-account replication.")]
        options += [Option(name, name) for name in available if name != source]
        picked = prompter.select("Which AWS profile reaches the DESTINATION account?", options, _SAME_AS_SOURCE)
        dest = None if picked == _SAME_AS_SOURCE else str(picked)
    return source, dest


def _pick_bucket(prompter: Prompter, discovery: Discovery, side: Side, exclude: str | None) -> str:
    account = discovery.side(side).account
    buckets = [b for b in discovery.list_buckets(side) if b.name != exclude]
    if not buckets:
        raise UserError(
            f"Account {account} has no bucket to use as the {side}.",
            hint="Create both buckets first; init sets replication up between existing buckets.",
        )
    options = [Option(f"{b.name} ({b.region})" if b.region else b.name, b.name) for b in buckets]
    return str(prompter.select(f"Which bucket is the {side.upper()}? (account {account})", options))


def _pick_key(prompter: Prompter, say: Say, discovery: Discovery, side: Side, bucket: BucketInfo, words: str) -> str:
    account = discovery.side(side).account
    try:
        keys: list[KeyInfo] = discovery.list_keys(side, bucket.region)
    except UserError as error:
        say(f"  {error.message} You can still create a new key or enter a key ARN.")
        keys = []
    options = [
        Option(
            f"Create a new key in account {account} ({bucket.region})",
            NEW_KEY,
            "Symmetric, customer managed; its policy lets the replication role use it only through S3 on this bucket.",
        )
    ]
    options += [Option(key.title, key.arn) for key in keys]
    options.append(Option("Enter a key ARN", _ENTER_ARN))
    current = bucket.default_kms_key
    default = next((k.arn for k in keys if current and (current == k.arn or k.arn.endswith(current))), NEW_KEY)
    while True:
        picked = str(prompter.select(f"Which KMS key encrypts {bucket.name} ({words})?", options, default))
        if picked == _ENTER_ARN:
            picked = prompter.text(f"ARN of the {words} (in {bucket.region}, account {account}):")
        if picked == NEW_KEY:
            return picked
        try:
            discovery.key(side, picked.strip(), bucket, words)
        except UserError as error:
            say(f"  {error.message} {error.hint}")
            continue
        return picked.strip()


def _confirm(prompter: Prompter, answers: Answers, name: str, question: str, default: bool) -> Answers:
    if getattr(answers, name) is None:
        answers = answers.with_(**{name: prompter.confirm(question, default)})
    return answers


def ask(prompter: Prompter, discovery: Discovery, given: Answers, say: Say, flags: str = "") -> Answers:
    """Fill every open answer by asking (``say`` tells what was found); ``flags`` are repeated in the
    commands suggested on refusal."""
    answers = given
    source_side, dest_side = discovery.side("source"), discovery.side("destination")
    kind = "Cross-account" if discovery.cross_account else "Same-account"
    say(f"{kind} setup: source account {source_side.account}, destination account {dest_side.account}.")

    if answers.source_bucket is None:
        answers = answers.with_(source_bucket=_pick_bucket(prompter, discovery, "source", None))
    assert answers.source_bucket is not None
    source = discovery.bucket("source", answers.source_bucket)
    refuse_existing_replication(source, flags)
    if answers.dest_bucket is None:
        answers = answers.with_(dest_bucket=_pick_bucket(prompter, discovery, "destination", source.name))
    assert answers.dest_bucket is not None
    answers.validate()
    dest = discovery.bucket("destination", answers.dest_bucket)
    say(f"Replicating s3://{source.name} ({source.region}) to s3://{dest.name} ({dest.region}).")

    if answers.encryption is None:
        kms_now = bool(source.default_algorithm and source.default_algorithm.startswith("aws:kms"))
        options = [
            Option("SSE-S3 (keys managed by Amazon S3)", "sse-s3", "Nothing to grant: S3 handles the keys."),
            Option(
                "SSE-KMS (customer managed KMS keys)",
                "sse-kms",
                "One key per bucket; the role gets least-privilege grants on both, limited to S3 on these buckets.",
            ),
        ]
        answers = answers.with_(
            encryption=prompter.select("How are the objects encrypted?", options, "sse-kms" if kms_now else "sse-s3")
        )
    if answers.encryption == "sse-kms":
        if answers.source_key is None:
            answers = answers.with_(source_key=_pick_key(prompter, say, discovery, "source", source, "source key"))
        if answers.replica_key is None:
            answers = answers.with_(replica_key=_pick_key(prompter, say, discovery, "destination", dest, "replica key"))
        answers = _confirm(
            prompter,
            answers,
            "bucket_key",
            "S3 Bucket Keys? (fewer KMS calls; the encryption context becomes the bucket ARN)",
            source.bucket_key_enabled,
        )

    if answers.ownership is None:
        if discovery.cross_account:
            options = [
                Option(
                    "BucketOwnerEnforced on the destination (recommended)",
                    "enforced",
                    "ACLs off: the destination account owns every object; no extra permission is needed.",
                ),
                Option(
                    "Owner override in the rule (Owner=Destination)",
                    "override",
                    "The role and the destination bucket policy get s3:ObjectOwnerOverrideToBucketOwner.",
                ),
                Option(
                    "Leave ownership as it is",
                    "none",
                    "Replicas stay owned by the source account unless the destination enforces bucket-owner.",
                ),
            ]
            default = "none" if dest.object_ownership == "BucketOwnerEnforced" else "enforced"
            answers = answers.with_(ownership=prompter.select("Who should own the replicas?", options, default))
        else:
            answers = answers.with_(ownership="none")

    answers = _confirm(
        prompter,
        answers,
        "rtc",
        "Replication Time Control? (99.99% within 15 minutes, extra cost, turns metrics on)",
        False,
    )
    if answers.rtc and answers.metrics is None:
        say("  Replication metrics are on: RTC needs them.")
        answers = answers.with_(metrics=True)
    answers = _confirm(
        prompter,
        answers,
        "metrics",
        "Replication metrics and failure events? (events need an SNS/SQS/EventBridge subscription)",
        True,
    )
    answers = _confirm(
        prompter,
        answers,
        "delete_markers",
        "Replicate delete markers? (a delete without a version id hides the replica too)",
        False,
    )
    answers = _confirm(
        prompter,
        answers,
        "replica_sync",
        "Replica modification sync? (changes to replicas go back; for two-way replication)",
        False,
    )

    if answers.role_name is None:
        answers = answers.with_(
            role_name=prompter.text(
                "Name of the replication role (source account, path /service-role/):",
                default_role_name(source.name),
                validate=_role_name_problem,
            )
        )
    return answers.validate()


def _role_name_problem(name: str) -> str | None:
    try:
        check_role_name(name)
    except UserError as error:
        return f"{error.message} {error.hint}"
    return None


def gather(
    discovery: Discovery, answers: Answers, flags: str = "", say: Callable[[str], Any] | None = None
) -> SetupState:
    """Read everything the plan merges into, for complete ``answers`` (from the wizard or the flags)."""
    done = answers.complete()
    source = discovery.bucket("source", done.source_bucket)
    refuse_existing_replication(source, flags)
    dest = discovery.bucket("destination", done.dest_bucket)
    source_key = replica_key = None
    if done.source_key and done.source_key != NEW_KEY:
        source_key = discovery.key("source", done.source_key, source, "source key")
    if done.replica_key and done.replica_key != NEW_KEY:
        replica_key = discovery.key("destination", done.replica_key, dest, "replica key")
    role = discovery.role(done.role_name)
    if role.exists and say is not None:
        say(f"Role {role.arn} exists: its trust and permission policies are merged into, never replaced.")
    return SetupState(
        source_side=discovery.side("source"),
        dest_side=discovery.side("destination"),
        source=source,
        dest=dest,
        role=role,
        source_key=source_key,
        replica_key=replica_key,
        endpoint_url=discovery.connection.options.endpoint_url,
    )
