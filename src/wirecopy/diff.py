"""Word-level differences between a copy and its article's canonical copy, for `show`.

What is compared is what was printed: the diff is computed with the standard library's
`difflib.SequenceMatcher` over the words of each body as printed (runs of non-space
characters), so a changed apostrophe or quote, case or punctuation is reported; only white
space (paragraph breaks, a teaser run into one line) is not. The copy's title, caption, date
and source are compared with the canonical copy's one by one (`field_diffs`).
A copy is ``exact`` when its body and fields, white space normalised, are the canonical copy's
(`wirecopy.stages.articles.printed_key`), ``near`` otherwise; the canonical copy is
``canonical``.

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

from wirecopy.stages.articles import PRINTED_FIELDS, printed_key

Op = dict[str, Any]
CONTEXT = 6  # shared words shown on each side of a change
LONG = 40  # a deletion or insertion longer than this is shortened on screen


def word_diff(canonical: str, copy: str) -> list[Op]:
    """The operations that turn `canonical` into `copy`, word by word, as printed."""
    a, b = canonical.split(), copy.split()
    matcher = SequenceMatcher(None, a, b, False)
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


def match(copy: dict[str, Any], canon: dict[str, Any]) -> str:
    """``exact`` or ``near``: is the copy's printed form the canonical copy's? (Rows with
    ``text`` and the `PRINTED_FIELDS`.)"""
    same = _printed(copy) == _printed(canon)
    return "exact" if same else "near"


def _printed(row: dict[str, Any]) -> tuple[str, ...]:
    return printed_key(row["text"], *(row.get(f) for f in PRINTED_FIELDS))


def field_diffs(copy: dict[str, Any], canon: dict[str, Any]) -> list[Op]:
    """The fields (title, caption, date, source) a copy prints otherwise than the canonical
    copy, white space normalised: ``{"field", "canonical", "copy"}`` (None: not printed)."""
    out: list[Op] = []
    for field, mine, theirs in zip(
        PRINTED_FIELDS, _printed(copy)[1:], _printed(canon)[1:], strict=True
    ):
        if mine != theirs:
            out.append({"field": field, "canonical": theirs or None, "copy": mine or None})
    return out


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
    """Each copy of an article: exact or near, its fields and words against the canonical copy."""
    markers = not out.is_terminal or out.no_color
    for copy in art["copies"]:
        ops = word_diff(art["text"], copy["text"])
        head = (
            f"[bold]{escape(copy['page'])}[/] [dim]#{copy['seq']}[/]  "
            f"{escape(copy['site'] or '-')}  {copy['kind']}  {copy['similarity']:.3f}  "
            f"{copy.get('match', '')}"
        )
        out.print(head.rstrip())
        if copy.get("match") in ("canonical", "exact"):
            note = "the canonical copy" if copy["match"] == "canonical" else "printed as the"
            if copy["match"] == "exact":
                note += " canonical copy (title, caption, date, source and words)"
            flat = "\n\n" in art["text"] and "\n\n" not in copy["text"]
            out.print(f"  [dim]{note}{', run into one paragraph' if flat else ''}[/]")
            continue
        for d in copy.get("fields", []):
            was = d["canonical"] if d["canonical"] is not None else ""
            now = d["copy"] if d["copy"] is not None else ""
            parts = []
            if was:
                parts.append(diff_markup([{"op": "delete", "text": was}], markers))
            if now:
                parts.append(diff_markup([{"op": "insert", "text": now}], markers))
            out.print(f"  [dim]{d['field']}:[/] " + " ".join(parts), soft_wrap=False)
        if not any(op["op"] != "equal" for op in ops):
            flat = "\n\n" in art["text"] and "\n\n" not in copy["text"]
            note = ", run into one paragraph" if flat else ""
            out.print(f"  [dim]same words as the canonical text{note}[/]")
            continue
        out.print("  " + diff_markup(ops, markers), soft_wrap=False)
