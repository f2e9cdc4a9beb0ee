"""ARN parsing for the resources replication names: buckets, roles, KMS keys and aliases."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str  # everything after the account: "key/1234", "role/service-role/r", "bucket"

    @staticmethod
    def parse(text: str) -> Arn | None:
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
            return None
        return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def bucket_name(reference: str) -> str:
    """The bucket of ``arn:aws:s3:::name`` (rules name destinations by ARN); other text as written."""
    arn = Arn.parse(reference)
    if arn is not None and arn.service == "s3":
        return arn.resource.split("/", 1)[0]
    return reference


def role_name(role_arn: str) -> str | None:
    """The role name of ``arn:aws:iam::111122223333:role/path/name`` (GetRole wants the bare name)."""
    arn = Arn.parse(role_arn)
    if arn is None or arn.service != "iam" or not arn.resource.startswith("role/"):
        return None
    name = arn.resource.rsplit("/", 1)[-1]
    return name or None


@dataclass(frozen=True)
class KeyReference:
    """A KMS key as a bucket or a rule writes it: key ARN, alias ARN, ``alias/name`` or a bare key id."""

    text: str
    account: str | None  # from the ARN; None: resolved in the account of whoever uses it
    region: str | None  # from the ARN; None: the region of the client that uses it

    @property
    def is_key_arn(self) -> bool:
        arn = Arn.parse(self.text)
        return arn is not None and arn.resource.startswith("key/")

    @staticmethod
    def parse(text: str) -> KeyReference:
        arn = Arn.parse(text)
        if arn is None or arn.service != "kms":
            return KeyReference(text, None, None)
        return KeyReference(text, arn.account or None, arn.region or None)
