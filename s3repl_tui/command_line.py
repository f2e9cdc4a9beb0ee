"""Every ``aws …`` command the product prints carries ``--profile`` and ``--region``: one helper builds them.

A command a person copies must run against the account and region it was meant for, not whatever the
shell's default profile and region are. When the profile is not known (the default credential chain,
or the other account's owner runs it), a placeholder (``<source-profile>``, ``<destination-profile>``)
stands in for it, so the command cannot silently run with the wrong credentials.
"""

from __future__ import annotations

import re
import shlex

SOURCE_PROFILE_PLACEHOLDER = "<source-profile>"
DESTINATION_PROFILE_PLACEHOLDER = "<destination-profile>"
REGION_PLACEHOLDER = "<region>"
_PLACEHOLDER = re.compile(r"^<[A-Za-z0-9-]+>$")
# One aws invocation inside a longer text: up to a shell separator, a closing bracket or the sentence's end.
_AWS_INVOCATION = re.compile(
    r"(?<![\w/-])aws (?:s3api|s3control|s3|iam|kms|sts) [^;&|)\n]*?(?=\s*(?:&&|\|\||[;|)\n]|$))"
)


def _word(text: str) -> str:
    return text if _PLACEHOLDER.match(text) else shlex.quote(text)


def global_options(
    profile: str | None, region: str | None, endpoint_url: str | None = None,
    profile_placeholder: str = SOURCE_PROFILE_PLACEHOLDER,
) -> list[str]:
    """``["--profile", P, "--region", R]`` (+ ``--endpoint-url``), placeholders for what is not known."""
    words = ["--profile", _word(profile or profile_placeholder), "--region", _word(region or REGION_PLACEHOLDER)]
    if endpoint_url:
        words += ["--endpoint-url", _word(endpoint_url)]
    return words


def aws_command(
    *words: str, profile: str | None, region: str | None, endpoint_url: str | None = None,
    profile_placeholder: str = SOURCE_PROFILE_PLACEHOLDER,
) -> str:
    """``aws_command("s3control", "describe-job", "--job-id", j, profile="p", region="us-east-1")``
    → ``aws s3control describe-job --job-id j --profile p --region us-east-1``."""
    body = [_word(word) for word in words]
    return " ".join(["aws", *body, *global_options(profile, region, endpoint_url, profile_placeholder)])


def _complete_one(command: str, profile: str | None, region: str | None, endpoint_url: str | None,
                  profile_placeholder: str, region_placeholder: str | None) -> str:
    words = command.rstrip()
    extra: list[str] = []
    if not re.search(r"\s--profile\s", f"{words} "):
        extra += ["--profile", _word(profile or profile_placeholder)]
    if not re.search(r"\s--region\s", f"{words} ") and (region or region_placeholder):
        extra += ["--region", _word(region or region_placeholder or REGION_PLACEHOLDER)]
    if endpoint_url and not re.search(r"\s--endpoint-url\s", f"{words} "):
        extra += ["--endpoint-url", _word(endpoint_url)]
    trailing = command[len(words):]
    if words.endswith(" ..."):  # an elided command: the options go before the ellipsis
        return " ".join([words[:-4], *extra, "..."]) + trailing
    return " ".join([words, *extra]) + trailing


def with_global_options(
    text: str, profile: str | None, region: str | None, endpoint_url: str | None = None,
    profile_placeholder: str = SOURCE_PROFILE_PLACEHOLDER, region_placeholder: str | None = REGION_PLACEHOLDER,
) -> str:
    """Every ``aws …`` invocation in ``text`` (a command, a chain with ``&&``, a sentence quoting one)
    completed with the ``--profile``/``--region`` it lacks; the options it has are kept."""
    return _AWS_INVOCATION.sub(
        lambda match: _complete_one(match.group(0), profile, region, endpoint_url, profile_placeholder,
                                    region_placeholder),
        text,
    )
