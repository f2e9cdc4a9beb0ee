"""The argument types of ``scan``'s flags: imported by the parser, so nothing heavy here."""

from __future__ import annotations

import argparse


def profile_list(text: str) -> list[str]:
    """``--profiles a,b,c`` (argparse type: one sentence on bad input)."""
    names = list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    if not names:
        raise argparse.ArgumentTypeError(f"{text!r} names no profile; give them as a,b,c")
    return names


def positive(text: str) -> int:
    """``--concurrency N``: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value
