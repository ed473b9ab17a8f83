"""Tables of figures found from the shape of a page's lines (`wirecopy.stages.tables`)."""

from __future__ import annotations

from wirecopy.stages.lines import split_lines
from wirecopy.stages.tables import LABEL, ROW, tables


def _found(text: str, excluded: frozenset[int] = frozenset()) -> list[tuple[str, str]]:
    lines = split_lines(text)
    parts = tables(lines, lambda i: i in excluded)
    return [(lines[i].text, part) for i, part in sorted(parts.items())]


def test_rows_and_the_labels_between_them_form_a_table() -> None:
    text = "\n".join(
        [
            "ACME WIDGETS HALF YEAR RESULTS",
            "Revenue 4.2 bn vs 3.9 bn",
            "Operating loss nil vs 12 mln",
            "Full year",
            "Revenue 8.1 bn vs 7.7 bn",
            "Paid on June 30",
            "Share this",
        ]
    )
    assert _found(text) == [
        ("Revenue 4.2 bn vs 3.9 bn", ROW),
        ("Operating loss nil vs 12 mln", ROW),
        ("Full year", LABEL),
        ("Revenue 8.1 bn vs 7.7 bn", ROW),
        ("Paid on June 30", ROW),
    ]


def test_lone_figures_make_no_table() -> None:
    # Counters, a reading time, a time stamp, a numbered list: figures, but no comparison.
    text = "\n".join(
        [
            "Updated 10:32 AM, March 4, 2026",
            "5 min read",
            "312 reads",
            "1. Harbour traders face 20 per cent rent rise",
            "2. Night buses 31 and 33 to be withdrawn",
            "Comments (4)",
        ]
    )
    assert _found(text) == []


def test_counters_after_a_table_are_left_out() -> None:
    text = "\n".join(
        ["Sales 61 mln vs 58 mln", "Net 3.1 mln vs 2.2 mln", "Like 19", "Read more", "7 shares"]
    )
    assert _found(text) == [("Sales 61 mln vs 58 mln", ROW), ("Net 3.1 mln vs 2.2 mln", ROW)]


def test_excluded_lines_and_wide_gaps_end_a_table() -> None:
    text = "Sales 61 mln vs 58 mln\nNet 3.1 mln vs 2.2 mln\n\n\nSales 9 mln vs 8 mln"
    assert [t for t, _ in _found(text)] == [
        "Sales 61 mln vs 58 mln",
        "Net 3.1 mln vs 2.2 mln",
        "Sales 9 mln vs 8 mln",
    ]
    assert [t for t, _ in _found(text, frozenset({1}))] == [
        "Sales 61 mln vs 58 mln",
        "Sales 9 mln vs 8 mln",
    ]


def test_prose_and_captions_are_no_rows() -> None:
    text = "\n".join(
        [
            "The council voted 9 to 4 on Tuesday to replace the bridge, built in 1961.",
            "Crews at work on the 410 mln crown bridge (Agency/A. Photographer)",
        ]
    )
    assert _found(text) == []


def test_number_words_alone_make_no_table() -> None:
    # A heading holding two number words compares nothing; beside a printed figure, a row of
    # number words is a row.
    assert _found("Kestrel Owls Take Nil Nil Draw Home\nShare this") == []
    text = "Loss nil vs nil\nProfit 4.2 mln vs 3.9 mln"
    assert _found(text) == [("Loss nil vs nil", ROW), ("Profit 4.2 mln vs 3.9 mln", ROW)]
