"""How body runs hold together on pages written in long paragraphs, lists and other scripts.

Every page here is made up for the test; nothing is taken from the seed pages or from any
evaluation page.
"""

from __future__ import annotations

from wirecopy.records import Page, PageResult
from wirecopy.stages.segment import line_stats, segment


def _page(text: str, **meta: str) -> Page:
    return Page(id="p", uri=None, format="text", content_hash="h", raw=b"", text=text, **meta)  # type: ignore[arg-type]


def _alone(text: str, **meta: str) -> PageResult:
    page = _page(text, **meta)
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


def test_flattened_teasers_under_their_titles_stay_apart() -> None:
    one, two = _long("harbour"), _long("bridge")
    text = "\n\n".join(
        ["Related", "Harbour plan delayed again\n" + one, "Bridge costs rise\n" + two]
    )
    copies = _alone(text).copies
    assert [(c.title, c.text) for c in copies] == [
        ("Harbour plan delayed again", one),
        ("Bridge costs rise", two),
    ]
