"""The wizard's questions, asked with questionary (prompt_toolkit) before any TUI opens.

``QuestionaryPrompter(input=..., output=...)`` hands its input and output to every question, so tests
drive the wizard through ``prompt_toolkit.input.create_pipe_input()`` and ``DummyOutput()``. Ctrl-C
raises KeyboardInterrupt (the CLI reports "interrupted"); input that ends before every question is
answered is one sentence (UserError), never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from s3repl_tui.errors import UserError

T = TypeVar("T")


@dataclass(frozen=True)
class Option:
    title: str
    value: Any
    description: str = ""


class Prompter(Protocol):
    """What the wizard needs of a terminal."""

    def select(self, message: str, options: Sequence[Option], default: Any = None, instruction: str = "") -> Any: ...

    def confirm(self, message: str, default: bool) -> bool: ...

    def text(self, message: str, default: str = "", validate: Callable[[str], str | None] | None = None) -> str: ...


class QuestionaryPrompter:
    """Questions on the terminal; ``input``/``output``: prompt_toolkit objects (tests: a pipe and DummyOutput).

    With stdout redirected (``init --plan-only > plan.sh``), questions and messages go to stderr.
    """

    def __init__(self, input: Any = None, output: Any = None) -> None:
        self._input = input
        if output is None and input is None and not sys.stdout.isatty() and sys.stderr.isatty():
            from prompt_toolkit.output import create_output

            output = create_output(stdout=sys.stderr)
        self._output = output

    def _kwargs(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self._input is not None:
            extra["input"] = self._input
        if self._output is not None:
            extra["output"] = self._output
        return extra

    @staticmethod
    def _ask(question: Any) -> Any:
        try:
            return question.unsafe_ask()
        except EOFError:
            raise UserError(
                "The input ended before every question was answered; nothing was changed.",
                hint="Answer in a terminal, or give every answer as a flag (see s3repl-tui init --help).",
            ) from None

    def select(self, message: str, options: Sequence[Option], default: Any = None, instruction: str = "") -> Any:
        import questionary

        choices = [questionary.Choice(o.title, value=o.value, description=o.description or None) for o in options]
        chosen = next((c for c in choices if c.value == default), None)
        question = questionary.select(
            message, choices=choices, default=chosen, instruction=instruction or None, **self._kwargs()
        )
        return self._ask(question)

    def confirm(self, message: str, default: bool) -> bool:
        import questionary

        return bool(self._ask(questionary.confirm(message, default=default, **self._kwargs())))

    def text(self, message: str, default: str = "", validate: Callable[[str], str | None] | None = None) -> str:
        import questionary

        def check(value: str) -> bool | str:
            problem = validate(value) if validate is not None else None
            return problem or True

        return str(self._ask(questionary.text(message, default=default, validate=check, **self._kwargs())))
