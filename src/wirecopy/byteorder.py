"""Byte-order marks: the encoding the first bytes of a file or a record name.

Its own small module: the readers and `wirecopy dedup` both ask, and dedup's worker
processes should not import the readers (trafilatura, charset detection) to do so.
"""

from __future__ import annotations

import codecs

# UTF-32's little-endian mark opens like UTF-16's: asked first.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark at the start of ``head`` names (``utf-8-sig``,
    ``utf-16``, ``utf-32``), or None."""
    return next((encoding for bom, encoding in BOMS if head.startswith(bom)), None)
