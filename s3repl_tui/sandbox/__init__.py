"""An embedded two-account AWS stand-in (moto on loopback) for the demo and the tests."""

from s3repl_tui.sandbox.scenarios import BREAKAGES, SeedSetup, build_seed
from s3repl_tui.sandbox.server import (
    DEST_ACCOUNT,
    DEST_PROFILE,
    DEST_REGION,
    SOURCE_ACCOUNT,
    SOURCE_PROFILE,
    SOURCE_REGION,
    Sandbox,
)

__all__ = [
    "BREAKAGES",
    "DEST_ACCOUNT",
    "DEST_PROFILE",
    "DEST_REGION",
    "SOURCE_ACCOUNT",
    "SOURCE_PROFILE",
    "SOURCE_REGION",
    "Sandbox",
    "SeedSetup",
    "build_seed",
]
