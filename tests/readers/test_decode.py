from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wirecopy.readers.decode import PageError, binary_kind, decode


def test_utf8_and_boms() -> None:
    assert decode("café".encode()) == ("café", "utf-8")
    assert decode(codecs.BOM_UTF8 + "café".encode()) == ("café", "utf-8")
    assert decode("café\r\nbar".encode("utf-16")) == ("café\nbar", "utf-16")


def test_latin1_news_text_is_detected() -> None:
    text = "Le maire André Durán a ouvert le pont. Les habitants étaient ravis de la fête."
    decoded, encoding = decode(text.encode("latin-1"))
    assert decoded == text
    assert encoding in ("cp1252", "latin_1", "iso8859_15")


def test_windows_1252_quotes() -> None:
    raw = "The mayor said the \u201cnew\u201d bridge would open on Tuesday.".encode("cp1252")
    assert decode(raw)[0] == "The mayor said the \u201cnew\u201d bridge would open on Tuesday."


def test_text_windows_1252_and_1250_read_alike_is_named_windows_1252() -> None:
    text = "Die Regierung sagte, die Lösung sei nötig; größere Änderungen folgen bald danach."
    assert decode(text.encode("cp1252")) == (text, "cp1252")


def test_line_ends_are_normalised() -> None:
    assert decode(b"a\r\nb\rc\n")[0] == "a\nb\nc\n"


def test_binary_content_is_named() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    assert binary_kind(png) is not None and "png" in binary_kind(png)  # type: ignore[operator]
    with pytest.raises(PageError, match="binary"):
        decode(png)
    with pytest.raises(PageError, match="NUL"):
        decode(b"text\x00with nul")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1))
def test_any_utf8_text_round_trips(text: str) -> None:
    assert decode(text.encode("utf-8"))[0] == text
