"""What a body run steps over inside one article: subheads over short paragraphs, in-body
links and quotations, a passage quoted twice, lists with no colon before them.

Every page here is made up for the test; nothing is taken from the seed pages or from any
evaluation page.
"""

from __future__ import annotations

import pytest

from wirecopy.records import Block, Page, PageResult
from wirecopy.stages.evidence import HEAD, LINE, MARK_BITS, digest
from wirecopy.stages.lines import head_key, split_lines
from wirecopy.stages.runs import _quotation
from wirecopy.stages.segment import line_stats, segment, segment_traced

LEAD = "The ferry company said on Monday that it would add two crossings a day."
MORE = "The new crossings start in June. Tickets go on sale at the quay next week."
LAST = "The council will review the timetable in the autumn, a spokeswoman said."
END = "Fares will not change this year. Fuel costs fell in the spring, the company said."


def _alone(text: str, title: str | None = None) -> PageResult:
    page = Page(id="p", uri=None, format="html", content_hash="h", raw=b"", text=text, title=title)
    (result,) = segment([page], line_stats([page]))
    return result


def _label(result: PageResult, text: str) -> list[str]:
    return [b.label for b in result.blocks if b.text == text]


def _owned(blocks: list[Block], text: str) -> list[int | None]:
    return [b.copy_seq for b in blocks if b.text == text]


def test_a_subhead_over_a_short_paragraph_followed_by_another_subhead_is_bridged() -> None:
    short = "Delays were reported at two piers on Wednesday."  # one sentence, eight words
    text = "\n\n".join(
        ["Ferry adds crossings", LEAD, MORE, "Piers", short, "What it costs", LAST, END]
    )
    (copy,) = _alone(text).copies
    assert short in copy.text.split("\n\n")


def test_a_long_link_line_whose_label_the_page_prints_twice_is_stepped_over() -> None:
    links = [
        "Read more: The council has a plan for a second bridge over the river at the old mill",
        "Read more: Why the harbour master wants the quay closed to cars on every weekend",
    ]
    text = "\n\n".join(["Ferry adds crossings", LEAD, MORE, links[0], LAST, links[1], END])
    (copy,) = _alone(text).copies
    assert copy.title == "Ferry adds crossings"
    assert copy.text.split("\n\n")[-1] == END


@pytest.mark.parametrize(
    "quote",
    [
        "“We have waited far too long for a crossing that runs on time every single day”",
        # apostrophes between letters close no quote
        "“We’ve waited far too long for a crossing that runs on time every single day”",
        '"Islanders can\'t wait for a crossing that runs on time every single day of the week"',
        "« Nous n’avons jamais eu de bateau à l’heure, pas une seule fois cette année »",
    ],
)
def test_a_quotation_set_apart_in_the_body_does_not_end_the_article(quote: str) -> None:
    text = "\n\n".join(["Ferry adds crossings", LEAD, MORE, quote, LAST, END])
    (copy,) = _alone(text).copies
    assert copy.title == "Ferry adds crossings"
    assert copy.text.endswith(LAST + "\n\n" + END)


def test_a_long_headline_quoting_a_name_at_each_end_still_ends_the_article() -> None:
    heading = "'Harbour Blues' wins the prize for the best film of the year over 'Ferry Tales'"
    two = "The jury met at the old mill on Friday. It chose the film after a long debate."
    text = "\n\n".join(["Ferry adds crossings", LEAD, MORE, heading, two, END])
    copies = _alone(text).copies
    assert [c.title for c in copies] == ["Ferry adds crossings", heading]


def test_a_passage_quoted_again_in_the_body_is_one_article_and_an_echo() -> None:
    passage = "The crossing is a lifeline. Without it the island would empty within a decade."
    text = "\n\n".join(["Ferry adds crossings", LEAD, passage, MORE, LAST, passage, END])
    result = _alone(text)
    (copy,) = result.copies
    assert copy.text.endswith(END) and copy.text.count(passage) == 1
    assert _label(result, passage) == ["body", "echo"]
    assert _owned(result.blocks, passage) == [0, None]


def test_a_list_under_a_heading_with_no_colon_stays_in_the_article() -> None:
    items = ["- A crane", "- Two new moorings", "- Lights", "- A ticket office"]
    text = "\n\n".join(["Quay plan", LEAD, MORE, "What the quay needs", *items, LAST, END])
    (copy,) = _alone(text).copies
    assert copy.text.split("\n\n")[2:7] == ["What the quay needs", *items]
    assert copy.text.endswith(LAST + "\n\n" + END)


def test_a_breadcrumb_never_titles_an_article() -> None:
    crumb = "Home > News > Harbour and ferries > The latest from the quay today"
    result = _alone("\n\n".join([crumb, "Ferry adds crossings", LEAD, MORE]))
    (copy,) = result.copies
    assert copy.title == "Ferry adds crossings"
    assert _label(result, crumb) == ["boilerplate"]


def test_a_photo_credit_under_each_picture_does_not_end_the_article() -> None:
    credit = "(Photo: Anna Example / Quay News)"
    text = "\n\n".join(["Ferry adds crossings", LEAD, credit, MORE, LAST, credit, END])
    result = _alone(text)
    (copy,) = result.copies
    assert copy.text == "\n\n".join([LEAD, MORE, LAST, END])
    assert _owned(result.blocks, credit) == [None, None]


def test_a_time_stamp_repeated_between_comments_still_ends_the_article() -> None:
    comments = [
        "I took the early ferry today and it was late again, as it is every single week.",
        "Two more crossings will not help if the boats keep breaking down in the winter.",
    ]
    stamp = "An hour ago"
    text = "\n\n".join(["Ferry adds crossings", LEAD, MORE, stamp, comments[0], stamp, comments[1]])
    copies = _alone(text).copies
    assert copies[0].text == LEAD + "\n\n" + MORE


def test_a_standfirst_above_the_printed_page_title_is_no_brief_of_its_own() -> None:
    standfirst = "The ferry company will add two crossings a day from June, at no extra cost."
    title = "Ferry adds crossings"
    result = _alone("\n\n".join([standfirst, title, LEAD, MORE, LAST]), title=title)
    (copy,) = result.copies
    assert copy.title == title and copy.text == "\n\n".join([LEAD, MORE, LAST])
    # with no line printing the page's title, the same paragraph is a brief under it
    briefs = _alone("\n\n".join([standfirst, "\n", "Other news", LEAD, MORE]), title=title)
    assert briefs.copies[0].title == title and briefs.copies[0].text == standfirst


def test_a_line_quoted_with_a_greater_than_sign_stays_in_the_body() -> None:
    quoted = "> The new crossings start in June."  # short: a menu's length
    result = _alone("\n\n".join(["Ferry adds crossings", LEAD, quoted, LAST, END]))
    (copy,) = result.copies
    assert copy.text == "\n\n".join([LEAD, quoted, LAST, END])
    assert _label(result, quoted) == ["body"]


def test_an_echoed_passage_names_the_copy_it_echoes() -> None:
    passage = "The crossing is a lifeline. Without it the island would empty within a decade."
    text = "\n\n".join(["Ferry adds crossings", LEAD, passage, MORE, LAST, passage, END])
    (echo,) = [b for b in _alone(text).blocks if b.label == "echo"]
    assert echo.evidence["echoes_copy"] == 0


APPEAL = "Our journalism is free to read. Sign up for the morning newsletter to get every story."
SITE = "quay.example"


def _site_pages(target: str) -> list[Page]:
    """Four pages of one site, each printing the appeal once after its own story, and the
    page under test."""
    pages = [
        Page(
            id=f"s{n}",
            uri=None,
            format="html",
            content_hash=f"s{n}",
            raw=b"",
            site=SITE,
            text="\n\n".join(
                [f"Story number {n}", f"Story {n} is told here at length.", END, APPEAL]
            ),
        )
        for n in range(4)
    ]
    page = Page(id="p", uri=None, format="html", content_hash="p", raw=b"", site=SITE, text=target)
    return [*pages, page]


def test_an_appeal_the_site_prints_on_most_pages_is_no_passage_quoted_again() -> None:
    text = "\n\n".join(["Ferry adds crossings", LEAD, MORE, APPEAL, LAST, APPEAL, END])
    pages = _site_pages(text)
    result, trace = segment_traced(pages, line_stats(pages))[-1]
    assert all(APPEAL not in copy.text for copy in result.copies)
    assert _owned(result.blocks, APPEAL) == [None, None]
    assert result.copies[0].text == LEAD + "\n\n" + MORE
    # the decision read the site's count of the appeal, and recorded the question
    (key,) = {digest(line.key) for line in split_lines(text) if line.text == APPEAL}
    assert trace.asked[(LINE, key)] & MARK_BITS["half"]
    # on a page of its own, the same paragraph printed twice is a passage quoted again
    (alone,) = _alone(text).copies
    assert alone.text.count(APPEAL) == 1 and alone.text.endswith(END)


def test_a_credit_printed_again_asks_nothing_a_widget_would() -> None:
    # The credit's label follows from its repeats on the page: whether it is a widget (the
    # site prints it on other pages, its label opens lines elsewhere) decides nothing, and is
    # not asked, so no change in those counts segments the page again.
    credit = "(Photo: Anna Example / Quay News)"
    text = "\n\n".join(["Ferry adds crossings", LEAD, credit, MORE, LAST, credit, END])
    pages = _site_pages(text)
    result, trace = segment_traced(pages, line_stats(pages))[-1]
    assert _label(result, credit) == ["boilerplate", "boilerplate"]
    ((line_key, head),) = {
        (digest(line.key), digest(head_key(line.text) or ""))
        for line in split_lines(text)
        if line.text == credit
    }
    assert trace.asked[(LINE, line_key)] == MARK_BITS["half"]
    assert trace.asked.get((HEAD, head), MARK_BITS["half"]) == MARK_BITS["half"]


def test_only_apostrophes_between_letters_are_passed_over() -> None:
    # A double quote between letters closes a quote inside: the line is two quotes.
    assert _quotation("“The plan’s working, the mayor said of the crossing”")
    assert not _quotation("“The plan”works, the mayor said of the crossing”")


# Credits, pull quotes and links that real pages print between paragraphs --------------------

P5 = "Crews worked through the night to clear the slipway, the harbour master said."
P6 = "A second ship joins the route in July if the trial goes well, officials said."
CAPTION = "A ferry leaves the quay at dawn as passengers wait on the pier in the rain"


def test_a_caption_and_a_credit_printed_under_each_picture_stay_inside_the_article() -> None:
    text = "\n\n".join(["Ferry adds crossings", LEAD, MORE, CAPTION, "AP", LAST, END, "AP", P5, P6])
    (copy,) = _alone(text).copies
    assert copy.title == "Ferry adds crossings"
    assert copy.text.split("\n\n")[-1] == P6
    assert "AP" not in copy.text.split("\n\n")
    assert CAPTION not in copy.text  # a caption, not a paragraph


def test_a_source_under_each_title_of_a_list_of_stories_still_parts_them() -> None:
    text = "\n\n".join(
        ["Ferry adds crossings", "AP", LEAD, MORE, "Bridge repairs begin", "AP", P5, P6]
    )
    page = Page(id="p", uri=None, format="html", content_hash="h", raw=b"", text=text, source="AP")
    (result,) = segment([page], line_stats([page]))
    assert [c.title for c in result.copies] == ["Ferry adds crossings", "Bridge repairs begin"]
    assert [c.text.split("\n\n") for c in result.copies] == [[LEAD, MORE], [P5, P6]]


COMMENTS = [
    "Great news for the island, finally.",
    "Too little, too late if you ask me.",
    "The winter timetable is what matters here.",
]


@pytest.mark.parametrize("stamp", ["Yesterday", "Hace 2 horas"])
def test_a_time_stamp_between_comments_is_no_credit(stamp: str) -> None:
    text = "\n\n".join(
        ["Ferry adds crossings", LEAD, MORE, LAST, stamp, COMMENTS[0], stamp, COMMENTS[1]]
    )
    copies = _alone(text).copies
    assert copies[0].text.split("\n\n") == [LEAD, MORE, LAST]
    assert all(comment not in c.text for c in copies for comment in COMMENTS)


def test_a_name_printed_over_each_comment_is_no_credit() -> None:
    text = "\n\n".join(
        ["Ferry adds crossings", LEAD, MORE, LAST, "Jane Doe", COMMENTS[0], "John Roe",
         COMMENTS[1], "Jane Doe", COMMENTS[2]]
    )  # fmt: skip
    copies = _alone(text).copies
    assert copies[0].text.split("\n\n") == [LEAD, MORE, LAST]


def test_a_credit_under_the_headline_leaves_the_headline_its_title() -> None:
    text = "\n\n".join(["Ferry adds crossings", "AP", LEAD, MORE, CAPTION, "AP", LAST, END])
    (copy,) = _alone(text).copies
    assert copy.title == "Ferry adds crossings"
    assert copy.text.split("\n\n") == [LEAD, MORE, LAST, END]


def test_a_source_under_each_standfirst_of_a_list_of_stories_still_parts_them() -> None:
    first = "Two more crossings a day from June, the operator says."
    second = "Two lanes close for a month from Monday, the council says."
    text = "\n\n".join(
        ["Ferry adds crossings", first, "AP", LEAD, MORE, "Bridge repairs begin", second, "AP",
         P5, P6]
    )  # fmt: skip
    copies = _alone(text).copies
    assert [c.title for c in copies] == ["Ferry adds crossings", "Bridge repairs begin"]


def test_a_line_ending_with_a_comma_titles_nothing() -> None:
    pull = "He also repeated his pledge to put twenty more ferries on the busiest routes,"
    text = "\n\n".join(["Ferry adds crossings", LEAD, MORE, pull, LAST, END])
    (copy,) = _alone(text).copies
    assert copy.title == "Ferry adds crossings"
    assert copy.text.split("\n\n")[-1] == END


@pytest.mark.parametrize(
    "link",
    [
        "More:Why the harbour master wants the quay closed to cars on weekends",
        "Harbour works update:Two lanes of the bridge close for a month from Monday",
    ],
)
def test_a_link_with_its_label_glued_on_titles_nothing(link: str) -> None:
    text = "\n\n".join(["Ferry adds crossings", LEAD, MORE, link, LAST, END])
    (copy,) = _alone(text).copies
    assert copy.title == "Ferry adds crossings"
    assert copy.text.split("\n\n")[-1] == END


def test_a_source_over_the_next_title_still_closes_the_article() -> None:
    text = "\n\n".join(
        ["Ferry adds crossings", LEAD, MORE, "Reuters", "Bridge repairs begin", P5, P6]
    )
    page = Page(
        id="p", uri=None, format="html", content_hash="h", raw=b"", text=text, source="Reuters"
    )
    (result,) = segment([page], line_stats([page]))
    assert [c.title for c in result.copies] == ["Ferry adds crossings", "Bridge repairs begin"]
    assert [c.text.split("\n\n") for c in result.copies] == [[LEAD, MORE], [P5, P6]]


@pytest.mark.parametrize(
    "title",
    ["Ποιος πληρώνει το νέο δρομολόγιο του 2024;", "Τι σημαίνει το «νέο λιμάνι»;"],
)
def test_a_greek_question_ending_with_a_semicolon_may_title(title: str) -> None:
    lead = "Το λιμάνι θα έχει δύο νέα δρομολόγια την ημέρα από τον Ιούνιο, είπε η εταιρεία."
    more = "Τα εισιτήρια πωλούνται στην προβλήτα από την επόμενη εβδομάδα, είπε ο δήμος."
    (copy,) = _alone("\n\n".join([title, lead, more])).copies
    assert copy.title == title
