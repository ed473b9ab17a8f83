"""Pages whose article is a table of figures, and the other evidence that keeps short articles.

The words are invented (random letters in the property test); nothing here is taken from the
seed pages or from Reuters.
"""

from __future__ import annotations

import json
import string
from importlib import resources

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from wirecopy.records import Page, PageResult
from wirecopy.stages.segment import BODY, BOILERPLATE, SUBHEAD, TITLE, line_stats, segment


def _page(text: str, n: int = 0, site: str | None = None) -> Page:
    return Page(
        id=f"p{n}", uri=None, format="text", content_hash=f"h{n}", raw=b"", text=text, site=site
    )


def _alone(text: str) -> PageResult:
    page = _page(text)
    (result,) = segment([page], line_stats([page]))
    return result


def test_a_table_under_its_title_is_the_copy() -> None:
    rows = ["Revenue 4.2 bn vs 3.9 bn", "Operating loss nil vs 12 mln", "Paid on June 30"]
    title = "ACME WIDGETS HALF YEAR RESULTS"
    result = _alone("\n\n".join(["Menu | Search", title, *rows, "Print"]))
    (copy,) = result.copies
    assert copy.title == "ACME WIDGETS HALF YEAR RESULTS"
    assert copy.text == "\n\n".join(rows)
    labels = {b.text: b.label for b in result.blocks}
    assert labels["Menu | Search"] == labels["Print"] == BOILERPLATE
    assert all(labels[row] == BODY for row in rows)


def test_a_lead_paragraph_and_its_table_are_one_copy() -> None:
    lead = "The harbour board said its results for the half year were as follows."
    rows = ["Cargo 4.1 mln tonnes vs 3.8 mln", "Ships 1,204 vs 1,150"]
    result = _alone("\n".join(["Harbour board reports busier half year", lead, *rows]))
    (copy,) = result.copies
    assert copy.title == "Harbour board reports busier half year"
    assert copy.text == "\n\n".join([lead, *rows])


def test_a_headline_with_figures_over_prose_stays_the_title() -> None:
    body = [
        "Two people were killed and 15 hurt when a gas main blew up in the old town.",
        "Firefighters said the blast destroyed three shops and damaged a school nearby.",
    ]
    result = _alone("\n\n".join(["Two killed, 15 hurt in gas blast", *body]))
    (copy,) = result.copies
    assert copy.title == "Two killed, 15 hurt in gas blast"
    assert copy.text == "\n\n".join(body)


def test_time_stamps_and_counters_over_a_body_stay_out_of_it() -> None:
    body = [
        "The council voted on Tuesday to replace the old bridge over the estuary.",
        "Work is due to begin next year and to take three years, officials said.",
    ]
    head = ["Council votes to replace old bridge", "Updated 10:32 AM, March 4, 2026", "5 min read"]
    result = _alone("\n".join([*head, *body, "312 reads", "Comments (4)"]))
    (copy,) = result.copies
    assert copy.text == "\n\n".join(body)
    labels = {b.text: b.label for b in result.blocks}
    assert labels["312 reads"] == labels["Comments (4)"] == BOILERPLATE


def test_a_syndicated_headline_is_a_title_not_a_source_name() -> None:
    # A headline in capitals printed alone on several sites is not an agency's name.
    title = "Harbour Board Raises Fees"
    body = (
        "The harbour board said it would raise its fees by five pct from July. It blamed "
        "higher costs for dredging and for repairs to the quays. Shipping lines said they "
        "would pass the rise on to their customers, and importers warned of higher prices."
    )
    pages = [_page(f"{title}\n\n{body}", n, site=f"s{n}.example") for n in range(3)]
    results = segment(pages, line_stats(pages))
    for result in results:
        (copy,) = result.copies
        assert copy.title == title
        assert copy.text == body


def test_a_story_a_site_prints_twice_is_kept_on_both_pages() -> None:
    body = (
        "The harbour board said it would raise its fees by five pct from July. It blamed "
        "higher costs for dredging and for repairs to the quays. Shipping lines said they "
        "would pass the rise on to their customers, and importers warned of higher prices."
    )
    site = "a.example"
    pages = [
        _page(f"Harbour board raises fees\n\n{body}\n\nShare | Print", 0, site),
        _page(f"Harbour board raises fees\n\n{body}\n\nShare | Print", 1, site),
        _page("Other news of the day\n\nA short note about the weather today.", 2, site),
    ]
    results = segment(pages, line_stats(pages))
    assert [len(r.copies) for r in results[:2]] == [1, 1]
    assert all(r.copies[0].text == body for r in results[:2])


def test_a_short_headline_with_a_year_titles_a_flattened_body() -> None:
    body = (
        "Parliament passed the budget shortly before midnight on Friday. The vote was 241 "
        "to 190. The opposition said it would fight the tax rises in the upper house, where "
        "the government has no majority of its own."
    )
    (copy,) = _alone(f"Parliament passes 2027 budget\n\n{body}").copies
    assert copy.title == "Parliament passes 2027 budget"
    assert copy.text == body


def test_a_flattened_body_naming_the_site_in_passing_is_an_article() -> None:
    body = (
        "The harbour board said it would raise its fees by five pct from July. It blamed "
        "higher costs for dredging and for repairs to the quays. Shipping lines said they "
        "would pass the rise on to their customers. Importers warned of higher prices. Read "
        "more business stories from the Harbour Gazette."
    )
    page = _page(f"Harbour board raises fees\n\n{body}", site="harbour-gazette.example")
    (result,) = segment([page], line_stats([page]))
    assert [c.text for c in result.copies] == [body]


# Numbers written as words are figures (the language data): no label or title is one.
_NUMBERS = json.loads(resources.files("wirecopy").joinpath("data/segment.json").read_text())
_word = st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=8).filter(
    lambda w: w not in _NUMBERS["numbers"]
)
_figure = st.one_of(
    st.integers(1, 99_999).map(lambda n: f"{n:,}"),
    st.tuples(st.integers(1, 999), st.integers(0, 9)).map(lambda t: f"{t[0]}.{t[1]}"),
)
_row = st.tuples(_word, _figure, _word, _figure, _word).map(
    lambda t: f"{t[0].capitalize()} {t[1]} {t[2]} vs {t[3]} {t[4]}"
)
_label = st.lists(_word, min_size=1, max_size=3).map(lambda ws: " ".join(ws).capitalize())
_section = st.tuples(_label, st.lists(_row, min_size=1, max_size=4))
_title = st.lists(_word, min_size=4, max_size=8).map(lambda ws: " ".join(ws).upper())
_widget = st.one_of(
    st.tuples(st.integers(2, 999), _word).map(lambda t: f"{t[0]} {t[1]}"),  # ``312 reads``
    st.tuples(_word, _word).map(lambda t: f"{t[0].capitalize()} | {t[1].capitalize()}"),
    _word.map(str.capitalize),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_title,
    rows=st.lists(_row, min_size=1, max_size=5),
    sections=st.lists(_section, max_size=2),
    header=st.lists(_widget, max_size=2),
    footer=st.lists(_widget, max_size=3),
    blank=st.sampled_from(["\n", "\n\n"]),
)
def test_random_tables_are_found_whole_under_their_titles(
    title: str,
    rows: list[str],
    sections: list[tuple[str, list[str]]],
    header: list[str],
    footer: list[str],
    blank: str,
) -> None:
    table = [*rows, *(line for label, more in sections for line in (label, *more))]
    assume(len(set(table)) == len(table) and title not in table)
    assume(not {*header, *footer} & {title, *table})
    text = blank.join([*header, title, *table, *footer])
    result = _alone(text)
    (copy,) = result.copies
    assert copy.title == title
    assert copy.text == "\n\n".join(table)
    labels = {b.text: (b.label, b.copy_seq) for b in result.blocks}
    assert labels[title] == (TITLE, 0)
    for label, _more in sections:
        assert labels[label] == (SUBHEAD, 0)
    for widget in {*header, *footer}:
        assert labels[widget] == (BOILERPLATE, None), widget
