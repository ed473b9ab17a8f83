"""Line shape evidence: prose or label, sentences, dates, credits, glued datelines, wrapping."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wirecopy.stages import lines
from wirecopy.stages.lines import (
    PROMPT_WORDS,
    date_parts,
    dateline_parts,
    figures,
    fragment_start,
    glued_dateline,
    iso,
    list_item,
    name_key,
    prompt,
    sentence_spans,
    shape_key,
    slot_label,
    split_lines,
    timestamp,
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


def test_single_letter_abbreviations_in_small_letters_end_no_sentence() -> None:
    # A headline restyled in sentence case keeps ``u.s.`` in small letters.
    assert len(sentence_spans("Lenders worried about u.s. consumer demand")) == 1
    assert not _line("Lenders worried about u.s. consumer demand").credit


def test_figures_count_numbers_in_digits_and_words_not_ranks() -> None:
    assert figures("Revenue 4.2 bn vs 3.9 bn") == 2
    assert figures("Loss seven cts vs profit 1,250,000") == 2
    assert figures("Operating loss NIL vs Nil") == 2
    assert figures("ACME CORP 2ND QUARTER 2026 PROFIT") == 1  # a rank is no figure
    assert figures("Council approves the bridge plan") == 0


def test_list_items_and_time_stamps() -> None:
    assert list_item("3. Harbour traders face 20 per cent rent rise")
    assert list_item("(2) Second item")
    assert not list_item("3.5 pct vs 2.9 pct")
    assert not list_item("12 months")
    for stamp in (
        "Updated 10:32 AM, March 4, 2026",
        "Posted 04/03/2026",
        "Last updated: Jun 29, 2026",
        "8.15 pm",
    ):
        assert timestamp(stamp), stamp
    for row in ("Paid on June 30", "Revenue 4.2 bn vs 3.9 bn", "Rate 3.75/80 pct", "12 months"):
        assert not timestamp(row), row


def test_credit_and_fragment_tail() -> None:
    assert _line(
        "Workers repair the dyke near the old mill on Sunday. (Agency/A. Photographer)"
    ).credit
    assert _line("Workers repair the dyke near the old mill. Photo: A. Photographer").credit
    assert not _line("Workers repaired the dyke near the old mill on Sunday.").credit
    assert _line("Workers repair the dyke near the old mill [Getty]").credit
    assert not _line("The dyke was repaired in 2019.[1]").credit  # a footnote's mark
    text = "First one. Second one here. Third one ends. Share this : Views: 12"
    start = fragment_start(text)
    assert start is not None and text[start:] == "Share this : Views: 12"
    assert fragment_start("First one. Second one here. Third one ends.") is None


def test_calls_to_action() -> None:
    assert prompt("Sign up to our daily newsletter")
    assert prompt("Get our award-winning daily news email featuring exclusive stories")
    assert prompt("Jetzt anmelden und den Newsletter lesen")
    # Headlines that open with such a verb, and say nothing of a newsletter or an email.
    for headline in (
        "Signed up in record numbers, students fill the halls",
        "Sign-up bonus for teachers",
        "Signup surge for health plans",
        "Register now or lose your vote, officials warn",
        "Get our boys home, families plead",
        "Join our union, nurses urge staff",
        "Abbonati in calo per Netflix",
    ):
        assert not prompt(headline), headline
    long = "Subscribe " + "word " * PROMPT_WORDS
    assert not prompt(long)  # a paragraph that opens so is no prompt


def test_slot_labels() -> None:
    assert slot_label("Advertisement") and slot_label("- Anzeige -") and slot_label("ADVERTISEMENT")
    assert not slot_label("Advertisement revenue fell") and not slot_label("Adam")
    assert slot_label("READ MORE") and slot_label("Lesen Sie auch")
    assert not slot_label("Read more books, the minister says")


def test_dates() -> None:
    assert date_parts("Monday 9 March 2026") == (2026, 3, 9)
    assert date_parts("November 14, 2023") == (2023, 11, 14)
    assert date_parts("March 2") == (None, 3, 2)
    assert date_parts("20") is None
    assert date_parts("Text size") is None
    assert date_parts("Freitag, 17. Mai 2019") == (2019, 5, 17)
    assert date_parts("10 de mayo de 2022") == (2022, 5, 10)
    assert date_parts("le 1er janvier 2020") == (2020, 1, 1)
    assert date_parts("The 4th of July") is None  # a headline's words, not a date line
    # Stamps: a label word (language data), a time of day and its zone.
    assert date_parts("Updated May 1, 2019 6:33 AM CDT") == (2019, 5, 1)
    assert date_parts("Published 11:02 BST, 11 April 2019") == (2019, 4, 11)
    assert date_parts("Zuletzt aktualisiert am 3. Mai 2024, 10:32 Uhr") == (2024, 5, 3)
    assert date_parts("Mis à jour le 3 mai 2024 à 10h32") == (2024, 5, 3)
    assert date_parts("Ferry sails on May 1, 2019") is None
    # Their small words go with a label only: alone, such a line is a heading.
    for heading in ("On March 7", "Last May 4th", "May 1 at last", "Op 5 mei", "March 3 at 1.25"):
        assert dateline_parts(heading) is None, heading
    assert dateline_parts("NORTHPORT, May 7 (Wire)") == (None, 5, 7)
    # A place in ordinary case before a full date: a date line too, but only with the year.
    assert dateline_parts("Berlin, den 17. Mai 2024") == (2024, 5, 17)
    assert dateline_parts("Glasgow, May 14, 2024") == (2024, 5, 14)
    assert dateline_parts("Glasgow, May 14") is None
    assert dateline_parts("Ask the council, May 14, 2024") is None  # not a place's name
    assert iso((None, 5, 7), 2030) == "2030-05-07"
    assert iso((None, 5, 7), None) is None


@pytest.mark.parametrize(
    "line",
    [
        "2024年5月17日",
        "2024 年 5 月 17 日",
        "２０２４年５月１７日",
        "2024年5月17日（星期五）",
        "2024年5月17日，星期五",
        "2024年5月17日(金) 10:32",
        "2024年5月17日 金曜日",
        "2024年5月17日 下午3时15分",
        "发布时间：2024年5月17日 10:32",
        "2024년 5월 17일 (금)",
        "2024년 5월 17일 금요일 오전 10:32",
    ],
)
def test_date_lines_as_chinese_japanese_and_korean_print_them(line: str) -> None:
    assert date_parts(line) == (2024, 5, 17)


@pytest.mark.parametrize(
    "line",
    [
        "2024年5月17日 六月",  # a month's name, not a weekday
        "2024年5月17日 天天",
        "2024年5月17日 99:99",
        "2024年13月17日",
        "2024年5月17日，深圳盐田港东作业区",  # a sentence goes on after the date
    ],
)
def test_no_date_line_in_chinese_text_that_only_opens_with_a_date(line: str) -> None:
    assert date_parts(line) is None


def test_glued_dateline() -> None:
    text = "NORTHPORT, May 7 (Wire) - The tide came in."
    end = glued_dateline(text)
    assert end is not None and text[end:] == "The tide came in."
    assert glued_dateline("NATO - the alliance said more.") is None
    german = "Hamburg, 17. Mai 2024 (NPA) – Die Donau trat über die Ufer."
    end = glued_dateline(german)
    assert end is not None and german[end:] == "Die Donau trat über die Ufer."
    assert glued_dateline("Hamburg (NPA) – Die Donau trat über die Ufer.") is None
    assert glued_dateline("Hamburg, im Mai – Die Donau trat über die Ufer.") is None
    assert glued_dateline("Hamburg, 17. Mai 2024 (NPA) - élan vital") is None
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


def test_closing_quotes_of_other_languages_end_sentences() -> None:
    german = "Der Bürgermeister sagte: „Die Fähre fährt ab Montag wieder.“ Dann ging er."
    assert [german[a:b] for a, b in sentence_spans(german)] == [
        "Der Bürgermeister sagte: „Die Fähre fährt ab Montag wieder.“",
        "Dann ging er.",
    ]
    for text in (
        "Die Stadt plant neue Anleger. Sie sagt: „Es lohnt sich.“",
        "Die Stadt plant neue Anleger. Sie sagt: »Es lohnt sich.«",
        "Le maire a parlé. Il a dit : « Le bac reprend lundi. »",
        "Der Rat tagte. Er schrieb: ‹Der Anleger bleibt offen.›",
    ):
        line = _line(text)
        assert line.terminal and line.sentences == 2 and line.prose, text


def test_chinese_and_japanese_sentences_and_words() -> None:
    chinese = "市政府今天在港口举行了新闻发布会。市长表示，新的渡轮航线将于下个月开通！"
    line = _line(chinese)
    assert line.terminal and line.sentences == 2
    assert 15 <= line.words <= 20  # 34 characters, about two a word
    assert line.prose and not line.caps
    assert _line("市は来月から新しいフェリー航路を開設すると発表した。").prose
    assert not _line("港口新闻").prose  # a short heading with no full stop
    assert _line("港口新闻").words == 2


def test_prose_in_scripts_without_case() -> None:
    arabic = "قال رئيس البلدية (CNN) إن خط العبارة الجديد سيفتتح الشهر المقبل في الميناء."
    line = _line(arabic)
    assert not line.cased and not line.caps and line.prose
    thai = " ".join(["เรือข้ามฟากสายใหม่", "จะเริ่มให้บริการ", "ในเดือนหน้า"] * 7)  # no full stops
    assert _line(thai).prose
    assert not _line("เรือข้ามฟาก ข่าวท่าเรือ").prose
    assert _line("Ferry plan approved").cased


def test_items_of_lists() -> None:
    from wirecopy.stages.lines import item

    assert all(
        item(t) for t in ("- Ferry", "• Ferry", "– Ferry", "3. Ferry", "2) Ferry", "a) Ferry")
    )
    assert not any(item(t) for t in ("Ferry - plan", "-5 degrees", "2026. Ferry", "A. Smith said"))


def test_lines_broken_mid_sentence_by_markup_are_joined() -> None:
    text = (
        "The actress, who in 2008 won the\n\n"
        "award for best supporting role, has taken\n"
        "to her page to thank the jury.\n\n"
        "Next paragraph starts here."
    )
    lines = split_lines(text)
    assert [line.text for line in lines] == [
        "The actress, who in 2008 won the award for best supporting role, has taken to her "
        "page to thank the jury.",
        "Next paragraph starts here.",
    ]
    assert lines[0].prose and (lines[0].start, lines[0].end) == (0, text.index("\n\nNext"))


def test_titles_names_and_list_items_are_not_joined_to_what_follows() -> None:
    for text in (
        "Mill to close with the loss of 640 jobs\nvia Meridian Press Agency",
        "MILL TO CLOSE WITH LOSS OF JOBS\n\nthe owners said on Monday that demand had fallen",
        "Council Approves The New Bridge\n\nthe council said on Monday that it would vote",
        "Council approves the new bridge plan\n\nvon Anna Beispiel",
        "The plan names three steps:\n\nfirst the council votes on it",
        "- Two new moorings for ferries\n\n- a crane for the quay",
        "The ferry left the quay at dawn.\n\nthen it turned back again",
        # A lede may open with a name written in mixed case.
        "Phone maker fixes the eye contact of video calls\n\niOS 13's third beta makes it "
        "look as if you were looking into the camera",
    ):
        assert len(split_lines(text)) == 2, text


def test_a_copyright_notice_is_no_running_text() -> None:
    notice = "™ & © 2013 Cable News Network, Inc., a Time Warner Company. All rights reserved."
    assert not _line(notice).prose
    assert not _line(
        "Copyright 2024 The Harbour Ledger. Reprinted by permission of the owners."
    ).prose
    assert not _line(
        "(c) 2019 Brindlemoor Post Media Limited, registered in the harbour city."
    ).prose
    # A sentence about copyright, or with a list lettered (a), (b), (c), is prose.
    assert _line("The firm will (a) sell the mill, (b) cut costs and (c) close in 1988.").prose
    assert _line(
        "The copyright on the 1928 film expired last year, the court said on Monday."
    ).prose


def test_a_greater_than_sign_separates_only_when_it_joins_items() -> None:
    # a breadcrumb trail or a menu of arrows joins three items or more
    assert _line("Home > News > World").separators
    assert _line("首页＞新闻＞国际").separators
    assert _line("Share | Print").separators
    # a line quoted with ``> `` (e-mail, forum post, Markdown) is the sentence it quotes
    quoted = _line("> The new crossings start in June.")
    assert not quoted.separators and quoted.prose
    assert not _line("> > We never had a ferry that left on time, not once.").separators
    # a single ``>`` in a headline compares
    assert not _line("Growth > 5% in third quarter").separators


@given(st.text(alphabet="aJ. \n(U”S!?\t", max_size=40))
def test_the_initial_test_looks_back_four_characters(text: str) -> None:
    # sentence_spans asks about the last four characters before each sentence end only:
    # the same answer as asking about all the text before it, in linear time.
    for end in range(len(text) + 1):
        near = lines._INITIAL.search(text, max(0, end - 4), end)
        assert bool(near) == bool(lines._INITIAL.search(text, 0, end))


def test_the_initial_test_at_a_line_end() -> None:
    # `$` matches before a last line end too: ".J.\n" ends in an initial.
    for end in range(5):
        assert bool(lines._INITIAL.search(".J.\n", max(0, end - 4), end)) == bool(
            lines._INITIAL.search(".J.\n", 0, end)
        )
