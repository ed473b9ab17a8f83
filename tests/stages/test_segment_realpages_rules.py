"""Lists and sentences that real pages print inside one article: a paragraph closed by a
pictograph, a list with a subhead after it, an unmarked list a colon announces, a fact box
of ``Label: value`` lines.

Every page here is made up for the test; nothing is taken from the seed pages or from any
evaluation page.
"""

from __future__ import annotations

from test_segment_bridges import END, LAST, LEAD, MORE, _alone
from test_segment_runs import _alone as _alone_with_source

from wirecopy.records import Page, PageResult
from wirecopy.stages.lines import is_terminal, split_lines
from wirecopy.stages.segment import line_stats, segment

TITLE = "Ferry adds crossings"


def test_a_pictograph_after_final_punctuation_ends_a_sentence() -> None:
    assert is_terminal("We did not see that coming. Oh well… 😀")
    assert is_terminal("What a day! 👍🏼")
    assert is_terminal("See you soon. ❤️")
    assert not is_terminal("Summer sale 😀")  # no sentence before it
    assert not is_terminal("Acme Widgets™")


def test_a_german_paragraph_closed_by_a_pictograph_is_body_not_a_caption() -> None:
    # Nouns in capitals keep the share of small letters low: only its full stop makes it prose.
    first = (
        "Zuerst dachte ich, ich könnte das Missgeschick mit dem Rucksack einfach verheimlichen. "
        "Dann wurde Max und mir nach einigen Nachrichten klar, dass die Leser Bescheid wissen "
        "wollen. Nun gut… 😀"
    )
    (line,) = split_lines(first)
    assert line.prose
    text = "\n\n".join([TITLE, first, LEAD, MORE, LAST])
    (copy,) = _alone(text).copies
    assert copy.text.split("\n\n")[0] == first


def test_a_subhead_after_a_list_keeps_the_next_section_in_the_article() -> None:
    items = ["- Low price", "- Sturdy build", "- Heats only in the middle"]
    text = "\n\n".join([TITLE, LEAD, MORE, *items, "Sizes and weight", LAST, END])
    (copy,) = _alone(text).copies
    assert copy.title == TITLE
    assert "- Heats only in the middle" in copy.text
    assert copy.text.split("\n\n")[-1] == END


def test_an_unmarked_list_a_colon_announces_goes_on_the_article() -> None:
    rows = ["Opening by the mayor", "Talks on the quay", "Music in the harbour bar"]
    intro = "The day of the first crossing looks like this:"
    text = "\n\n".join([TITLE, LEAD, MORE, intro, *rows, "Getting there", LAST, END])
    (copy,) = _alone(text).copies
    assert copy.title == TITLE
    assert "Music in the harbour bar" in copy.text
    assert copy.text.split("\n\n")[-1] == END


def test_a_fact_box_of_label_value_lines_is_stepped_over() -> None:
    box = ["Ferry: MV Harbour Star", "Crossing: under an hour", "Operator: Quay Lines"]
    text = "\n\n".join([TITLE, LEAD, MORE, *box, LAST, END])
    (copy,) = _alone(text).copies
    assert copy.title == TITLE
    assert "Crossing: under an hour" in copy.text
    assert copy.text.split("\n\n")[-1] == END


def test_label_value_lines_whose_label_the_page_repeats_still_part_two_posts() -> None:
    # ``Tags:`` under each post of a blog's front page is furniture, not a fact box.
    second = "Bridge repairs begin"
    text = "\n\n".join(
        [
            TITLE,
            LEAD,
            MORE,
            "Tags: ferry, harbour",
            "Category: Transport",
            "Filed: Local news",
            second,
            LAST,
            END,
            "Tags: bridge, works",
            "Category: Roads",
            "Filed: City",
        ]
    )
    copies = _alone(text).copies
    assert [c.title for c in copies] == [TITLE, second]


def test_a_long_sentence_ending_with_a_colon_is_prose_a_short_label_is_not() -> None:
    announcing = "In her book the harbour master sets out the ten rules she keeps for a long life:"
    (line,) = split_lines(announcing)
    assert line.prose
    (label,) = split_lines("Tips from the editors:")
    assert not label.prose


def test_a_subhead_over_a_sentence_that_announces_a_list_stays_in_the_article() -> None:
    announcing = "In her book the harbour master sets out the ten rules she keeps for a long life:"
    rules = ["- Take time to dream", "- Stay active", "- Keep your friends close"]
    text = "\n\n".join(
        [TITLE, LEAD, MORE, "The ten rules of the quay", announcing, *rules, LAST, END]
    )
    (copy,) = _alone(text).copies
    assert copy.title == TITLE
    assert announcing in copy.text
    assert copy.text.split("\n\n")[-1] == END


def test_a_subhead_listed_again_in_a_list_of_contents_is_no_source_name() -> None:
    # ``X`` and ``- X`` make a source line (``AFP`` over ``- AFP``), unless ``- X`` is an
    # item among others: then both print one heading.
    contents = ["- New Timetable", "- Rules of the Quay", "- Fares and Tickets"]
    text = "\n\n".join(
        [TITLE, LEAD, MORE, "Rules of the Quay", LAST, END, "In this article:", *contents]
    )
    (copy,) = _alone(text, title=TITLE).copies
    assert copy.source is None
    assert copy.text.split("\n\n")[-1] == END


def test_long_numbered_headings_over_paragraphs_open_sections_of_one_article() -> None:
    first = "1) The council will publish a full timetable for the winter crossings next month"
    second = "2) Fares stay the same"
    text = "\n\n".join([TITLE, LEAD, MORE, first, LAST, SECOND, second, END])
    (copy,) = _alone(text).copies
    assert copy.title == TITLE
    assert first in copy.text.split("\n\n")
    assert copy.text.split("\n\n")[-1] == END


def test_a_long_numbered_line_with_no_next_number_may_still_title_an_article() -> None:
    first = "1) The council will publish a full timetable for the winter crossings next month"
    text = "\n\n".join([TITLE, LEAD, MORE, first, LAST, END])
    titles = [c.title for c in _alone(text).copies]
    assert titles == [TITLE, first]


def _page(pid: str, site: str, text: str) -> Page:
    return Page(id=pid, uri=None, format="html", content_hash=pid, raw=b"", text=text, site=site)


def test_a_source_name_the_page_prints_twice_still_closes_an_article() -> None:
    text = "\n\n".join([TITLE, LEAD, MORE, "Harbour Wire", LAST, END, "- Harbour Wire"])
    copies = _alone(text).copies
    assert copies[0].source == "Harbour Wire"
    assert LAST not in copies[0].text


def test_a_list_a_sentence_announces_after_the_last_paragraph_closes_the_article() -> None:
    intro = "My favourite places to watch the ferries come in are these:"
    spots = ["- The old pier at the harbour", "- The bench by the lighthouse", "- The quay cafe"]
    text = "\n\n".join([TITLE, LEAD, MORE, LAST, intro, *spots])
    (copy,) = _alone(text).copies
    assert copy.text.split("\n\n")[-1] == "- The quay cafe"


def test_a_list_under_a_label_after_the_last_paragraph_stays_out() -> None:
    links = ["- Bridge repairs begin", "- Harbour master retires", "- New buses for the quay"]
    text = "\n\n".join([TITLE, LEAD, MORE, LAST, "Related articles:", *links])
    (copy,) = _alone(text).copies
    assert copy.text.split("\n\n")[-1] == LAST


def test_a_table_written_as_text_between_paragraphs_is_the_articles() -> None:
    table = [
        "| Crossing | Winter | Summer |",
        "|---|---|---|",
        "| Early boat | 6 a day | 8 a day |",
        "| Late boat | 2 a day | 4 a day |",
    ]
    text = "\n\n".join([TITLE, LEAD, MORE, *table, LAST, END])
    (copy,) = _alone(text).copies
    assert "| Early boat | 6 a day | 8 a day |" in copy.text.split("\n\n")
    assert copy.text.split("\n\n")[-1] == END


def test_a_box_of_one_column_written_as_a_table_is_no_articles_table() -> None:
    box = ["| More from the harbour |", "|---|", "| Bridge works |", "| Bus routes |"]
    text = "\n\n".join([TITLE, *box, LEAD, MORE, LAST, END])
    (copy,) = _alone(text, title=TITLE).copies
    assert copy.title == TITLE
    assert "| Bridge works |" not in copy.text


FLAT = (
    "Summer is coming to the coast and the ferries fill up early. The company has added two "
    "boats for the season. Tickets can be bought at the quay or online. Families get a "
    "discount on weekdays. The first boat leaves at six in the morning. The last one comes "
    "back after ten at night. Dogs travel free of charge."
)
FLAT_TOO = (
    "A day at the beach needs some planning. Pack sun cream before anything else. Bring "
    "water, more than you think you need. Take a hat for the children and for yourself. A "
    "towel each is enough for most families. Snacks keep everyone in a good mood. Here is "
    "what else fits into a big beach bag."
)


def test_a_flattened_paragraph_leading_to_a_list_and_more_text_is_no_teaser() -> None:
    items = ["- A book", "- A small fan", "- Plasters for sharp shells"]
    announcing = FLAT_TOO.replace("beach bag.", "beach bag:")
    text = "\n\n".join([TITLE, FLAT, "What fits into a beach bag", announcing, *items, LAST, END])
    (copy,) = _alone(text, title=TITLE).copies
    assert copy.text.split("\n\n")[0] == FLAT
    assert copy.text.split("\n\n")[-1] == END


def test_two_flattened_teasers_under_their_headings_stay_apart() -> None:
    text = "\n\n".join([TITLE, FLAT, "What fits into a beach bag", FLAT_TOO])
    assert len(_alone(text, title=TITLE).copies) == 2


def test_a_block_of_code_between_paragraphs_is_the_articles_even_lines_printed_twice() -> None:
    code = [
        "class FerryTests(TestCase):",
        "@classmethod",
        "def setUpClass(cls):",
        "cls.quay = Quay()",
        "@classmethod",
        "def tearDownClass(cls):",
        "cls.quay.close()",
    ]
    intro = "The tests of the booking system open the quay once for all of them, like this."
    text = "\n\n".join([TITLE, LEAD, intro, *code, "What went wrong", LAST, END])
    (copy,) = _alone(text, title=TITLE).copies
    paragraphs = copy.text.split("\n\n")
    assert paragraphs.count("@classmethod") == 2
    assert paragraphs[-1] == END


def test_lines_that_end_with_a_semicolon_are_no_code_however_many() -> None:
    roles = ["Anna Berg, harbour master;", "Tom Lund, ferry captain;", "Eva Holm, purser;"]
    text = "\n\n".join([TITLE, LEAD, MORE, *roles, "Contact", LAST, END])
    result = _alone(text, title=TITLE)
    assert all("code" not in str(b.evidence.get("why")) for b in result.blocks)


def test_a_bullet_alone_on_its_line_joins_the_text_of_its_item() -> None:
    lines = split_lines("What to bring:\n\n-\n\nsun cream,\n\n-\na hat.")
    assert [line.text for line in lines] == ["What to bring:", "- sun cream,", "- a hat."]
    assert (lines[1].start, lines[1].end) == (16, 29)


def test_items_of_one_list_go_on_the_article_whether_or_not_they_read_as_prose() -> None:
    items = [
        "a) Checks of the tickets at the gate before the boat leaves the quay,",
        "b) checks of the cars on the deck,",
        "c) counts of the passengers by the crew,",
        "d) Reports to the harbour master.",
    ]
    text = "\n\n".join([TITLE, LEAD, MORE, *items])
    (copy,) = _alone(text, title=TITLE).copies
    assert copy.text.split("\n\n")[-1] == items[-1]


def test_a_subhead_over_the_sentence_that_announces_a_list_is_bridged() -> None:
    announce = "To judge the crossing the captain can use several signs:"
    items = ["- the wind,", "- the swell,", "- the tide."]
    text = "\n\n".join([TITLE, LEAD, MORE, "Reading the sea", announce, *items, LAST, END])
    (copy,) = _alone(text, title=TITLE).copies
    assert copy.text.split("\n\n")[-1] == END


# Boilerplate a news page prints around its article stays out of it, however it is shaped.
SECOND = "Police close the old bridge to traffic after a crack is found in a pillar."
SECOND_MORE = "Divers will inspect the pillar on Thursday. Buses take a detour until then."


def _story(k: int) -> list[str]:
    """The paragraphs of the k-th article of a site, printed on no other of its pages."""
    day = ("in the north", "in the south", "on the islands")[k]
    return [f"{TITLE} {day}", *(f"{p[:-1]} {day}." for p in (LEAD, MORE, LAST))]


def _site(texts: list[str], site: str = "harbourwire.example") -> list[PageResult]:
    pages = [_page(f"p{k}", site, text) for k, text in enumerate(texts)]
    return segment(pages, line_stats(pages))


def _bodies(results: list[PageResult]) -> list[str]:
    return [p for r in results for c in r.copies for p in c.text.split("\n\n")]


def test_unmarked_headlines_under_a_short_label_stay_out_of_the_article() -> None:
    links = ["Bridge repairs begin on the north side", "Harbour master retires"]
    for label in (["Read also:"], ["More news", "Read also:"]):
        text = "\n\n".join([TITLE, LEAD, MORE, *label, *links, LAST, END])
        paragraphs = _bodies([_alone(text, title=TITLE)])
        assert not set(links) & set(paragraphs), label


def test_a_numbered_box_under_its_own_heading_after_the_article_stays_out() -> None:
    first = "1. Harbour master retires after forty years at the quay in the old town"
    second = "2. Bridge repairs begin on the north side of the harbour early next week"
    text = "\n\n".join([TITLE, LEAD, MORE, LAST, "Most read", first, SECOND, second, SECOND_MORE])
    copies = _alone(text, title=TITLE).copies
    assert copies[0].text.split("\n\n")[-1] == LAST


def test_a_long_sentence_announcing_a_list_after_the_last_paragraph_keeps_its_list() -> None:
    intro = "In her book the harbour master sets out the three rules she keeps for a long life:"
    rules = ["- Take time to dream", "- Stay active", "- Keep your friends close"]
    text = "\n\n".join([TITLE, LEAD, MORE, LAST, intro, *rules])
    (copy,) = _alone(text, title=TITLE).copies
    assert copy.text.split("\n\n")[-2:] == rules[1:]


def test_a_long_colon_appeal_the_site_prints_on_its_other_pages_is_no_body() -> None:
    appeal = "Sign up for our newsletter and get the best stories of the week in your inbox:"
    texts = ["\n\n".join([*_story(k), appeal]) for k in range(3)]
    assert appeal not in _bodies(_site(texts))


def test_handles_semicolon_links_and_tracker_scripts_are_no_code() -> None:
    handles = ["Follow us", "@harbourwire", "@quaylines", "@ferrynews"]
    links = ["Privacy policy;", "Terms of use;", "Cookie settings;"]
    for extra in (handles, links):
        text = "\n\n".join([TITLE, LEAD, MORE, LAST, *extra])
        assert not set(extra) & set(_bodies([_alone(text, title=TITLE)])), extra
    script = [
        "window.dataLayer = window.dataLayer || [];",
        "function gtag(){dataLayer.push(arguments);}",
        "gtag('js', new Date());",
        "gtag('config', 'UA-1');",
    ]
    texts = ["\n\n".join([*_story(k), *script]) for k in range(3)]
    assert not set(script) & set(_bodies(_site(texts)))


def test_a_box_of_headlines_written_as_a_table_after_the_article_stays_out() -> None:
    box = [
        "| Most read | |",
        "|---|---|",
        "| Bridge repairs begin on the north side | |",
        "| Harbour master retires | |",
    ]
    text = "\n\n".join([TITLE, LEAD, MORE, LAST, END, *box])
    (copy,) = _alone(text, title=TITLE).copies
    assert copy.text.split("\n\n")[-1] == END


def test_an_arrow_after_final_punctuation_is_no_pictograph() -> None:
    assert not is_terminal("Read the full story here. ➜")
    link = "Read the full story here. ➜"
    text = "\n\n".join([TITLE, LEAD, MORE, LAST, END, link])
    (copy,) = _alone(text, title=TITLE).copies
    assert copy.text.split("\n\n")[-1] == END


def test_a_heading_that_names_the_site_is_no_subhead_whatever_its_length() -> None:
    appeal = "Sign up for the Harbourfolk newsletter and never miss a story"
    page = _page("p", "harbourfolk.example", "\n\n".join([TITLE, LEAD, MORE, appeal, LAST, END]))
    (result,) = segment([page], line_stats([page]))
    assert appeal not in _bodies([result])
    assert result.copies[0].text.split("\n\n") == [LEAD, MORE]


def test_two_flattened_teasers_with_headlines_between_them_stay_apart() -> None:
    links = ["- Harbour master retires", "- Bridge repairs begin"]
    text = "\n\n".join([TITLE, FLAT, *links, FLAT_TOO])
    copies = _alone(text, title=TITLE).copies
    assert len(copies) == 2
    assert not set(links) & set(_bodies([_alone(text, title=TITLE)]))


def test_a_wire_agency_name_between_two_untitled_briefs_closes_the_first() -> None:
    others = [
        _page(f"o{k}", f"site{k}.example", "\n\n".join([f"Brief {k} of the day", LEAD, "AFP"]))
        for k in (1, 2)
    ]
    page = _page("p", "here.example", "\n\n".join([TITLE, LEAD, MORE, "AFP", SECOND, SECOND_MORE]))
    pages = [*others, page]
    copies = segment(pages, line_stats(pages))[-1].copies
    assert copies[0].text.split("\n\n")[-1] == MORE
    assert SECOND not in copies[0].text


def test_a_lone_divider_between_paragraphs_joins_no_paragraph() -> None:
    for divider in ("*", "—"):
        text = "\n\n".join([TITLE, LEAD, MORE, divider, LAST, END])
        assert [line.text for line in split_lines(text)][3:5] == [divider, LAST]
        (copy,) = _alone(text, title=TITLE).copies
        assert LAST in copy.text.split("\n\n")


# Lines a site prints on several pages split no article of it: under an intro the site
# prints elsewhere the marked items are still stepped over, a prose appeal with a colon is
# bridged (and stays out of the body), a text table whose head alone recurs is a table, and
# a numbered box of teasers after the last paragraph stays out.


def _copies(results: list[PageResult]) -> list[list[str]]:
    return [c.text.split("\n\n") for r in results for c in r.copies]


def test_marked_items_under_an_intro_the_site_prints_elsewhere_stay_in_the_article() -> None:
    items = (["- a cup of oat milk", "- two eggs"], ["- a pinch of salt", "- some butter"])
    for intro in ("Ingredients:", "At a glance:"):
        texts = []
        for k, marked in enumerate(items):
            title, lead, more, last = _story(k)
            texts.append("\n\n".join([title, lead, more, intro, *marked, last]))
        copies = _copies(_site(texts))
        assert len(copies) == 2, intro
        for k, body in enumerate(copies):
            assert items[k][0] in body and body[-1] == _story(k)[3], intro


def test_a_colon_appeal_the_site_prints_between_paragraphs_splits_no_article() -> None:
    appeal = "Sign up for our newsletter and get the best stories of the week in your inbox:"
    texts = []
    for k in range(3):
        title, lead, more, last = _story(k)
        texts.append("\n\n".join([title, lead, more, appeal, last]))
    copies = _copies(_site(texts))
    assert len(copies) == 3
    for k, body in enumerate(copies):
        assert appeal not in body
        assert body[-1] == _story(k)[3]


def test_a_text_table_whose_head_alone_the_site_prints_elsewhere_is_the_articles() -> None:
    head = ["| Crossing | Winter | Summer |", "|---|---|---|"]
    boats = ("Island", "Harbour", "Lighthouse", "Quay")
    texts = []
    for k, boat in enumerate(boats):
        title, lead, more, last = _story(k % 3)
        rows = [f"| {boat} early | 6 a day | 8 a day |", f"| {boat} late | 2 a day | 4 a day |"]
        end = f"The {boat.lower()} boat keeps its fares, the company said."
        texts.append("\n\n".join([f"{title} ({boat})", lead, more, *head, *rows, last, end]))
    copies = _copies(_site(texts))
    assert len(copies) == 4
    for boat, body in zip(boats, copies, strict=True):
        assert f"| {boat} late | 2 a day | 4 a day |" in body
        assert body[-1] == f"The {boat.lower()} boat keeps its fares, the company said."


def test_a_numbered_box_of_teasers_after_the_last_paragraph_stays_out() -> None:
    first = "1. Harbour master retires after forty years at the quay in the old town"
    second = "2. Bridge repairs begin on the north side of the harbour early next week"
    box = [first, SECOND, second, SECOND_MORE]
    text = "\n\n".join([TITLE, LEAD, MORE, LAST, *box])
    assert _alone(text, title=TITLE).copies[0].text.split("\n\n")[-1] == LAST
    texts = ["\n\n".join([*_story(k), *box]) for k in range(3)]
    for k, result in enumerate(_site(texts)):
        body = result.copies[0].text.split("\n\n")
        assert body[-1] == _story(k)[3]
        assert SECOND not in body


def test_a_box_under_its_own_subhead_after_the_article_stays_out_though_its_items_are_marked() -> (
    None
):
    links = ["- Bridge repairs begin on the north side", "- Harbour master retires"]
    footer = "Comments are closed on this page, but you can write to the editors at any time."
    texts = ["\n\n".join([*_story(k), "More news", "Read also:", *links, footer]) for k in range(3)]
    for k, body in enumerate(_copies(_site(texts))[:3]):
        assert body[-1] == _story(k)[3]
        assert links[0] not in body and footer not in body


def test_a_colon_sentence_of_an_article_the_site_prints_twice_stays_in_it() -> None:
    said = (
        "Asked whether the new crossings would be kept in the winter, the head of the "
        "company, who has run it for twenty years, paused and added:"
    )
    quote = "We will see how many people take the boats before we decide anything at all."
    title, lead, more, last = _story(0)
    story = "\n\n".join([title, lead, more, said, quote, last])
    texts = [story, story, "\n\n".join(_story(1))]
    for body in _copies(_site(texts))[:2]:
        assert said in body and body[-1] == last


def test_a_short_last_paragraph_after_a_colon_appeal_stays_in_the_article() -> None:
    appeal = "Sign up for our newsletter and get the best stories of the week in your inbox:"
    short = ["The vote is on Monday.", "Boats run as usual.", "More news follows soon."]
    texts = ["\n\n".join([*_story(k), appeal, short[k]]) for k in range(3)]
    for k, body in enumerate(_copies(_site(texts))[:3]):
        assert appeal not in body
        assert body[-1] == short[k]


def test_a_table_box_the_site_prints_under_every_article_stays_out() -> None:
    head = ["| Weather | Today | Tomorrow |", "|---|---|---|"]
    texts = []
    for k in range(4):
        town, coast = (
            ("Harbour", "Quay", "Old town", "Bay")[k],
            ("Islands", "Cape", "Dunes", "Pier")[k],
        )
        rows = [f"| {town} | {10 + k} C | {12 + k} C |", f"| {coast} | {8 + k} C | {9 + k} C |"]
        texts.append("\n\n".join([*_story(k % 3), *head, *rows]))
    for k, body in enumerate(_copies(_site(texts))[:4]):
        assert body[-1] == _story(k % 3)[3]
        assert not any(p.startswith("|") for p in body)


def test_the_agency_a_dateline_names_is_the_copys_source() -> None:
    lead = "PORTVALE, May 7 (Harbour Wire) - " + LEAD
    text = "\n\n".join(["Ferry crossings to double", lead, MORE, LAST, END])
    [copy] = _alone_with_source(text, source="Portvale Post").copies
    assert copy.source == "Harbour Wire"  # who wrote it, not the outlet that printed it
    assert copy.text.startswith(LEAD)


STANDFIRST = "Two more crossings a day from June, and the fares stay as they are this year."


def test_a_byline_and_date_line_between_the_standfirst_and_the_body_stay_in_the_article() -> None:
    caption = "The new ferry at the quay on Monday [Ferry Company]"
    for head in (
        ["By Ann Example", "May 1, 2019"],
        ["Updated May 1, 2019 6:33 AM CDT", caption],
        ["2 min read", "Posted on May 1, 2019", "By Ann Example", caption],
    ):
        text = "\n\n".join([TITLE, STANDFIRST, *head, LEAD, MORE, LAST])
        (copy,) = _alone(text).copies
        assert copy.title == TITLE and copy.date == "2019-05-01"
        assert copy.text.split("\n\n") == [STANDFIRST, LEAD, MORE, LAST]  # the head stays out
        assert copy.caption == (caption if caption in head else None)


def test_a_date_line_over_the_next_headline_still_closes_a_brief() -> None:
    second = "Harbour bar reopens"
    text = "\n\n".join([TITLE, STANDFIRST, "May 2, 2019", second, LEAD, MORE, LAST])
    result = _alone(text)
    assert [c.title for c in result.copies] == [TITLE, second]


def test_a_story_told_in_one_paragraph_under_a_date_line_is_an_article() -> None:
    flat = " ".join([LEAD, MORE, LAST, END])
    (copy,) = _alone("\n\n".join(["May 1, 2019", flat])).copies
    assert copy.text == flat and copy.date == "2019-05-01"
    assert not _alone(flat).copies  # no title, no date: a paragraph alone is no article


def test_a_call_to_action_between_paragraphs_titles_nothing_and_stays_out() -> None:
    prompt = "Get our award-winning daily ferry email featuring timetables, fares and harbour news"
    text = "\n\n".join([TITLE, LEAD, prompt, MORE, LAST, END])
    (copy,) = _alone(text).copies
    assert copy.title == TITLE
    assert copy.text.split("\n\n") == [LEAD, MORE, LAST, END]
    short = "\n\n".join([TITLE, LEAD, MORE, "Sign up to our daily newsletter", LAST, END])
    (copy,) = _alone(short).copies
    assert "Sign up" not in copy.text and copy.text.split("\n\n")[-1] == END


def test_an_advertisement_slot_between_paragraphs_is_no_source_and_ends_nothing() -> None:
    # Printed over the title and twice in the body, as pages print their ad slots.
    text = "\n\n".join(
        ["Advertisement", TITLE, LEAD, MORE, "- Advertisement -", LAST, "Advertisement", END]
    )
    (copy,) = _alone(text).copies
    assert copy.title == TITLE and copy.source is None
    assert copy.text.split("\n\n") == [LEAD, MORE, LAST, END]


# What the rules above must not do (cases a review of them raised).
B1 = "The harbour bar reopened on Tuesday after two years of repairs to its old stone walls."
B2 = "Its owners said the terrace would open in May. The kitchen will follow in the summer."
B3 = "Bookings can be made by phone. The bar will close on Mondays, its owners said."
_X = " It is the same every winter, and the staff at the quay cannot say when the boat will come."
C1 = (
    "I took this ferry every week for ten years and it was never on time. The new crossings "
    "will not fix that. The company should first fix the timetable it has." + _X
)
C2 = (
    "Good news for the island at last. My family has waited years for a later crossing in "
    "the evening. I hope the fares really do stay the same this time." + _X
)
C3 = (
    "Who pays for the extra fuel? The council gave the company money last spring and nobody "
    "has said where it went. I would like to see the accounts first." + _X
)


def test_a_headline_closing_with_a_tag_still_heads_the_next_article() -> None:
    second = "Harbour bar reopens [VIDEO]"
    text = "\n\n".join([TITLE, STANDFIRST, "May 2, 2019", second, B1, B2, B3])
    assert [c.title for c in _alone(text).copies] == [TITLE, second]
    (copy,) = _alone("\n\n".join([second, B1, B2, B3])).copies
    assert copy.title == second


def test_a_dated_paragraph_that_is_not_the_pages_story_is_no_article() -> None:
    # Teasers of a dated list, an author's note under an article, a live blog's entries: no
    # untitled article of their own.
    live = ["Ferry strike: live updates", STANDFIRST, "May 1, 2019 10:32 AM", C1]
    for paragraphs in (
        ["Latest news", "May 1, 2019", C1, "May 2, 2019", C2, "May 3, 2019", C3],
        [TITLE, LEAD, MORE, LAST, END, "Updated May 1, 2019 6:33 AM CDT", C1],
        [*live, "May 1, 2019 11:05 AM", C2, "May 1, 2019 11:40 AM", C3],
    ):
        copies = _alone("\n\n".join(paragraphs)).copies
        assert len(copies) <= 1 and all(c.title is not None for c in copies), paragraphs[0]


def test_the_next_articles_dateline_under_a_brief_opens_a_new_article() -> None:
    brief = "PORTVALE, May 1 (MPA) - The ferry company will add two crossings a day from June."
    wire = "NORTHPORT, May 2 (MPA) - The harbour bar reopened on Tuesday after two years."
    text = "\n\n".join([TITLE, brief, "May 1, 2019", wire, B2, B3])
    assert len(_alone(text).copies) == 2


def test_a_read_more_slot_printed_on_several_sites_is_no_source() -> None:
    # Printed alone on several sites, a short line is taken for an agency's name; a slot's
    # label (language data) is not one, and a body steps over it.
    texts = [
        "\n\n".join([TITLE, LEAD, MORE, "READ MORE", LAST, END]),
        "\n\n".join(["Harbour bar reopens", B1, "READ MORE", B2, B3]),
        "\n\n".join(["Ferry strike called off", C1, "READ MORE", C2, C3]),
    ]
    pages = [
        Page(
            id=f"p{n}",
            uri=None,
            format="html",
            content_hash=f"h{n}",
            raw=b"",
            text=text,
            site=f"site{n}.example",
        )
        for n, text in enumerate(texts)
    ]
    for result in segment(pages, line_stats(pages)):
        (copy,) = result.copies
        assert copy.source is None and "READ MORE" not in copy.text
