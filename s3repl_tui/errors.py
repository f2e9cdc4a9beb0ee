"""Errors a person can act on: one sentence, a hint, an exit code. Never shown as a traceback."""

from __future__ import annotations

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_UNKNOWN = 3


class UserError(Exception):
    """Bad input, missing credentials, an unreachable endpoint: ``message`` is one sentence."""

    def __init__(self, message: str, hint: str = "", exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nhint: {self.hint}"


class NothingChanged(UserError):
    """Refused before the first write (state directory, lock, size or lockout checks): nothing was sent
    to AWS. The TUI titles it "Nothing was changed", never "changing AWS"."""
