"""`wirecopy serve` over the example corpus: the pages show what the archive holds, the API
gives the export records of DESIGN.md, search takes the CLI's filters, unknown ids are 404."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from click.testing import CliRunner
from web_support import DESIGN_FIELDS, TestClient, all_items, client, esc, fold, text_of

from wirecopy.build import build
from wirecopy.cli import cli
from wirecopy.render import date_span
from wirecopy.search import SearchError, to_fts
from wirecopy.web import views

REPO = Path(__file__).resolve().parents[2]
GOLD = json.loads((REPO / "examples" / "news.gold.json").read_text())


@pytest.fixture(scope="module")
def db(examples: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "news.db"
    build([examples], path)
    return path


@pytest.fixture(scope="module")
def http(db: Path) -> Iterator[TestClient]:
    with client(db) as opened:
        yield opened


@pytest.fixture(scope="module")
def exported(db: Path) -> dict[str, list[dict[str, Any]]]:
    """What `wirecopy export` writes for each kind."""
    out = {}
    for kind in DESIGN_FIELDS:
        result = CliRunner().invoke(cli, ["export", kind, "--db", str(db)])
        assert result.exit_code == 0, result.output
        out[kind] = [json.loads(line) for line in result.output.splitlines()]
    return out


def _article_id(exported: dict[str, list[dict[str, Any]]], title: str) -> str:
    [found] = [a["id"] for a in exported["articles"] if fold(a["title"]) == fold(title)]
    return str(found)


# The article page -----------------------------------------------------------------------------

SYNDICATED = [key for key, art in GOLD["articles"].items() if len(art["copies"]) > 1]


@pytest.mark.parametrize("key", SYNDICATED)
def test_article_page_lists_every_page_the_gold_file_says_carried_it(
    http: TestClient, exported: dict[str, list[dict[str, Any]]], key: str
) -> None:
    gold = GOLD["articles"][key]
    ident = _article_id(exported, gold["title"])
    got = http.get(f"/articles/{ident}")
    assert got.status_code == 200
    for page_id in gold["copies"]:
        assert f'href="/pages/{quote(page_id, safe="/")}"' in got.text, page_id
    shown = text_of(got.text)
    assert fold(gold["title"]) in fold(shown)
    assert fold(gold["first"]) in fold(shown) and fold(gold["last"]) in fold(shown)
    for site in {page_id.split("/")[0] for page_id in gold["copies"] if ".example" in page_id}:
        assert site in shown


def test_article_page_shows_each_change_of_each_copy_marked(http: TestClient) -> None:
    """Every change the JSON twin lists (word diff and fields) is on the page inside <del> or
    <ins>, escaped."""
    record = http.get("/api/articles", params={"limit": 100}).json()["items"]
    checked = 0
    for art in record:
        copies = http.get(f"/api/articles/{art['id']}/variants").json()
        if len(copies) < 2:
            continue
        page = http.get(f"/articles/{art['id']}").text
        for copy in copies:
            if copy["match"] != "near":
                assert copy["diff"] == [] or all(op["op"] == "equal" for op in copy["diff"])
                continue
            for op in copy["diff"]:
                if op["op"] == "equal":
                    continue
                words = op["text"].split()
                shown = esc(" ".join(words[:20]))
                tag = "del" if op["op"] == "delete" else "ins"
                assert f"<{tag}>{shown}" in page, (art["id"], copy["page"], op)
                checked += 1
            for field in copy["fields"]:
                if field["copy"]:
                    assert f"<ins>{esc(field['copy'])}</ins>" in page
    assert checked >= 10  # the example corpus has many edited copies


def test_article_page_links_its_story_and_entities(
    http: TestClient, exported: dict[str, list[dict[str, Any]]]
) -> None:
    art = max(exported["articles"], key=lambda a: len(a["copies"]))
    page = http.get(f"/articles/{art['id']}").text
    assert f'href="/stories/{art["story"]}"' in page
    assert art["entities"], "the most printed article names someone"
    for entity in art["entities"]:
        assert f'href="/entities/{quote(entity["text"], safe="")}"' in page


# Stories, entities, pages, home ---------------------------------------------------------------


def test_story_page_lists_its_articles_and_top_entities(
    http: TestClient, exported: dict[str, list[dict[str, Any]]]
) -> None:
    titles = {a["id"]: a["title"] for a in exported["articles"]}
    for story in exported["stories"]:
        got = http.get(f"/stories/{story['id']}")
        assert got.status_code == 200
        for ident in story["articles"]:
            assert f'href="/articles/{ident}"' in got.text
            assert esc(titles[ident]) in got.text
        for entity in story["entities"][:15]:
            assert f'href="/entities/{quote(entity["text"], safe="")}"' in got.text
        assert date_span(story["first_date"], story["last_date"]) in text_of(got.text)


def test_gold_stories_are_one_story_each(
    http: TestClient, exported: dict[str, list[dict[str, Any]]]
) -> None:
    """The story page of a gold story's first article lists all of the gold story's articles."""
    for keys in GOLD["stories"]:
        first = _article_id(exported, GOLD["articles"][keys[0]]["title"])
        story = http.get(f"/api/articles/{first}").json()["story"]
        page = http.get(f"/stories/{story}").text
        for key in keys:
            assert (
                f'href="/articles/{_article_id(exported, GOLD["articles"][key]["title"])}"' in page
            )


def test_stories_are_listed_newest_first_in_pages(
    http: TestClient, exported: dict[str, list[dict[str, Any]]]
) -> None:
    listed = all_items(http, "/api/stories", limit=4)
    assert sorted(s["id"] for s in listed) == sorted(s["id"] for s in exported["stories"])
    dates = [s["last_date"] for s in listed if s["last_date"]]
    assert dates == sorted(dates, reverse=True)
    first = http.get("/stories", params={"limit": 2}).text
    second = http.get("/stories", params={"limit": 2, "offset": 2}).text
    assert f'href="/stories/{listed[0]["id"]}"' in first
    assert f'href="/stories/{listed[2]["id"]}"' not in first
    assert f'href="/stories/{listed[2]["id"]}"' in second
    assert "next →" in first and "← previous" in second


def test_entity_page_lists_the_articles_naming_it(
    http: TestClient, exported: dict[str, list[dict[str, Any]]]
) -> None:
    counts: dict[str, int] = {}
    for art in exported["articles"]:
        for entity in art["entities"]:
            counts[entity["text"]] = counts.get(entity["text"], 0) + 1
    name = max(counts, key=lambda k: (counts[k], k))  # named by the most articles
    naming = {a["id"] for a in exported["articles"] if name in {e["text"] for e in a["entities"]}}
    got = http.get(f"/entities/{quote(name, safe='')}")
    assert got.status_code == 200
    for ident in naming:
        assert f'href="/articles/{ident}"' in got.text
    others = {a["id"] for a in exported["articles"]} - naming
    assert not any(f'href="/articles/{ident}"' in got.text for ident in others)
    api = http.get(f"/api/entities/{quote(name.upper(), safe='')}").json()
    assert {a["id"] for a in api["articles"]} == naming and api["article_count"] == len(naming)
    stories = {a["story"] for a in exported["articles"] if a["id"] in naming} - {None}
    assert {s["id"] for s in api["stories"]} == stories


def test_a_form_merged_into_an_entity_finds_it(
    http: TestClient, exported: dict[str, list[dict[str, Any]]]
) -> None:
    # As `search --entity Quist` finds articles naming "Halvard Quist", so does the page.
    names = {e["text"] for a in exported["articles"] for e in a["entities"]}
    lower = {n.casefold() for n in names}
    merged = []
    for name in sorted(names):
        forms = http.get(f"/api/entities/{quote(name, safe='')}").json()["forms"]
        merged += [(form, name) for form in forms if form.casefold() not in lower]
    assert merged, "the example corpus has entities with merged forms"
    for form, _ in merged:
        got = http.get(f"/api/entities/{quote(form, safe='')}")
        assert got.status_code == 200
        assert form in got.json()["forms"]
        assert http.get(f"/entities/{quote(form, safe='')}").status_code == 200


def test_home_counts_and_latest_stories(
    http: TestClient, exported: dict[str, list[dict[str, Any]]]
) -> None:
    stats = http.get("/api/stats").json()["totals"]
    assert stats["articles"] == len(exported["articles"])
    assert stats["pages"] == len(exported["pages"])
    assert stats["stories"] == len(exported["stories"])
    home = http.get("/")
    assert home.status_code == 200
    newest = http.get("/api/stories", params={"limit": 1}).json()["items"][0]
    assert f'href="/stories/{newest["id"]}"' in home.text
    assert f">{stats['articles']}<" in home.text


def _story_links(page: str) -> list[str]:
    """The ids of the stories a page links to, in page order."""
    return [unquote(ident) for ident in re.findall(r'href="/stories/([^"]+)"', page)]


def test_the_home_page_json_twin_gives_what_the_page_shows(
    http: TestClient, exported: dict[str, list[dict[str, Any]]]
) -> None:
    home = http.get("/").text
    assert 'JSON: <a href="/api/home">' in home
    twin = http.get("/api/home").json()
    assert set(twin) == {"totals", "by_site", "runs", "stories"}
    stats = http.get("/api/stats").json()
    assert {key: stats[key] for key in ("totals", "by_site", "runs")} == {
        key: twin[key] for key in ("totals", "by_site", "runs")
    }
    # The counts in the page's first table, in its order.
    t = twin["totals"]
    keys = ["pages", "pages_rejected", "copies", "articles", "duplicate_groups", "stories"]
    assert " ".join(str(t[key]) for key in [*keys, "entities"]) in text_of(home)
    for site, n in twin["by_site"].items():
        assert f'<td>{esc(site)}</td><td class="num">{n}</td>' in home
    # Every story of the example corpus (fewer than the cap), newest first as the page
    # lists them, in the export fields.
    assert 1 < len(exported["stories"]) < views.LATEST_STORIES
    assert [s["id"] for s in twin["stories"]] == _story_links(home)
    assert sorted(s["id"] for s in twin["stories"]) == sorted(s["id"] for s in exported["stories"])
    by_id = {s["id"]: s for s in exported["stories"]}
    for story in twin["stories"]:
        assert list(story) == DESIGN_FIELDS["stories"]
        assert story == by_id[story["id"]]


def test_the_home_page_and_its_twin_list_the_same_latest_stories(
    http: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "LATEST_STORIES", 2)
    newest = http.get("/api/stories", params={"limit": 2}).json()["items"]
    assert [s["id"] for s in newest] == _story_links(http.get("/").text)
    assert http.get("/api/home").json()["stories"] == newest


def test_pages_list_and_page_view(
    http: TestClient, exported: dict[str, list[dict[str, Any]]]
) -> None:
    listing = http.get("/pages", params={"limit": 100}).text
    for page in exported["pages"]:
        assert f'href="/pages/{quote(page["id"], safe="/")}"' in listing
    record = next(p for p in exported["pages"] if "#" in p["id"] and p["articles"])
    got = http.get(f"/pages/{quote(record['id'], safe='/')}")
    assert got.status_code == 200
    for ident in record["articles"]:
        assert f'href="/articles/{ident}"' in got.text
    for line in record["boilerplate"]:
        assert esc(line) in got.text


# The API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(DESIGN_FIELDS))
def test_api_records_have_exactly_the_design_fields_and_equal_the_export(
    http: TestClient, exported: dict[str, list[dict[str, Any]]], kind: str
) -> None:
    for record in exported[kind]:
        got = http.get(f"/api/{kind}/{quote(record['id'], safe='/')}")
        assert got.status_code == 200, record["id"]
        body = got.json()
        assert list(body) == DESIGN_FIELDS[kind]
        assert body == record
    if kind == "articles":
        copy = exported[kind][0]["copies"][0]
        assert set(copy) == {"page", "kind", "similarity"}


@pytest.mark.parametrize("kind", sorted(DESIGN_FIELDS))
def test_api_listings_page_through_every_record(
    http: TestClient, exported: dict[str, list[dict[str, Any]]], kind: str
) -> None:
    listed = all_items(http, f"/api/{kind}", limit=6)
    assert len(listed) == len(exported[kind])
    assert sorted(json.dumps(r, sort_keys=True) for r in listed) == sorted(
        json.dumps(r, sort_keys=True) for r in exported[kind]
    )


def test_api_limits_are_capped(http: TestClient) -> None:
    assert http.get("/api/articles", params={"limit": 101}).status_code == 422
    assert http.get("/api/articles", params={"offset": -1}).status_code == 422
    assert http.get("/api/articles", params={"limit": 100}).status_code == 200
    assert http.get("/stories", params={"limit": 0}).status_code == 400
    # An offset past what SQLite can hold is refused, not a server error; one past the last
    # row is an empty page.
    huge = str(2**64)
    for path in ("/stories", "/pages", "/api/articles", "/api/stories", "/api/pages"):
        assert http.get(path, params={"offset": huge}).status_code in (400, 422), path
        assert http.get(path, params={"offset": 2**63 - 1}).status_code == 200, path


@pytest.mark.parametrize(
    "path",
    [
        "/api/articles/a-000000000000",
        "/api/stories/s-nope",
        "/api/pages/no/such.txt",
        "/api/articles/a-nope/variants",
        "/api/entities/Nobody%20At%20All",
    ],
)
def test_api_unknown_ids_are_404_with_a_message(http: TestClient, path: str) -> None:
    got = http.get(path)
    assert got.status_code == 404
    assert got.headers["content-type"].startswith("application/json")
    assert got.json()["detail"].startswith("no ")


@pytest.mark.parametrize(
    "path", ["/articles/a-000000000000", "/stories/s-nope", "/pages/no%23such", "/no/route"]
)
def test_html_unknown_ids_are_404_pages(http: TestClient, path: str) -> None:
    got = http.get(path)
    assert got.status_code == 404
    assert got.headers["content-type"].startswith("text/html")
    assert "Back to the archive" in got.text


def test_page_ids_with_a_hash_and_slashes(
    http: TestClient, exported: dict[str, list[dict[str, Any]]]
) -> None:
    ident = next(p["id"] for p in exported["pages"] if "#" in p["id"])
    assert http.get("/api/pages/" + quote(ident, safe="/")).json()["id"] == ident
    # Unencoded, '#' starts the fragment: the record is not found, and no error.
    assert http.get("/api/pages/" + ident).status_code == 404


# Search ----------------------------------------------------------------------------------------


def test_search_page_marks_matches(http: TestClient) -> None:
    got = http.get("/search", params={"q": "bridge"})
    assert got.status_code == 200
    assert "<mark>" in got.text
    api = http.get("/api/search", params={"q": "bridge"}).json()
    assert api["items"], "the example corpus has bridge stories"
    for hit in api["items"]:
        assert f'href="/articles/{hit["id"]}"' in got.text
        assert "[" in hit["snippet"] or "[" in (hit["title_marked"] or "")


@pytest.mark.parametrize("query", ["((", "NOT bridge", "   ", '"" -x'])
def test_a_query_search_cannot_use_shows_its_message(http: TestClient, query: str) -> None:
    with pytest.raises(SearchError) as raised:
        to_fts(query)
    message = str(raised.value)
    got = http.get("/search", params={"q": query})
    if query.strip():
        assert got.status_code == 200
        assert esc(message) in got.text
    else:  # an empty box is the form, not an error
        assert got.status_code == 200 and 'class="error"' not in got.text
    api = http.get("/api/search", params={"q": query})
    assert api.status_code == 400
    assert api.json()["detail"] == message


def test_an_unbalanced_query_is_read_not_refused(http: TestClient) -> None:
    for query in ['"saltgate bridge', "(bridge", "bridge)"]:
        got = http.get("/search", params={"q": query})
        assert got.status_code == 200
        assert "<mark>" in got.text, query


def test_search_filters_are_the_cli_filters(
    http: TestClient, db: Path, exported: dict[str, list[dict[str, Any]]]
) -> None:
    story = max(exported["stories"], key=lambda s: len(s["articles"]))
    entity = story["entities"][0]["text"]
    cases: list[dict[str, str]] = [
        {"story": story["id"]},
        {"entity": entity},
        {"since": "2026-03-05"},
        {"until": "2026-03"},
        {"source": "harbourledger.example"},
    ]
    for filters in cases:
        args = ["search", "the", "--db", str(db), "--json", "-n", "100"]
        for name, value in filters.items():
            args += [f"--{name}", value]
        cli_hits = json.loads(CliRunner().invoke(cli, args).output)
        api = http.get("/api/search", params={"q": "the", "limit": 100, **filters}).json()
        assert [h["id"] for h in api["items"]] == [h["id"] for h in cli_hits], filters
        page = http.get("/search", params={"q": "the", "limit": 100, **filters}).text
        for hit in cli_hits:
            assert f'href="/articles/{hit["id"]}"' in page
    in_story = http.get("/api/search", params={"q": "the", "story": story["id"]}).json()
    assert in_story["items"] and all(h["story"] == story["id"] for h in in_story["items"])
    bad = http.get("/search", params={"q": "the", "since": "2026-13"})
    assert bad.status_code == 200 and "is not a date" in bad.text


def test_search_pages_through_hits(http: TestClient) -> None:
    everything = http.get("/api/search", params={"q": "the", "limit": 100}).json()["items"]
    assert len(everything) > 4
    first = http.get("/api/search", params={"q": "the", "limit": 3}).json()
    second = http.get("/api/search", params={"q": "the", "limit": 3, "offset": 3}).json()
    assert [h["id"] for h in first["items"] + second["items"]] == [h["id"] for h in everything[:6]]
    assert first["more"] is True
    assert http.get("/api/search", params={"q": "the", "offset": 5000}).status_code == 422
    # A page past the last hit says so and leads back; a query that matches nothing says that.
    past = text_of(http.get("/search", params={"q": "the", "offset": 900}).text)
    assert "this page is past the last" in past and "No article matches" not in past
    none = text_of(http.get("/search", params={"q": "zzyzxq", "offset": 20}).text)
    assert "No article matches" in none and "past the last" not in none


def test_every_linked_page_renders(http: TestClient) -> None:
    """Follow every link from the home page, two steps deep: each answers 200, no template
    prints a Python object instead of a value, and each names a JSON twin that answers."""
    seen: set[str] = set()
    frontier = ["/"]
    for _depth in range(3):
        found: list[str] = []
        for path in frontier:
            if path in seen:
                continue
            seen.add(path)
            got = http.get(html.unescape(path))
            assert got.status_code == 200, path
            assert "object at 0x" not in got.text and "built-in method" not in got.text, path
            twin = re.search(r'JSON: <a href="([^"]+)"', got.text)
            if twin is None:
                assert path == "/search", f"{path} names no JSON twin"  # the empty form
                continue
            answer = http.get(html.unescape(twin.group(1)))
            assert answer.status_code == 200, (path, twin.group(1))
            assert answer.headers["content-type"] == "application/json"
            found += [
                link
                for link in re.findall(r'href="(/[^"]*)"', got.text)
                if not link.startswith(("/api", "/openapi.json"))
            ]
        frontier = found
    assert len(seen) > 50
