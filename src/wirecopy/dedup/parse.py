"""Records of a dedup input, and the problems an input record can have.

A record that cannot be used still becomes an `InputRecord` (with `text` None and a `Problem`
naming its file and line), so that it gets its output line: no record is silently dropped.

Ids: the id field is kept as its JSON text and written back unchanged. A record without a
usable id (the field missing, or not a string or an integer) is named ``<file>#<line>``, as
page ids are elsewhere in wirecopy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NamedTuple

import msgspec

# Problems that keep a record out of deduplication: it becomes its own cluster. Other kinds
# are warnings (the record is deduplicated) or concern a whole file.
EXCLUDING = frozenset(
    {"broken_json", "not_object", "no_text", "not_string", "empty_text", "no_words"}
)

_BLOCK = 512  # lines parsed in one call
_decode = json.JSONDecoder().decode
# Blocks of lines: msgspec parses them with a third fewer instructions than `json`. It is
# stricter (no NaN, no lone surrogate), and its errors are worded otherwise: a block it
# refuses is parsed line by line with `json`, as before, so records and messages stay the same.
_decode_block = msgspec.json.Decoder().decode
_encode_str: Any = getattr(json.encoder, "c_encode_basestring", None) or (
    json.encoder.py_encode_basestring
)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the input; `line` is 0 when it concerns a whole file."""

    source: str
    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


class InputRecord(NamedTuple):
    source: str
    line: int
    id: str  # JSON text of the id, or of the "<file>#<line>" label
    text: str | None  # None when `problem` keeps the record out
    problem: Problem | None


def label(source: str, line: int) -> str:
    """JSON text of the label "<source>#<line>"."""
    return str(_encode_str(f"{source}#{line}"))


def _type_name(value: object) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", list: "a list"}.get(
        type(value), "an object"
    )


def make_record(source: str, line: int, obj: Any, field: str, id_field: str) -> InputRecord:
    """Check one decoded record and pull out its id and text."""
    if type(obj) is not dict:
        p = Problem(source, line, "not_object", f"{_type_name(obj)} is not a JSON object")
        return InputRecord(source, line, label(source, line), None, p)
    rid = obj.get(id_field)
    if type(rid) is str:
        id_json: str = _encode_str(rid)
    elif type(rid) is int:  # not bool: type() is exact
        id_json = str(rid)
    else:
        id_json = label(source, line)
    text = obj.get(field)
    if type(text) is str and text and not text.isspace():
        return InputRecord(source, line, id_json, text, None)
    if field not in obj:
        problem = Problem(source, line, "no_text", f"no {field!r} field")
    elif text is None:
        problem = Problem(source, line, "not_string", f"{field!r} is null")
    elif not isinstance(text, str):
        problem = Problem(source, line, "not_string", f"{field!r} is {_type_name(text)}, not text")
    else:
        problem = Problem(source, line, "empty_text", f"{field!r} is empty")
    return InputRecord(source, line, id_json, None, problem)


def _loads(raw: bytes) -> Any:
    """json.loads of UTF-8 text (json.loads itself would guess the encoding each time)."""
    return _decode(raw.decode("utf-8"))


def _parse_block(raws: list[bytes]) -> list[Any] | None:
    """Parse many lines in one call (much faster); None if any line is not one JSON value.

    Each line is wrapped in its own array, so a line holding two values, or a value spread
    over two lines, changes the count or the shape and sends the block to line-by-line parsing.
    """
    try:
        parsed = _decode_block(b"[[" + b"],[".join(raws) + b"]]")
    except (ValueError, RecursionError):  # msgspec.DecodeError is a ValueError
        return None
    if len(parsed) != len(raws) or not all(type(x) is list and len(x) == 1 for x in parsed):
        return None
    return [x[0] for x in parsed]


def _broken(source: str, line: int, err: Exception) -> InputRecord:
    why = str(err).splitlines()[0] if str(err) else type(err).__name__
    problem = Problem(source, line, "broken_json", f"broken JSON line ({why})")
    return InputRecord(source, line, label(source, line), None, problem)


def parse_lines(
    source: str, first: int, lines: list[bytes], field: str, id_field: str
) -> list[InputRecord]:
    """Records of JSONL lines numbered from `first`; blank lines are no records."""
    out: list[InputRecord] = []
    for at in range(0, len(lines), _BLOCK):
        numbered = [
            (n, raw)
            for n, raw in enumerate(lines[at : at + _BLOCK], first + at)
            if raw and not raw.isspace()
        ]
        objs = _parse_block([raw for _, raw in numbered])
        for k, (line, raw) in enumerate(numbered):
            if objs is not None:
                out.append(make_record(source, line, objs[k], field, id_field))
                continue
            try:
                obj = _loads(raw)
            except (ValueError, RecursionError) as err:
                out.append(_broken(source, line, err))
                continue
            out.append(make_record(source, line, obj, field, id_field))
    return out
