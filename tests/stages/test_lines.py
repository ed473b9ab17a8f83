"""Line shape evidence: prose or label, sentences, dates, credits, glued datelines, wrapping."""

from __future__ import annotations

from wirecopy.stages.lines import (
    date_parts,
    dateline_parts,
    fragment_start,
    glued_dateline,
    iso,
    name_key,
    sentence_spans,
    shape_key,
    split_lines,
)


def _line(text: str):  # type: ignore[no-untyped-def]
    (line,) = split_lines(text)
    return line


def test_prose_and_labels() -> None:
    assert _line("The ferry left the quay at dawn, the harbourmaster said.").prose
    assert _line("Nobody came back.").prose
    assert not _line("Ferry Operator Plans Extra Crossings").prose
    assert not _line("Share | Print | Comments (12)").prose
    assert _line("Share | Print | Comments (12)").separators
    # a long sentence full of names is still prose
    names = (
        "Mayor Ana Roe (Lab), Deputy Mayor Bo Lin (Con), Councillor Cy Dee (Ind) and Ed Fox met."
    )
    assert _line(names).prose


def test_sentences_skip_initials() -> None:
    text = "He met J. Smith in the U.S. capital. Then he left."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "He met J. Smith in the U.S. capital.",
        "Then he left.",
    ]


def test_credit_and_fragment_tail() -> None:
    assert _line(
        "Workers repair the dyke near the old mill on Sunday. (Agency/A. Photographer)"
    ).credit
    assert _line("Workers repair the dyke near the old mill. Photo: A. Photographer").credit
    assert not _line("Workers repaired the dyke near the old mill on Sunday.").credit
    text = "First one. Second one here. Third one ends. Share this : Views: 12"
    start = fragment_start(text)
    assert start is not None and text[start:] == "Share this : Views: 12"
    assert fragment_start("First one. Second one here. Third one ends.") is None


def test_dates() -> None:
    assert date_parts("Monday 9 March 2026") == (2026, 3, 9)
    assert date_parts("November 14, 2023") == (2023, 11, 14)
    assert date_parts("March 2") == (None, 3, 2)
    assert date_parts("20") is None
    assert date_parts("Text size") is None
    assert dateline_parts("NORTHPORT, May 7 (Wire)") == (None, 5, 7)
    assert iso((None, 5, 7), 2030) == "2030-05-07"
    assert iso((None, 5, 7), None) is None


def test_glued_dateline() -> None:
    text = "NORTHPORT, May 7 (Wire) - The tide came in."
    end = glued_dateline(text)
    assert end is not None and text[end:] == "The tide came in."
    assert glued_dateline("NATO - the alliance said more.") is None
    assert glued_dateline("The tide came in - slowly.") is None


def test_keys() -> None:
    assert shape_key("Viewed 842 times") == shape_key("Viewed 1,960 times")
    assert name_key("- Wire Service") == name_key("Wire Service") == name_key("via Wire Service")
    assert name_key("By Ann Lee") != name_key("Ann Lee")


def test_hard_wrapped_text_is_joined_into_paragraphs() -> None:
    text = (
        "HEADLINE OF THE ITEM\n"
        "    The council met on Monday and agreed to raise the\n"
        "harbour dues by four percent from next spring, the clerk\n"
        "said.\n"
        "    The dues were last raised in the spring of the year\n"
        "before the storms, when trade was stronger.\n"
    )
    lines = split_lines(text)
    assert [line.text for line in lines][1:] == [
        "The council met on Monday and agreed to raise the harbour dues by four percent "
        "from next spring, the clerk said.",
        "The dues were last raised in the spring of the year before the storms, when trade "
        "was stronger.",
    ]
    assert text[lines[1].start : lines[1].start + 3] == "The"


def test_unwrapped_lines_stay_apart() -> None:
    text = (
        "Title Of A Story\nA caption of the photo (Credit)\nA caption of the photo (Credit)\nTT\n"
    )
    assert len(split_lines(text)) == 4
