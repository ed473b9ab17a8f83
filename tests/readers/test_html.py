from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import PARAGRAPHS, html_doc
from wirecopy.build import build
from wirecopy.config import BuildConfig
from wirecopy.readers import read
from wirecopy.readers.discover import discover
from wirecopy.readers.pages import site_free_title, site_name, stated_date, structured_body
from wirecopy.records import DATE_IN_MARKUP, Page


def read_one(path: Path) -> Page:
    [source] = discover([path])
    [page] = [p for p in read(source, BuildConfig()) if isinstance(p, Page)]
    return page


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    raw = html_doc("Bridge vote ends three-winter dispute", PARAGRAPHS, site="Brindlemoor Post")
    (tmp_path / "p.html").write_bytes(raw)
    page = read_one(tmp_path / "p.html")
    assert page.status == "ok"
    assert page.format == "html"
    assert page.raw == raw  # the raw HTML is kept
    assert page.title == "Bridge vote ends three-winter dispute"
    assert page.published == "2026-03-04"
    assert page.source == "Brindlemoor Post"
    assert page.text is not None
    for paragraph in PARAGRAPHS:
        assert paragraph in page.text
    assert "<p>" not in page.text


def test_html_with_unclosed_tags_and_no_body_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "broken.html").write_text("<html><head><title>Broken page")
    page = read_one(tmp_path / "broken.html")
    assert page.status == "rejected"
    assert "no article text" in (page.error or "")


def test_html_with_unclosed_tags_but_text_is_recovered(tmp_path: Path) -> None:
    body = "<html><body><div><p>" + PARAGRAPHS[0] + "<p>" + PARAGRAPHS[1]
    (tmp_path / "sloppy.html").write_text(body)
    page = read_one(tmp_path / "sloppy.html")
    assert page.status == "ok"
    assert page.text is not None and PARAGRAPHS[1] in page.text


TEASERS = (
    '<section class="you-may-like"><h3>You may also like</h3>'
    '<article class="card"><h4>Rovers promoted after late drama</h4>'
    "<p>Brackenport Rovers sealed promotion to the first division on Saturday.</p></article>"
    '<article class="card"><h4>Weekend weather</h4><p>Highs of 27 degrees on Saturday.</p>'
    "</article></section>"
    '<section class="read-next"><h2>Read next</h2><ol><li><a href="#">Tram vote delayed</a> '
    "<p>The council postponed the vote on the airport tram to June.</p></li></ol></section>"
)


BODY = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)


def _text(tmp_path: Path, html: bytes) -> str:
    """The text read from ``html`` as a page that is read (status ok)."""
    (tmp_path / "a.html").write_bytes(html)
    page = read_one(tmp_path / "a.html")
    assert page.status == "ok" and page.text is not None
    return page.text


def test_boxes_of_other_stories_teasers_are_not_the_article(tmp_path: Path) -> None:
    # The story in plain <div>s, the teasers in <article> cards: the cards were read first,
    # and their first headline taken for the page's title.
    text = _text(
        tmp_path,
        (
            '<html><head><meta property="og:site_name" content="Test Herald">'
            "<title>Harbour bridge to reopen</title></head><body><div class='wrap'>"
            f"<h1>Harbour bridge to reopen</h1><div class='text'>{BODY}</div>{TEASERS}"
            "</div></body></html>"
        ).encode(),
    )
    assert all(p in text for p in PARAGRAPHS)
    for teaser in ("Rovers", "27 degrees", "Tram vote", "postponed"):
        assert teaser not in text


def test_a_page_whose_article_is_in_such_a_box_is_still_read(tmp_path: Path) -> None:
    html = html_doc("Harbour bridge to reopen", PARAGRAPHS).replace(
        b"<article>", b'<article class="recommended-story">'
    )
    text = _text(tmp_path, html)
    assert all(p in text for p in PARAGRAPHS)


def test_the_box_holding_the_headline_is_the_article_whatever_its_class(tmp_path: Path) -> None:
    text = _text(
        tmp_path,
        (
            "<html><head><title>Harbour bridge to reopen</title></head><body>"
            "<div class='story-body recommended-story'><h1>Harbour bridge to reopen</h1>"
            f"{BODY}</div>{TEASERS}</body></html>"
        ).encode(),
    )
    assert all(p in text for p in PARAGRAPHS)


def _stamped_page(headline: str, title: str) -> bytes:
    """A story whose <h1> trafilatura takes for the title and leaves out of the text, a time
    stamp and a byline after it."""
    return (
        f"<html><head><title>{title}</title></head><body><div class='article-wrap'>"
        f"<h1>{headline}</h1><p class='stamp'>Updated 10:32 AM, May 14, 2024</p>"
        f"<p class='by'>Edda Morn, Test Herald</p>{BODY}</div></body></html>"
    ).encode()


def _article(tmp_path: Path, html: bytes) -> tuple[str, str]:
    """The (title, text) of the one article a build makes of ``html``."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "a.html").write_bytes(html)
    db = tmp_path / "a.db"
    build([tmp_path / "pages"], db, config=BuildConfig(entities=False))
    conn = sqlite3.connect(db)
    [(title, text)] = conn.execute("SELECT title, text FROM articles").fetchall()
    conn.close()
    return str(title), str(text)


def test_a_headline_the_extractor_left_out_heads_the_text(tmp_path: Path) -> None:
    headline = "Harbour bridge to reopen after repairs"
    text = _text(tmp_path, _stamped_page(headline, f"{headline} | Test Herald"))
    assert text.startswith(f"{headline}\n\nUpdated 10:32 AM")
    assert text.count(headline) == 1
    # The page's title is added only as an <h1> prints it.
    other = _text(tmp_path, _stamped_page("Latest news", f"{headline} | Test Herald"))
    assert headline not in other


def test_an_article_under_a_dropped_headline_is_titled_by_it(tmp_path: Path) -> None:
    """Not by the byline printed under it, as when the headline was missing from the text."""
    headline = "Harbour bridge to reopen after repairs"
    title, text = _article(tmp_path, _stamped_page(headline, headline))
    assert title == headline
    assert text.startswith(PARAGRAPHS[0])


def test_a_lede_opening_in_mixed_case_stays_the_articles_first_paragraph(tmp_path: Path) -> None:
    # Under the headline put back, ``iPhone owners ...`` read as the rest of a sentence the
    # markup broke: headline and lede became one caption, and the lede left the text.
    headline = "Phone maker fixes the eye contact of video calls"
    lede = (
        "iPhone owners in Brindlemoor will see the change on Monday, when the update reaches "
        "every phone sold in the last three years."
    )
    title, text = _article(
        tmp_path,
        (
            f"<html><head><title>{headline}</title></head><body><div class='article-wrap'>"
            f"<h1>{headline}</h1><p>{lede}</p>{BODY}</div></body></html>"
        ).encode(),
    )
    assert title == headline
    assert text.startswith(lede)


@pytest.mark.parametrize(
    ("title", "names", "clean"),
    [
        ("Court rules on fraud case | CNN Politics", ["CNN", "www.cnn.com"],
         "Court rules on fraud case"),
        ("What is Rust? - Stack Overflow Blog", ["Stack Overflow Blog", "stackoverflow.blog"],
         "What is Rust?"),
        ("Uncork the Frühburgunder | DW | 10.06.2013", ["DW.COM", "www.dw.com"],
         "Uncork the Frühburgunder"),
        ("LinkNaija | Nigeria's news platform: Actress wins award",
         ["LinkNaija | Nigeria's news platform", "www.linknaija.com"], "Actress wins award"),
        ("Library reopens | Regional Review", [None, "regionalreview.example"], "Library reopens"),
        # Headlines that name the site, or hold a dash of their own, are kept whole.
        ("BBC journalist arrested - BBC News", ["BBC News", "www.bbc.co.uk"],
         "BBC journalist arrested"),
        ("BBC cuts jobs", ["BBC", "www.bbc.co.uk"], "BBC cuts jobs"),
        ("Paris - Berlin in four hours", [None, "www.sncf.com"], "Paris - Berlin in four hours"),
        ("Rust 1.0 - 2015-05-15", ["Rust Blog", "blog.rust-lang.org"], "Rust 1.0 - 2015-05-15"),
        ("Home | Example News", ["Example News", "example.com"], "Home | Example News"),
        (None, ["CNN"], None),
    ],
)  # fmt: skip
def test_the_sites_name_is_taken_off_the_title(
    title: str | None, names: list[str | None], clean: str | None
) -> None:
    assert site_free_title(title, names) == clean


def test_an_article_under_no_printed_headline_is_titled_without_the_sites_name(
    tmp_path: Path,
) -> None:
    title, _text = _article(
        tmp_path,
        (
            '<html><head><meta property="og:title" '
            'content="Harbour bridge to reopen | Test Herald Politics">'
            '<meta property="og:site_name" content="Test Herald"></head><body>'
            f"<div class='article-wrap'>{BODY}</div></body></html>"
        ).encode(),
    )
    assert title == "Harbour bridge to reopen"


def _dated_page(head: str, foot: str, url_path: str = "news") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f"<html><head><title>Bridge vote ends three-winter dispute</title>{head}</head><body>"
        f"<article><h1>Bridge vote ends three-winter dispute</h1>{body}</article>"
        f'<footer><a href="https://example.org/{url_path}">More</a>{foot}</footer></body></html>'
    ).encode()


@pytest.mark.parametrize(
    ("head", "foot", "url_path"),
    [
        ("", "<p>© 2016 Brindlemoor Post. All rights reserved.</p>", "news"),  # a year only
        ("", "", "archive/2000/01/index"),  # a year and a month in a link
    ],
)
def test_a_date_guessed_from_a_year_or_a_month_is_no_date(
    tmp_path: Path, head: str, foot: str, url_path: str
) -> None:
    (tmp_path / "p.html").write_bytes(_dated_page(head, foot, url_path))
    page = read_one(tmp_path / "p.html")
    assert page.status == "ok" and "Bridge vote" in (page.text or "")
    assert page.published is None


@pytest.mark.parametrize(
    ("head", "foot", "expected"),
    [
        ('<meta property="article:published_time" content="2016-01-01T09:30Z">', "", "2016-01-01"),
        (
            '<script type="application/ld+json">{"@type": "NewsArticle", '
            '"datePublished": "20170501T055000+0900"}</script>',
            "",
            "2017-05-01",
        ),
        ("", "<p>Published 1 January 2016</p><p>© 2016 Brindlemoor Post</p>", "2016-01-01"),
        ("", "<p>Stand: 01.01.2016, 10:00 Uhr</p>", "2016-01-01"),
        ("", "<p>Published January&nbsp;1,&#160;2016</p>", "2016-01-01"),  # entities
    ],
)
def test_a_date_on_the_first_of_a_month_is_kept_when_the_page_states_the_day(
    tmp_path: Path, head: str, foot: str, expected: str
) -> None:
    (tmp_path / "p.html").write_bytes(_dated_page(head, foot))
    assert read_one(tmp_path / "p.html").published == expected


# A page its scripts render: the markup prints a deck (trafilatura keeps it: it is longer
# than its own JSON-LD fallback's bar), the whole article is in the schema.org data.
_DECK = (
    "<p>Three winters of quarrelling over the old swing bridge of Brindlemoor came to an end "
    "this week, when the harbour council chose to rebuild the span rather than close it, and "
    "set aside money for a landing stage while the work goes on. Fishermen, carters and the "
    "tram company had each asked for something else; none of them got all of it.</p>"
)
_MORE = [
    "The vote was seven to two. The two councillors who voted against it said the cost had "
    "been put too low and that the town would pay for the difference for a generation.",
    "Work on the new span is to begin in March. The council expects the bridge to be closed "
    "to carts for eleven weeks and to trams for a fortnight longer than that.",
    "The harbour master said ships would pass as before, since the swing gear of the old "
    "bridge is to be kept and mended rather than replaced with a lifting deck.",
]


_HEADLINE = "Bridge vote ends three-winter dispute"


def _scripted_page(ld: str, markup: str = _DECK) -> bytes:
    return (
        f"<html><head><title>{_HEADLINE}</title>"
        f'<script type="application/ld+json">{ld}</script></head>'
        f'<body><h1>{_HEADLINE}</h1><div id="app">{markup}</div>'
        "</body></html>"
    ).encode()


def _ld(body: str) -> str:
    graph = [
        {"@type": "WebPage", "name": "Bridge vote"},
        {"@type": "OpinionNewsArticle", "headline": _HEADLINE, "articleBody": body},
    ]
    return json.dumps({"@context": "https://schema.org", "@graph": graph})


def test_a_page_its_scripts_render_is_read_from_its_schema_org_body(tmp_path: Path) -> None:
    (tmp_path / "p.html").write_bytes(_scripted_page(_ld(" ".join(PARAGRAPHS + _MORE))))
    page = read_one(tmp_path / "p.html")
    assert page.status == "ok" and page.text is not None
    for paragraph in PARAGRAPHS + _MORE:
        assert paragraph in page.text
    assert "Three winters of quarrelling" not in page.text
    assert page.meta["text_from"] == "json-ld articleBody"
    assert page.text.startswith(f"{_HEADLINE}\n\n")  # the h1 heads it


def test_a_schema_org_body_in_markup_keeps_its_paragraphs(tmp_path: Path) -> None:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS + _MORE).replace("<p>", "<p>&amp; ", 1)
    (tmp_path / "p.html").write_bytes(_scripted_page(_ld(body)))
    page = read_one(tmp_path / "p.html")
    assert page.text is not None
    assert page.text.split("\n\n")[1:] == ["& " + PARAGRAPHS[0], *PARAGRAPHS[1:], *_MORE]


def test_the_markups_text_stands_when_it_holds_the_article(tmp_path: Path) -> None:
    markup = "".join(f"<p>{p}</p>" for p in PARAGRAPHS + _MORE)
    (tmp_path / "p.html").write_bytes(_scripted_page(_ld(" ".join(PARAGRAPHS + _MORE)), markup))
    page = read_one(tmp_path / "p.html")
    assert page.text is not None and "text_from" not in page.meta
    assert page.text.split("\n\n")[-len(_MORE) :] == _MORE  # its paragraphs kept


@pytest.mark.parametrize(
    "ld",
    [
        '{"articleBody": "The vote',
        "[" * 100_000 + "]" * 100_000,
        '{"articleBody": 42}',
        '{"articleBody": "'
        + "Harriers win. " * 200
        + '", "url": "http://[broken", "headline": "Bridge"}',
    ],
    ids=["broken", "deep", "not-text", "bad-url-short-headline"],
)
def test_a_bad_schema_org_body_leaves_the_markups_text(tmp_path: Path, ld: str) -> None:
    (tmp_path / "p.html").write_bytes(_scripted_page(ld + ' "articleBody"'))
    page = read_one(tmp_path / "p.html")
    assert page.status == "ok" and "text_from" not in page.meta
    assert page.text is not None and "Three winters of quarrelling" in page.text


def test_a_schema_org_body_of_another_article_is_not_the_pages(tmp_path: Path) -> None:
    # The data lists a related story too, longer than the page's own, which is printed.
    markup = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    other = " ".join(["The harriers of Calder beat the rovers of Dunmarrow by three goals."] * 30)
    ld = json.dumps(
        {
            "@type": "ItemList",
            "itemListElement": [
                {
                    "@type": "NewsArticle",
                    "headline": "Harriers win",
                    "articleBody": other,
                    "url": "https://example.org/sport/harriers",
                }
            ],
        }
    )
    (tmp_path / "p.html").write_bytes(_scripted_page(ld, markup))
    page = read_one(tmp_path / "p.html")
    assert page.text is not None and "text_from" not in page.meta
    assert PARAGRAPHS[0] in page.text and "harriers" not in page.text


def test_a_schema_org_body_is_markup_only_where_it_holds_tags(tmp_path: Path) -> None:
    prose = " ".join(PARAGRAPHS + _MORE).replace(
        "The vote", "Costs rose where a<b held, and x <y and z> w. The vote"
    )
    (tmp_path / "p.html").write_bytes(_scripted_page(_ld(prose)))
    page = read_one(tmp_path / "p.html")
    assert page.text is not None and page.meta["text_from"] == "json-ld articleBody"
    assert "where a<b held, and x <y and z> w. The vote" in page.text


def test_a_first_of_the_month_printed_in_a_legacy_encoding_is_stated() -> None:
    page = '<meta charset="iso-8859-1"><p>Stand: 1. M\u00e4rz 2016</p>'.encode("latin-1")
    assert stated_date("2016-03-01", page) == "2016-03-01"
    assert stated_date("2016-03-01", b"<p>\xa9 2016</p>") is None


def test_a_malformed_url_in_schema_org_data_names_no_page() -> None:
    ld = json.dumps(
        {"@type": "NewsArticle", "articleBody": "Harriers win. " * 50, "url": "http://[x"}
    )
    raw = _scripted_page(ld)
    assert structured_body(raw, url="https://example.org/news/bridge") is None
    assert structured_body(raw, url="http://[x") is not None  # the same text names it


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("Test Herald", "Test Herald"),
        ("Historische Wehranlage in Horka e.V", "Historische Wehranlage in Horka e.V"),
        (None, None),
        ("", None),
        # What trafilatura guesses on a page with no site name tag: the headline, a caption.
        ("He Skipped Bail 7 Years Ago. Now, Harbour Chief Hears His Fate", None),
        ("Copyright 2003 - 2019 by example.de GbR Karl Example, Ulrike Example", None),
    ],
)
def test_a_site_name_longer_than_a_name_is_no_source(name: str | None, kept: str | None) -> None:
    assert site_name(name) == kept


def test_a_page_without_a_site_name_tag_has_no_headline_for_its_source(tmp_path: Path) -> None:
    headline = "Harbour chief quits after seven years. Now the port waits for his successor"
    path = tmp_path / "p.html"
    path.write_bytes(
        (
            f"<html><head><title>{headline} | www.example.com</title></head><body>"
            f"<h1>{headline}</h1><div class='article-wrap'>{BODY}</div></body></html>"
        ).encode()
    )
    # trafilatura takes the title's part before the host for the site's name.
    assert read_one(path).source is None


def test_a_date_written_in_the_markup_is_marked_so(tmp_path: Path) -> None:
    dated = tmp_path / "dated.html"
    dated.write_bytes(
        (
            '<html><head><meta property="article:published_time" content="2019-07-24T09:00Z">'
            f"</head><body><h1>Ferry adds crossings</h1>{BODY}</body></html>"
        ).encode()
    )
    page = read_one(dated)
    assert page.published == "2019-07-24" and page.meta.get(DATE_IN_MARKUP) == "yes"
    mentioned = tmp_path / "mentioned.html"
    mentioned.write_bytes(
        (
            "<html><body><h1>Ferry adds crossings</h1><p>The route was first proposed on "
            f"June 2, 2021, the council said.</p>{BODY}</body></html>"
        ).encode()
    )
    assert DATE_IN_MARKUP not in read_one(mentioned).meta
