"""How body runs hold together on pages written in long paragraphs, lists and other scripts.

Every page here is made up for the test; nothing is taken from the seed pages or from any
evaluation page.
"""

from __future__ import annotations

import pytest

from wirecopy.records import Page, PageResult
from wirecopy.stages.segment import line_stats, segment


def _alone(
    text: str, title: str | None = None, published: str | None = None, source: str | None = None
) -> PageResult:
    page = Page(
        id="p",
        uri=None,
        format="html",
        content_hash="h",
        raw=b"",
        text=text,
        title=title,
        published=published,
        source=source,
    )
    (result,) = segment([page], line_stats([page]))
    return result


def _long(topic: str) -> str:
    """A paragraph of six sentences and about seventy words."""
    return " ".join(
        f"The {topic} committee met again on day {n} to weigh the plan for the river "
        f"crossing and its costs."
        for n in range(1, 7)
    )


def test_a_subhead_between_long_paragraphs_of_one_article_is_bridged() -> None:
    first, second, third = _long("harbour"), _long("bridge"), _long("ferry")
    text = "\n\n".join(
        ["Council votes on crossing", first, second, "What comes next", third, "Share | Print"]
    )
    (copy,) = _alone(text).copies
    assert copy.title == "Council votes on crossing"
    assert copy.text == "\n\n".join([first, second, "What comes next", third])


# A dash may open each title of a list of teasers: only a number makes them sections.
@pytest.mark.parametrize("marker", ["", "- "])
def test_flattened_teasers_under_their_titles_stay_apart(marker: str) -> None:
    one, two = _long("harbour"), _long("bridge")
    first, second = marker + "Harbour plan delayed again", marker + "Bridge costs rise"
    text = "\n\n".join(["Related", first + "\n" + one, second + "\n" + two])
    copies = _alone(text).copies
    assert [(c.title, c.text) for c in copies] == [(first, one), (second, two)]


def test_the_page_metadata_goes_to_the_copy_the_page_is_about() -> None:
    brief = [
        "Lanterns will be lit along the quay on Saturday evening.",
        "The parade starts at the old mill at seven o'clock.",
    ]
    main = [_long("harbour"), _long("bridge"), _long("ferry")]
    text = "\n\n".join(brief) + "\n\n\n" + "\n\n".join(["Harbour vote", *main])
    copies = _alone(text, title="Harbour vote", published="2026-03-04", source="Quay News").copies
    assert [c.title for c in copies] == [None, "Harbour vote"]
    assert [(c.date, c.source) for c in copies] == [(None, None), ("2026-03-04", "Quay News")]


def test_an_untitled_longer_copy_takes_the_metadata_title_and_date() -> None:
    lead = ["Lanterns will be lit along the quay.", "The parade starts at the mill at seven."]
    main = [_long("harbour"), _long("bridge")]
    text = "\n\n".join(lead) + "\n\n\nShare | Print\n\n\n" + "\n\n".join(main)
    copies = _alone(text, title="Quay festival", published="2026-03-04T10:00:00").copies
    assert [(c.title, c.date) for c in copies] == [(None, None), ("Quay festival", "2026-03-04")]


def test_a_longer_flattened_teaser_does_not_take_the_page_metadata() -> None:
    main = ["The quay will be closed on Saturday.", "Boats are asked to moor at the pier."]
    text = "\n\n".join(main) + "\n\n\nRelated\n\nBridge costs rise\n" + _long("bridge")
    copies = _alone(text, title="Quay closed", published="2026-03-04").copies
    assert [(c.title, c.date) for c in copies] == [
        ("Quay closed", "2026-03-04"),
        ("Bridge costs rise", None),
    ]


def test_a_brief_that_needs_the_page_title_keeps_it() -> None:
    # The first copy is an article only as the page's first text under its title: that title
    # stays with it; the page's date goes to the copy the page is about.
    brief = "The mayor called a new vote on the river crossing for next week."
    main = [_long("bridge"), _long("ferry")]
    text = brief + "\n\n\n" + "\n\n".join(["Bridge costs rise sharply", *main])
    copies = _alone(text, title="Mayor calls new vote on crossing", published="2026-03-04").copies
    assert [(c.title, c.date) for c in copies] == [
        ("Mayor calls new vote on crossing", None),
        ("Bridge costs rise sharply", "2026-03-04"),
    ]


def test_a_page_in_chinese_is_an_article() -> None:
    paragraphs = [
        "市政府今天在港口举行了新闻发布会。市长表示，新的渡轮航线将于下个月开通。",
        "新航线每天往返六次，票价与现有航线相同。港口管理局说，码头的改造工程已经完成。",
        "一些居民担心噪音问题。市长说，政府会在开通后继续听取意见。",
    ]
    text = "\n\n".join(["港口新航线下月开通", *paragraphs, "分享 | 打印"])
    (copy,) = _alone(text, published="2026-03-04").copies
    assert copy.title == "港口新航线下月开通"
    assert copy.text == "\n\n".join(paragraphs)
    assert copy.date == "2026-03-04"


def test_german_paragraphs_ending_in_a_quote_stay_in_the_article() -> None:
    paragraphs = [
        "Der Rat der Stadt hat am Montag über den neuen Anleger beraten. Die Kosten steigen.",
        "Die Opposition kritisierte den Plan scharf. Ihr Sprecher sagte: „Das ist zu teuer.“",
        "Eine Entscheidung soll im Mai fallen. Bis dahin prüft die Verwaltung die Angebote.",
    ]
    text = "\n\n".join(["Streit um den Anleger", *paragraphs])
    (copy,) = _alone(text).copies
    assert copy.text == "\n\n".join(paragraphs)


def test_numbered_sections_of_long_paragraphs_are_one_article() -> None:
    sections = [_long("harbour"), _long("bridge"), _long("ferry")]
    text = "\n\n".join(
        [
            "Three ways to cross the river",
            sections[0],
            "2. Build a bridge",
            sections[1],
            "3. Run a ferry",
            sections[2],
        ]
    )
    (copy,) = _alone(text).copies
    assert copy.text == "\n\n".join(
        [sections[0], "2. Build a bridge", sections[1], "3. Run a ferry", sections[2]]
    )


def test_a_list_announced_by_a_colon_stays_in_the_article() -> None:
    lead = "The council listed what the new quay will need before it opens in the spring."
    items = ["- A crane", "- Two new moorings for the ferries", "- Lights", "- A ticket office"]
    after = "Work is due to start in May. The council will pay for it from its reserves."
    text = "\n\n".join(["Quay plan", lead, "It named four things:", *items, after])
    (copy,) = _alone(text).copies
    assert copy.text == "\n\n".join([lead, "It named four things:", *items, after])


def test_what_a_colon_announces_goes_on_the_article_however_short() -> None:
    lead = "The harbour master answered questions from residents on Monday evening."
    text = "\n\n".join(
        [
            "Harbour meeting",
            lead,
            "Her answer to the first was short:",
            "- The quay stays open.",
            lead.replace("Monday", "Tuesday"),
        ]
    )
    (copy,) = _alone(text).copies
    assert "- The quay stays open." in copy.text.split("\n\n")


def test_a_long_line_that_cannot_title_an_article_does_not_end_one() -> None:
    before = "The ferry company said on Monday that it would add two crossings a day."
    after = "The new crossings start in June. Tickets go on sale at the quay next week."
    for insertion in (
        "| SHOP NOW: ferry tickets, season passes and gift cards for the whole family |",
        "Her answer to the council was one long list of what the quay still needs today:",
    ):
        text = "\n\n".join(["Ferry adds crossings", before, insertion, after])
        (copy,) = _alone(text).copies
        assert copy.text.split("\n\n")[0] == before and copy.text.endswith(after), insertion


def test_a_long_heading_over_a_new_article_still_ends_the_first() -> None:
    one = "The ferry company said on Monday that it would add two crossings a day."
    two = "The council approved the budget for the new bridge on Tuesday evening."
    heading = "Council Approves The Budget For The New Bridge Over The River After A Long Debate"
    text = "\n\n".join(
        [
            "Ferry adds crossings",
            one,
            one.replace("two", "three"),
            heading,
            two,
            two.replace("Tuesday", "Wednesday"),
        ]
    )
    copies = _alone(text).copies
    assert [c.title for c in copies] == ["Ferry adds crossings", heading]


def test_a_subhead_over_a_short_paragraph_that_goes_on_is_bridged() -> None:
    lead = "The ferry company said on Monday that it would add two crossings a day."
    short = "Fares will not change this year."
    more = "The company said fuel costs had fallen. It expects more passengers in summer."
    text = "\n\n".join(["Ferry adds crossings", lead, "What it costs", short, more])
    (copy,) = _alone(text).copies
    assert copy.text == "\n\n".join([lead, "What it costs", short, more])


def test_a_byline_never_titles_an_article() -> None:
    paragraphs = [
        "The ferry company said on Monday that it would add two crossings a day.",
        "The new crossings start in June. Tickets go on sale at the quay next week.",
    ]
    for byline in ("By Anna Example", "Von Anna Beispiel", "par Anne Exemple"):
        text = "\n\n".join([byline, *paragraphs])
        (copy,) = _alone(text, title="Ferry adds crossings").copies
        assert copy.title == "Ferry adds crossings", byline
    (copy,) = _alone("\n\n".join(["Von der Leyen visits the harbour", *paragraphs])).copies
    assert copy.title == "Von der Leyen visits the harbour"


def test_a_headline_opening_with_a_byline_word_is_still_a_title() -> None:
    body = [
        "The drug maker said on Monday that it had applied to list its shares.",
        "It expects the listing to be approved within a month, the company said.",
    ]
    headline = "PAR HARBOUR FERRY LINES SEEK LISTING"
    (copy,) = _alone("\n\n".join([headline, *body])).copies
    assert copy.title == headline


def test_a_table_above_the_printed_page_title_does_not_take_that_title_too() -> None:
    # The page's title is printed further on: it heads the run there, and the copy above it
    # (paragraphs and a table, an article of its own) has no title, not a second copy of it.
    title = "Harbour board reports a busier year"
    lead = "The harbour board published its figures for the year on Monday morning."
    note = "The board said cargo grew in every quarter, led by timber and grain."
    rows = ["Cargo 4.1 mln tonnes vs 3.8 mln", "Ships 1,204 vs 1,150", "Staff 310 vs 296"]
    body = [_long("harbour"), _long("quay")]
    text = "\n\n".join([lead, note, *rows, title, *body])
    copies = _alone(text, title=title).copies
    assert [c.title for c in copies] == [None, title]
    assert copies[0].text.endswith(rows[-1]) and copies[1].text == "\n\n".join(body)
