"""Bytes to text: binary detection, encoding detection, line-end normalisation."""

from __future__ import annotations

import re

import filetype
from charset_normalizer import from_bytes

from wirecopy.byteorder import BOMS, bom_encoding


class PageError(Exception):
    """A page cannot be read; the message says why, for a person."""


# When several encodings read a file equally well, prefer the ones the web uses:
# WHATWG maps the "latin-1" label to windows-1252, and so do we.
_PREFERRED = ("utf_8", "cp1252", "latin_1", "iso8859_15")
_SNIFF_BYTES = 8192
_TIE = 0.01  # charset_normalizer's measures closer than this are a tie
# The single-byte encodings the web uses (WHATWG's Encoding Standard), as Python names them:
# on a short text an exotic one (hp_roman8, a Mac code page) can read as cleanly and score
# as likely words by chance.
_WEB = frozenset(
    {"cp866", "koi8_r", "koi8_u", "mac_roman", "mac_cyrillic", "cp874"}
    | {f"iso8859_{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)}
    | {f"cp{n}" for n in range(1250, 1259)}
)
# C0 control bytes that text files do carry (tab, line ends, form feed, escape).
_TEXT_CONTROLS = frozenset(b"\t\n\v\f\r\x1b")
_CONTROLS = bytes(b for b in range(32) if b not in _TEXT_CONTROLS) + b"\x7f"
_SURROGATES = re.compile("[\ud800-\udfff]")
# Magic numbers no text opens with: PDF, ZIP (and Office files), PNG, JPEG, ELF, RAR, 7z,
# gzip, PostScript.
_LONG_MAGIC = (
    b"%PDF-",
    b"PK\x03\x04",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"\x7fELF",
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b\x08",
    b"%!PS-Adobe",
)


def looks_like_text(head: bytes) -> bool:
    """No NUL byte and (almost) no other control byte: text in any 8-bit or UTF-8 encoding.

    Binary formats carry NULs and control bytes in their headers (sizes, offsets, flags)
    and all through their data; text carries neither. This is what keeps a story that
    opens ``BMC Industries`` or ``GIF89a`` from passing for an image on its first bytes.
    """
    if b"\x00" in head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROLS))
    return controls * 100 <= len(head)


def utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` or ``-be`` for BOM-less UTF-16 of mostly ASCII-range text, or None.

    Such text has a NUL in every other byte, all on one side: the high byte of each
    code unit. Binary data has NULs on both sides.
    """
    units = len(head) // 2
    if units < 4:
        return None
    even, odd = head[0 : units * 2 : 2].count(0), head[1 : units * 2 : 2].count(0)
    for zeros, others, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros * 10 >= units * 6 and others * 100 <= units:
            try:
                text = head[: units * 2].decode(encoding)
            except UnicodeDecodeError:
                # A cut surrogate pair at the end of the sample is still UTF-16.
                text = head[: units * 2 - 2].decode(encoding, errors="replace")
            if "\x00" not in text and "\ufffd" not in text:
                return encoding
    return None


def binary_kind(raw: bytes) -> str | None:
    """Describe binary content (``PNG image``), or None when it may be text."""
    head = raw[:_SNIFF_BYTES]
    if bom_encoding(head):
        return None  # UTF-16/32 text carries NUL bytes but is text
    strong = head.startswith(_LONG_MAGIC)
    if not strong and (utf16_without_bom(head) or looks_like_text(head)):
        # Content that reads as text is text, whatever its first bytes: magic numbers
        # of two or three letters ("BM", "MZ", "ID3") open ordinary sentences too. Long
        # ones do not (a PDF can open with kilobytes of text metadata).
        return None
    kind = filetype.guess(head)
    if kind is not None:
        return f"{kind.mime} ({kind.extension} file)"
    if b"\x00" in head:
        return "binary data (it contains NUL bytes)"
    if strong:
        return f"binary data (it opens like a binary format: {head[:8]!r})"
    return None


def scrub(text: str) -> str:
    """Replace lone surrogates (they cannot be encoded as UTF-8) with U+FFFD."""
    return _SURROGATES.sub("\ufffd", text)


def decode(raw: bytes) -> tuple[str, str]:
    """Decode page bytes; return the text with LF line ends, and the encoding used."""
    text, encoding, _note = decode_with_note(raw)
    return text, encoding


def decode_with_note(raw: bytes) -> tuple[str, str, str | None]:
    """Like `decode`, with a note when bytes had to be replaced (or None)."""
    kind = binary_kind(raw)
    if kind:
        raise PageError(f"binary content, not a text page: {kind}")
    text, encoding, note = _decode(raw)
    # One line-end convention downstream: CRLF and lone CR become LF.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding, note


def _decode(raw: bytes) -> tuple[str, str, str | None]:
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding.replace("-sig", ""), None
            except UnicodeDecodeError as error:
                raise PageError(f"starts with a {encoding} byte-order mark but {error}") from None
    utf16 = utf16_without_bom(raw[:_SNIFF_BYTES])
    if utf16:
        text = raw.decode(utf16, errors="replace")
        return text, utf16, _replaced_note(text.count("\ufffd"), utf16)
    try:
        return raw.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        pass
    mostly = _mostly_utf8(raw)
    if mostly:
        return mostly
    return _detect(raw)


def _mostly_utf8(raw: bytes) -> tuple[str, str, str | None] | None:
    """UTF-8 with a few invalid bytes (a cut or a bad copy): keep it, replace the bad bytes.

    Text in a legacy 8-bit encoding almost never holds a valid multi-byte UTF-8
    sequence, so when valid sequences outnumber invalid ones the file is UTF-8.
    """
    text = raw.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - raw.count("\ufffd".encode())
    valid = len(text) - len(text.encode("ascii", "ignore")) - invalid
    if valid <= invalid:
        return None
    return text, "utf-8", _replaced_note(invalid, "utf-8")


def _replaced_note(count: int, encoding: str) -> str | None:
    if not count:
        return None
    return f"{count} invalid {encoding} byte sequence(s) replaced with U+FFFD"


def _detect(raw: bytes) -> tuple[str, str, str | None]:
    matches = list(from_bytes(raw[: 1 << 20]))
    if not matches:
        raise PageError("cannot detect the text encoding (the bytes fit no known encoding)")
    best = min(match.chaos for match in matches)
    clean = [match for match in matches if match.chaos <= best + _TIE]
    # A match stands for every encoding that decodes the bytes to the same text.
    web = [match for match in clean if _WEB.intersection(match.could_be_from_charset)]
    clean = web or clean
    # Among the encodings that read the bytes as cleanly, the one whose letters make the
    # most likely words of a language: Croatian in windows-1252 reads as cleanly as in
    # windows-1250, with "è" for "č".
    coherent = max(match.coherence for match in clean)
    chosen = [match for match in clean if match.coherence >= coherent - _TIE]
    for name in _PREFERRED:
        if any(name in match.could_be_from_charset for match in chosen):
            return raw.decode(name, errors="replace"), name, None
    match = max(chosen, key=lambda m: m.coherence)
    names = [match.encoding, *match.could_be_from_charset]
    name = next((n for n in names if n in _WEB), match.encoding) if web else match.encoding
    return raw.decode(name, errors="replace"), name, None
