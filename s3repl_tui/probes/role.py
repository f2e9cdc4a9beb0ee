"""Reads of the replication role: the role, its inline and attached policies, its boundary.

The role name comes from the ARN, so GetRole and both policy listings start together. A managed
policy is read once (GetPolicy, then its default version) even when it is both attached and the
boundary."""

from __future__ import annotations

import functools
import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from s3repl_tui.aws.arns import Arn, role_name
from s3repl_tui.aws.session import AccountSession
from s3repl_tui.probes.commands import cli_command, owner_profile
from s3repl_tui.probes.reads import attempt, not_attempted, skipped
from s3repl_tui.probes.run import ProbeRun
from s3repl_tui.probes.snapshot import Document, Read, ReadError
from s3repl_tui.probes.state import ROLE_OPERATIONS, RoleState


def _document(value: Any) -> Document:
    """IAM policy documents come URL-encoded JSON; botocore usually decodes them, not always."""
    if isinstance(value, str):
        return dict(json.loads(urllib.parse.unquote(value)))
    return dict(value)


def _put(run: ProbeRun, field: str, read: Read[Any]) -> None:
    with run.state.edit() as state:
        assert state.role is not None
        state.role.reads[field] = read


def read_role(run: ProbeRun, role_arn: str) -> None:
    if not run.claim(f"role:{role_arn}"):
        return
    name = role_name(role_arn)
    arn = Arn.parse(role_arn)
    account = arn.account if arn and arn.account else None
    with run.state.edit() as state:
        state.role = RoleState(role_arn, name or "", account)
    session = run.connection.for_account(account)
    profile = owner_profile(run.connection, account)

    def command(operation: str, **params: str) -> str:
        return cli_command(operation, **params, endpoint_url=run.endpoint_url, profile=profile)

    if name is None:
        for field, operation in ROLE_OPERATIONS.items():
            _put(run, field, _invalid_arn(role_arn, operation))
        return
    if session is None:
        for field, operation in ROLE_OPERATIONS.items():
            _put(run, field, not_attempted(operation, account, command(operation, RoleName=name)))
        return
    _RoleReader(run, session, name, command).start()


def read_managed_policy(run: ProbeRun, policy_arn: str, account: str | None) -> None:
    """One managed policy into ``state.managed_policies`` (GetPolicy, then its default version), by the
    session of ``account``; not attempted without one."""
    session = run.connection.for_account(account)
    profile = owner_profile(run.connection, account)

    def command(operation: str, **params: str) -> str:
        return cli_command(operation, **params, endpoint_url=run.endpoint_url, profile=profile)

    if session is None:
        with run.state.edit() as state:
            state.managed_policies[policy_arn] = not_attempted(
                "iam:GetPolicy", account, command("iam:GetPolicy", PolicyArn=policy_arn))
        return
    _RoleReader(run, session, "", command).managed_policy(policy_arn)


def _invalid_arn(role_arn: str, operation: str) -> Read[Any]:
    message = f"The replication role '{role_arn}' is not an IAM role ARN."
    return Read.failed(ReadError("other", "InvalidRoleArn", message, operation))


class _RoleReader:
    def __init__(
        self, run: ProbeRun, session: AccountSession, name: str, command: Callable[..., str]
    ) -> None:
        self.run = run
        self.session = session
        self.name = name
        self.command = command
        self.iam = session.client("iam")

    def _attempt(self, operation: str, call: Callable[[], Any], command: str) -> Read[Any]:
        return attempt(operation, call, account=self.session.account, command=command)

    def _all(self, operation: str, key: str) -> list[Any]:
        """Every item of every page: a role can have more policies than one page holds."""
        pages = self.iam.get_paginator(operation).paginate(RoleName=self.name)
        return [item for page in pages for item in page[key]]

    def start(self) -> None:
        # Longest chains first: list attached -> GetPolicy -> GetPolicyVersion is the probe's critical path.
        self.run.submit(self.attached_policies)
        self.run.submit(self.get_role)
        self.run.submit(self.inline_policies)

    def get_role(self) -> None:
        command = self.command("iam:GetRole", RoleName=self.name)
        read = self._attempt("iam:GetRole", lambda: self._role(), command)
        _put(self.run, "role", read)
        if read.error is not None:
            _put(self.run, "boundary", skipped(read.error, "iam:GetRole", command))
            return
        boundary = (read.value or {}).get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
        if not boundary:
            _put(self.run, "boundary", Read.absent("NoPermissionsBoundary"))
            return
        with self.run.state.edit() as state:
            assert state.role is not None
            state.role.boundary_arn = str(boundary)
        self.managed_policy(str(boundary))

    def _role(self) -> Document:
        role = dict(self.iam.get_role(RoleName=self.name)["Role"])
        if "AssumeRolePolicyDocument" in role:
            role["AssumeRolePolicyDocument"] = _document(role["AssumeRolePolicyDocument"])
        return role

    def inline_policies(self) -> None:
        command = self.command("iam:ListRolePolicies", RoleName=self.name)
        read = self._attempt(
            "iam:ListRolePolicies",
            lambda: tuple(str(n) for n in self._all("list_role_policies", "PolicyNames")),
            command,
        )
        if read.error is not None:
            _put(self.run, "inline_policies", read)
            return
        names: tuple[str, ...] = read.value or ()
        with self.run.state.edit() as state:
            assert state.role is not None
            state.role.inline_names = names
        for policy_name in names:
            self.run.submit(functools.partial(self.inline_policy, policy_name))

    def inline_policy(self, policy_name: str) -> None:
        command = self.command("iam:GetRolePolicy", RoleName=self.name, PolicyName=policy_name)
        call = self.iam.get_role_policy
        read = self._attempt(
            "iam:GetRolePolicy",
            lambda: _document(call(RoleName=self.name, PolicyName=policy_name)["PolicyDocument"]),
            command,
        )
        with self.run.state.edit() as state:
            assert state.role is not None
            state.role.inline[policy_name] = read

    def attached_policies(self) -> None:
        command = self.command("iam:ListAttachedRolePolicies", RoleName=self.name)
        read = self._attempt(
            "iam:ListAttachedRolePolicies",
            lambda: tuple(str(a["PolicyArn"]) for a in self._all("list_attached_role_policies", "AttachedPolicies")),
            command,
        )
        if read.error is not None:
            _put(self.run, "attached_policies", read)
            return
        arns: tuple[str, ...] = read.value or ()
        with self.run.state.edit() as state:
            assert state.role is not None
            state.role.attached_arns = arns
        for policy_arn in arns:
            self.run.submit(functools.partial(self.managed_policy, policy_arn))

    def managed_policy(self, policy_arn: str) -> None:
        """GetPolicy for the default version id, then that version's document (once per ARN)."""
        if not self.run.claim(f"managed:{policy_arn}"):
            return
        command = self.command("iam:GetPolicy", PolicyArn=policy_arn)
        policy = self._attempt(
            "iam:GetPolicy", lambda: str(self.iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]),
            command,
        )
        read: Read[Document]
        if policy.error is not None:
            read = Read.failed(policy.error)
        else:
            version = str(policy.value)
            command = self.command("iam:GetPolicyVersion", PolicyArn=policy_arn, VersionId=version)
            call = self.iam.get_policy_version
            read = self._attempt(
                "iam:GetPolicyVersion",
                lambda: _document(call(PolicyArn=policy_arn, VersionId=version)["PolicyVersion"]["Document"]),
                command,
            )
        with self.run.state.edit() as state:
            state.managed_policies[policy_arn] = read
