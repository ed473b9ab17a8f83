"""Pages assembled at random from known articles are split back into those articles.

The words are generated (random letters), so nothing here resembles the seed pages: titles in
Title Case, photo captions printed twice around widget lines and then echoed with the title,
body paragraphs, widget-like lines (single words, ``A | B`` menus, counters), articles glued
together, and sometimes a related list with flattened teasers. Each page is segmented on its
own (a one-page corpus), so only per-page and prose evidence can decide.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from wirecopy.records import Page
from wirecopy.stages.furniture import byline
from wirecopy.stages.segment import BOILERPLATE, ECHO, LABELS, line_stats, segment

_words = st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=9)


def _sentence(n_min: int, n_max: int) -> st.SearchStrategy[str]:
    return st.lists(_words, min_size=n_min, max_size=n_max).map(
        lambda ws: " ".join([ws[0].capitalize(), *ws[1:]]) + "."
    )


_paragraph = st.lists(_sentence(6, 16), min_size=1, max_size=3).map(" ".join)
# A title opening with a byline word and four words or fewer is a byline ("Von Aaa Aaa Aaa").
_title = (
    st.lists(_words, min_size=4, max_size=9)
    .map(lambda ws: " ".join(w.capitalize() for w in ws))
    .filter(lambda title: not byline(title))
)
_caption = st.tuples(_sentence(8, 14), st.lists(_words, min_size=1, max_size=2)).map(
    lambda t: f"{t[0]} ({'/'.join(w.capitalize() for w in t[1])})"
)
_widget = st.one_of(
    _words.map(str.capitalize),
    st.tuples(_words, _words).map(lambda t: f"{t[0].capitalize()} | {t[1].capitalize()}"),
    st.integers(1, 999).map(str),
    st.tuples(st.integers(2, 99), _words).map(lambda t: f"{t[0]} {t[1]}"),
)


@dataclass(frozen=True)
class Article:
    title: str
    caption: str
    paragraphs: tuple[str, ...]
    widgets: tuple[str, ...]


_article = st.builds(
    Article,
    _title,
    _caption,
    st.lists(_paragraph, min_size=2, max_size=5, unique=True).map(tuple),
    st.lists(_widget, min_size=1, max_size=2).map(tuple),
)
_teaser = st.tuples(_title, st.lists(_sentence(10, 16), min_size=5, max_size=7).map(" ".join))


def _render(article: Article) -> str:
    head = [article.title, "", article.caption, article.caption, *article.widgets, ""]
    echo = [article.title, "", article.caption, article.caption, ""]
    return "\n".join([*head, *echo, "\n\n".join(article.paragraphs)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    articles=st.lists(_article, min_size=1, max_size=3, unique_by=lambda a: a.title),
    teasers=st.lists(_teaser, max_size=2, unique_by=lambda t: t[0]),
    header=st.lists(_widget, max_size=3),
    footer=st.lists(_widget, max_size=3),
    related=_words.map(str.capitalize),
)
def test_random_pages_split_back_into_their_articles(
    articles: list[Article],
    teasers: list[tuple[str, str]],
    header: list[str],
    footer: list[str],
    related: str,
) -> None:
    titles = [a.title for a in articles] + [t for t, _body in teasers]
    texts = [p for a in articles for p in a.paragraphs] + [b for _t, b in teasers]
    assume(len(set(titles)) == len(titles) and len(set(texts)) == len(texts))  # distinct articles
    parts = ["\n".join(header)] if header else []
    parts += [_render(a) for a in articles]
    if teasers:
        parts.append("\n".join([related, "", *(f"{t}\n{body}\n" for t, body in teasers)]))
    parts += ["\n".join(footer)] if footer else []
    text = "\n\n\n\n".join(parts)
    page = Page(id="p", uri=None, format="text", content_hash="h", raw=b"", text=text)
    (result,) = segment([page], line_stats([page]))

    expected: list[tuple[str, str | None, str | None]] = [
        ("\n\n".join(a.paragraphs), a.title, a.caption) for a in articles
    ]
    expected += [(body, title, None) for title, body in teasers]
    got = [(c.text, c.title, c.caption) for c in result.copies]
    assert got == expected
    for widget in {*header, *footer, *(w for a in articles for w in a.widgets)}:
        for block in result.blocks:
            if block.text == widget:
                assert block.label == BOILERPLATE and block.copy_seq is None, block


_noise = st.lists(
    st.one_of(
        st.text(max_size=40),
        _paragraph,
        _title,
        _caption,
        _widget,
        st.sampled_from(
            ["", "", "\r", "- ", "March 3, 2026", "ABC, March 3 (XYZ) - Then it ended."]
        ),
    ),
    max_size=30,
).map("\n".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_noise, site=st.sampled_from([None, "a.example"]), title=st.none() | _title)
def test_any_text_gives_consistent_blocks_and_copies(
    text: str, site: str | None, title: str | None
) -> None:
    page = Page(
        id="p",
        uri=None,
        format="text",
        content_hash="h",
        raw=b"",
        text=text,
        site=site,
        title=title,
    )
    (result,) = segment([page], line_stats([page]))
    assert [b.seq for b in result.blocks] == list(range(len(result.blocks)))
    assert all(b.text and b.text == b.text.strip() for b in result.blocks)
    assert all(0 <= b.start <= b.end <= len(text) for b in result.blocks)
    assert [c.seq for c in result.copies] == list(range(len(result.copies)))
    for copy in result.copies:
        own = [b for b in result.blocks if b.copy_seq == copy.seq]
        assert copy.text == "\n\n".join(b.text for b in own if b.label in ("body", "subhead"))
        assert copy.text
    for block in result.blocks:
        assert block.label in LABELS
        # boilerplate and echoes belong to no copy; every other block to one
        assert (block.copy_seq is None) == (block.label in (BOILERPLATE, ECHO))
