"""Bytes to text: binary detection, encoding detection, line-end normalisation."""

from __future__ import annotations

import codecs

import filetype
from charset_normalizer import from_bytes


class PageError(Exception):
    """A page cannot be read; the message says why, for a person."""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# When several encodings read a file equally well, prefer the ones the web uses:
# WHATWG maps the "latin-1" label to windows-1252, and so do we.
_PREFERRED = ("utf_8", "cp1252", "latin_1", "iso8859_15")
_SNIFF_BYTES = 8192


def binary_kind(raw: bytes) -> str | None:
    """Describe binary content (``PNG image``), or None when it may be text."""
    head = raw[:_SNIFF_BYTES]
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return None  # UTF-16/32 text carries NUL bytes but is text
    kind = filetype.guess(head)
    if kind is not None:
        return f"{kind.mime} ({kind.extension} file)"
    if b"\x00" in head:
        return "binary data (it contains NUL bytes)"
    return None


def decode(raw: bytes) -> tuple[str, str]:
    """Decode page bytes; return the text with LF line ends, and the encoding used."""
    kind = binary_kind(raw)
    if kind:
        raise PageError(f"binary content, not a text page: {kind}")
    text, encoding = _decode(raw)
    # One line-end convention downstream: CRLF and lone CR become LF.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding


def _decode(raw: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding.replace("-sig", "")
            except UnicodeDecodeError as error:
                raise PageError(f"starts with a {encoding} byte-order mark but {error}") from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    matches = list(from_bytes(raw[: 1 << 20]))
    if not matches:
        raise PageError("cannot detect the text encoding (the bytes fit no known encoding)")
    best = min(match.chaos for match in matches)
    for name in _PREFERRED:
        for match in matches:
            if match.encoding == name and match.chaos <= best + 0.01:
                return raw.decode(name, errors="replace"), name
    match = min(matches, key=lambda m: m.chaos)
    return raw.decode(match.encoding, errors="replace"), match.encoding
