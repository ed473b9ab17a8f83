"""Word-level differences between a copy and its article's canonical text, for `show`.

The diff is computed with the standard library's `difflib.SequenceMatcher` over word tokens
(runs of non-space characters). Words are compared by their `wirecopy.textnorm.tokens`, so
differences of case, punctuation, quote and dash style and white space (paragraph breaks, a
teaser run into one line) are not reported: what remains is what an outlet changed in the words.

`word_diff` gives plain data (the JSON twin of `show --json`): a list of operations, each
``{"op": "equal", "words": n}`` for a run both texts share, or ``{"op": "delete", "text": ...}``
(in the canonical text, not in the copy) / ``{"op": "insert", "text": ...}`` (in the copy
only). `diff_markup` turns it into Rich markup for a terminal: deletions red and struck
through, insertions green, with ``[-…-]`` / ``{+…+}`` markers when colours are not shown; long
shared runs are elided to a few words of context around each change.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

from rich.console import Console
from rich.markup import escape

from wirecopy.textnorm import tokens

Op = dict[str, Any]
CONTEXT = 6  # shared words shown on each side of a change
LONG = 40  # a deletion or insertion longer than this is shortened on screen


def _key(word: str) -> str:
    """What a word is compared by: its normalised word tokens (punctuation dropped)."""
    return " ".join(tokens(word)) or word


def word_diff(canonical: str, copy: str) -> list[Op]:
    """The operations that turn `canonical` into `copy`, word by word."""
    a, b = canonical.split(), copy.split()
    matcher = SequenceMatcher(None, [_key(w) for w in a], [_key(w) for w in b], False)
    ops: list[Op] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append({"op": "equal", "words": i2 - i1, "text": " ".join(b[j1:j2])})
            continue
        if tag in ("delete", "replace"):
            ops.append({"op": "delete", "text": " ".join(a[i1:i2])})
        if tag in ("insert", "replace"):
            ops.append({"op": "insert", "text": " ".join(b[j1:j2])})
    return ops


def changes(ops: list[Op]) -> list[Op]:
    """The operations without the shared text (what `show --json` prints)."""
    return [{"op": "equal", "words": o["words"]} if o["op"] == "equal" else o for o in ops]


def _shorten(words: list[str]) -> str:
    if len(words) <= LONG:
        return " ".join(words)
    return " ".join(words[: LONG // 2]) + f" … (+{len(words) - LONG // 2} words)"


def diff_markup(ops: list[Op], markers: bool) -> str:
    """Rich markup of a diff; `markers` adds [-…-] and {+…+} (for output without colour)."""
    out: list[str] = []
    last = len(ops) - 1
    for n, op in enumerate(ops):
        if op["op"] == "equal":
            words = op["text"].split()
            head = words[:CONTEXT] if n > 0 else []
            tail = words[-CONTEXT:] if n < last else []
            if len(words) <= len(head) + len(tail) + 2:
                out.append(escape(" ".join(words)))
                continue
            skipped = len(words) - len(head) - len(tail)
            out.append(
                " ".join(
                    p
                    for p in (
                        escape(" ".join(head)),
                        f"[dim]… {skipped} words …[/]",
                        escape(" ".join(tail)),
                    )
                    if p
                )
            )
        else:
            text = _shorten(op["text"].split())
            if op["op"] == "delete":
                shown = escape("[-" + text + "-]" if markers else text)
                out.append("[red strike]" + shown + "[/]")
            else:
                shown = escape("{+" + text + "+}" if markers else text)
                out.append("[green]" + shown + "[/]")
    return " ".join(out)


def render_variants(out: Console, art: dict[str, Any]) -> None:
    """Each copy of an article and how it differs from the canonical text."""
    markers = not out.is_terminal or out.no_color
    for copy in art["copies"]:
        ops = word_diff(art["text"], copy["text"])
        head = (
            f"[bold]{escape(copy['page'])}[/] [dim]#{copy['seq']}[/]  "
            f"{escape(copy['site'] or '-')}  {copy['kind']}  {copy['similarity']:.3f}"
        )
        out.print(head)
        if not any(op["op"] != "equal" for op in ops):
            flat = "\n\n" in art["text"] and "\n\n" not in copy["text"]
            note = ", run into one paragraph" if flat else ""
            out.print(f"  [dim]same words as the canonical text{note}[/]")
            continue
        out.print("  " + diff_markup(ops, markers), soft_wrap=False)
