"""Values from AWS or the user, made safe to show: never markup, never emoji codes, never a terminal
control sequence.

Rich reads ``[...]`` as markup and ``:name:`` as an emoji code in a plain ``str``; a ``Text`` is not
parsed, but it keeps ESC and other control characters, which reach the terminal as they are (a rule
id or an object key holding ``\\x1b]8;;…`` would become a hyperlink, ``\\x1b[2J`` would clear the
screen). ``printable`` spells every control character out (``\\x1b``); ``plain`` wraps the result in
a ``Text``. No Textual here: the CLI uses it too.
"""

from __future__ import annotations

import unicodedata

from rich.text import Text

_KEPT = frozenset("\n\t")


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(value: object) -> str:
    """``value`` as text with every control character (C0, DEL, C1, bidi and other format controls)
    written out as ``\\xNN``/``\\uNNNN``; newlines and tabs stay."""
    text = "" if value is None else str(value)
    if text.isprintable():
        return text
    return "".join(
        char if char in _KEPT or unicodedata.category(char) not in ("Cc", "Cf") else _escaped(char)
        for char in text
    )


def printable_line(value: object) -> str:
    """As ``printable``, on one line: newlines and tabs are written out too (a value inside a sentence)."""
    return printable(value).replace("\n", "\\n").replace("\t", "\\t")


def plain(value: object, style: str = "") -> Text:
    """A ``Text`` that shows ``value`` literally: brackets, colons and escape sequences as typed."""
    return Text(printable(value), style=style)
