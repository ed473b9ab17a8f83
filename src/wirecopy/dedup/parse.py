"""Records of a dedup input, and the problems an input record can have.

A record that cannot be used still becomes an `InputRecord` (with `text` None and a `Problem`
naming its file and line), so that it gets its output line: no record is silently dropped.

Ids: the id field is kept as its JSON text and written back unchanged: a non-empty string or
a finite number (an integer as it is, a float as Python writes it: ``1e3`` becomes ``1000.0``).
A record without a usable id is named ``<file>#<line>``, as page ids are elsewhere in
wirecopy: silently when the field is missing, with a ``bad_id`` problem (a warning) when it is
null, a boolean, an object, an array, an empty string or not finite.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

import msgspec

# Problems that keep a record out of deduplication: it becomes its own cluster. Other kinds
# are warnings (the record is deduplicated) or concern a whole file.
EXCLUDING = frozenset(
    {"broken_json", "not_object", "no_text", "not_string", "empty_text", "no_words"}
)

# Problems of a whole file that lose input: what followed the damage, or the whole file,
# was never read. The run still writes every record it read, then exits with status 1.
LOSING = frozenset({"truncated", "corrupt", "unreadable"})

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
    # A warning, the record still used: its id was unusable (the label stands in), or, when
    # the id was fine, its line was not valid UTF-8.
    id_problem: Problem | None = None


def label(source: str, line: int | str) -> str:
    """JSON text of the label "<source>#<line>"."""
    return str(_encode_str(f"{source}#{line}"))


_TYPE_NAMES = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "an object",
    type(None): "null",
    bytes: "binary data",  # a Parquet binary column: text is a string column
}


def _type_name(value: object) -> str:
    """What a decoded JSON value is, in JSON's words."""
    return _TYPE_NAMES.get(type(value), "an object")


def _id_json(
    source: str, line: int, obj: dict[str, Any], id_field: str
) -> tuple[str, Problem | None]:
    """JSON text of a record's id, or its label and (for an unusable id) why."""
    rid = obj.get(id_field)
    kind = type(rid)
    if kind is str and rid:
        return _encode_str(rid), None
    if kind is int:  # not bool: type() is exact
        return str(rid), None
    if kind is float and math.isfinite(cast(float, rid)):
        return json.dumps(rid), None
    own = label(source, line)
    if id_field not in obj:
        return own, None
    what = "an empty string" if kind is str else _type_name(rid)
    if kind is float:
        what = "not a finite number"
    msg = f"{id_field!r} is {what}, not a usable id: the record is named {own}"
    return own, Problem(source, line, "bad_id", msg)


def make_record(source: str, line: int, obj: Any, field: str, id_field: str) -> InputRecord:
    """Check one decoded record and pull out its id and text."""
    if type(obj) is not dict:
        msg = f"the line is {_type_name(obj)}, not a JSON object"
        p = Problem(source, line, "not_object", msg)
        return InputRecord(source, line, label(source, line), None, p)
    id_json, id_problem = _id_json(source, line, obj, id_field)
    text = obj.get(field)
    if type(text) is str and text and not text.isspace():
        return InputRecord(source, line, id_json, text, None, id_problem)
    if field not in obj:
        problem = Problem(source, line, "no_text", f"no {field!r} field{_fields_hint(obj)}")
    elif text is None:
        problem = Problem(source, line, "not_string", f"{field!r} is null")
    elif not isinstance(text, str):
        problem = Problem(source, line, "not_string", f"{field!r} is {_type_name(text)}, not text")
    else:
        problem = Problem(source, line, "empty_text", f"{field!r} is empty")
    return InputRecord(source, line, id_json, None, problem, id_problem)


def _fields_hint(obj: dict[str, Any], shown: int = 5) -> str:
    """The fields a record has, to make a misspelt --field plain to see."""
    if not obj:
        return " (the record has no fields)"
    names = ", ".join(repr(k) for k in list(obj)[:shown])
    more = f" and {len(obj) - shown} more" if len(obj) > shown else ""
    return f" (its fields: {names}{more})"


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
            if raw.startswith(_BOM):  # files joined with `cat`: a mark opening a later one
                raw = raw[len(_BOM) :]
            try:
                obj = _loads(raw)
            except UnicodeDecodeError as err:
                out.append(_repaired(source, line, raw, err, field, id_field))
                continue
            except (ValueError, RecursionError) as err:
                out.append(_broken(source, line, err))
                continue
            out.append(make_record(source, line, obj, field, id_field))
    return out


_BOM = b"\xef\xbb\xbf"


def _repaired(
    source: str, line: int, raw: bytes, err: UnicodeDecodeError, field: str, id_field: str
) -> InputRecord:
    """A line with bytes that are not UTF-8 (a stray Latin-1 byte of a scraped page): read
    with each replaced by U+FFFD, as `build` reads text, and noted (a warning: the record is
    deduplicated). A note of an unusable id takes precedence: it changes the output."""
    try:
        obj = _decode(raw.decode("utf-8", "replace"))
    except (ValueError, RecursionError) as broken:
        return _broken(source, line, broken)
    record = make_record(source, line, obj, field, id_field)
    if record.id_problem is not None:
        return record
    where = f"byte {err.start + 1} of the line: {err.reason}"
    also = ", in its id too: it is written so" if "\ufffd" in record.id else ""
    msg = f"not valid UTF-8 ({where}); bad bytes read as U+FFFD{also}"
    return record._replace(id_problem=Problem(source, line, "bad_utf8", msg))
