"""Entities, dates and stories through `wirecopy build`: gold stories, exports, show, search,
a missing model, and a build killed half way."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import REPO, shared_dir
from wirecopy import derive as derive_module
from wirecopy.archive import stories as store
from wirecopy.archive.db import Archive
from wirecopy.build import build
from wirecopy.cli import cli
from wirecopy.config import BuildConfig
from wirecopy.evaluate import gold_labels, scores
from wirecopy.export import FIELDS
from wirecopy.stages import entities as entity_stage
from wirecopy.textnorm import normalize

CORPORA = {
    "seeds": (shared_dir() / "corpus" / "seeds", shared_dir() / "corpus" / "seeds.gold.json"),
    "examples": (REPO / "examples" / "news", REPO / "examples" / "news.gold.json"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each gold corpus built once, with entities."""
    found = {}
    for name, (pages, _gold) in CORPORA.items():
        db = tmp_path_factory.mktemp(name) / f"{name}.db"
        summary = build([pages], db)
        assert summary.derived["entities"] == "done"
        found[name] = db
    return found


def holding(gold_article: dict[str, Any], articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    first = normalize(gold_article["first"])
    return [a for a in articles if first in normalize(a["text"])]


def export(db: Path, kind: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["export", kind, "--db", str(db)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_build_and_export_stories_as_the_gold_file_says(name: str, built: dict[str, Path]) -> None:
    gold = json.loads(CORPORA[name][1].read_text(encoding="utf-8"))
    articles = export(built[name], "articles")
    labels, predicted, unmatched = gold_labels(
        gold, [(a["id"], a["text"], a["story"]) for a in articles]
    )
    assert not unmatched
    assert scores(predicted, labels) == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "bcubed_f1": 1.0,
        "ari": 1.0,
    }
    stories = export(built[name], "stories")
    assert len(stories) == len(gold["stories"])
    for story in stories:
        assert list(story) == FIELDS["stories"]
        assert story["title"]
        members = [a for a in articles if a["story"] == story["id"]]
        assert sorted(story["articles"]) == sorted(a["id"] for a in members)
        dates = sorted(a["date"] for a in members if a["date"])
        assert (story["first_date"], story["last_date"]) == (
            (dates[0], dates[-1]) if dates else (None, None)
        )
        for entity in story["entities"]:
            assert list(entity) == ["text", "label", "count"]


def _story_entities(db: Path, gold_key: str, name: str) -> set[tuple[str, str]]:
    gold = json.loads(CORPORA[name][1].read_text(encoding="utf-8"))
    articles = export(db, "articles")
    (article,) = holding(gold["articles"][gold_key], articles)
    story = next(s for s in export(db, "stories") if s["id"] == article["story"])
    return {(e["text"], e["label"]) for e in story["entities"]}


def test_seed_stories_name_their_people_and_places(built: dict[str, Path]) -> None:
    """Some gold story has every one of its articles in a story naming each set of entities."""
    gold = json.loads(CORPORA["seeds"][1].read_text(encoding="utf-8"))
    named = [
        [_story_entities(built["seeds"], key, "seeds") for key in keys] for keys in gold["stories"]
    ]
    sadr = {
        ("Moqtada Al Sadr", "PERSON"),
        ("Esmail Qaani", "PERSON"),
        ("Najaf", "GPE"),
        ("Baghdad", "GPE"),
    }
    la = {("Donald Trump", "PERSON"), ("Gavin Newsom", "PERSON"), ("Los Angeles", "GPE")}
    for wanted in (sadr, la):
        assert any(all(wanted <= entities for entities in story) for story in named), wanted


def test_dates_as_the_gold_file_says(built: dict[str, Path]) -> None:
    for name in CORPORA:
        gold = json.loads(CORPORA[name][1].read_text(encoding="utf-8"))
        articles = export(built[name], "articles")
        for key, article in gold["articles"].items():
            matches = holding(article, articles)
            assert matches, key
            want = article.get("date")
            for found in matches:
                if want is not None or name == "examples":  # examples: every date given
                    assert found["date"] == want, (name, key)


def test_date_evidence_is_kept(built: dict[str, Path]) -> None:
    with Archive.open(built["examples"], readonly=True) as archive:
        rows = archive.conn.execute("SELECT date, date_evidence FROM articles").fetchall()
    for row in rows:
        evidence = json.loads(row["date_evidence"])
        assert evidence["date"] == row["date"]
        if row["date"]:
            assert evidence["from"] in ("dateline", "published", "caption")
            assert evidence["page"] and evidence["text"]


def test_a_rebuild_changes_nothing(built: dict[str, Path], tmp_path: Path) -> None:
    before = export(built["seeds"], "stories")
    summary = build([CORPORA["seeds"][0]], built["seeds"])
    assert summary.derived["placed"] == 0
    assert export(built["seeds"], "stories") == before


def test_show_a_story_and_an_article_with_entities(built: dict[str, Path]) -> None:
    story = export(built["examples"], "stories")[0]
    result = CliRunner().invoke(cli, ["show", story["id"], "--db", str(built["examples"])])
    assert result.exit_code == 0, result.output
    assert f"story {story['id']}" in result.output
    assert "entities:" in result.output and story["entities"][0]["text"] in result.output
    as_json = CliRunner().invoke(
        cli, ["show", story["id"], "--db", str(built["examples"]), "--json"]
    )
    data = json.loads(as_json.output)
    assert data["kind"] == "story" and data["entities"] == story["entities"]
    assert [a["id"] for a in data["article_rows"]] == story["articles"]
    article_id = story["articles"][0]
    article = CliRunner().invoke(cli, ["show", article_id, "--db", str(built["examples"])])
    assert "entities:" in article.output


def test_search_verb(built: dict[str, Path]) -> None:
    db = str(built["examples"])
    result = CliRunner().invoke(cli, ["search", "saltgate bridge", "--db", db, "-n", "2"])
    assert result.exit_code == 0, result.output
    assert "1. " in result.output and "2. " in result.output and "3. " not in result.output
    assert "[Saltgate] [Bridge]" in result.output  # piped: matches between brackets
    nothing = CliRunner().invoke(cli, ["search", "[zebra]", "--db", db])
    assert nothing.exit_code == 0 and "no article matches '[zebra]'" in nothing.output
    hits = json.loads(CliRunner().invoke(cli, ["search", "saltgate", "--db", db, "--json"]).output)
    assert hits and all("[" in (h["snippet"] + (h["title_marked"] or "")) for h in hits)
    story = hits[0]["story"]
    narrowed = CliRunner().invoke(
        cli, ["search", "saltgate", "--db", db, "--json", "--story", story, "--since", "2026-03"]
    )
    assert {h["story"] for h in json.loads(narrowed.output)} == {story}
    entity = CliRunner().invoke(cli, ["search", "flood", "--db", db, "--json", "--entity", "Quist"])
    assert json.loads(entity.output) == []


@pytest.mark.parametrize("query", ['"', "((", "NOT", "-x", "", "AND OR", "title:", "   ", "\x00"])
def test_search_bad_queries_get_a_message(built: dict[str, Path], query: str) -> None:
    # After `--`, a query starting with a dash is a query, not an option.
    result = CliRunner().invoke(cli, ["search", "--db", str(built["examples"]), "--", query])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code == 1:
        assert result.output.startswith("Error: ")


def test_search_a_bad_date_gets_a_message(built: dict[str, Path]) -> None:
    result = CliRunner().invoke(
        cli, ["search", "bridge", "--since", "March", "--db", str(built["examples"])]
    )
    assert result.exit_code == 1 and "is not a date" in result.output


def test_no_entities_and_a_missing_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeds: Path
) -> None:
    skipped = build([seeds], tmp_path / "off.db", config=BuildConfig(entities=False))
    assert skipped.derived["entities"] == "skipped"
    assert skipped.totals["entities"] == 0 and skipped.totals["stories"] > 0
    monkeypatch.setattr(entity_stage, "MODEL_PACKAGE", "wirecopy_no_such_model")
    monkeypatch.setattr(derive_module, "_PIPELINE", [])
    result = CliRunner().invoke(cli, ["build", str(seeds), "--db", str(tmp_path / "m.db")])
    assert result.exit_code == 0, result.output
    assert "No entities:" in result.output and "pip install" in result.output
    summary = build([seeds], tmp_path / "m2.db")
    assert summary.derived["entities"] == "unavailable"
    assert summary.totals["stories"] > 0


def test_no_entities_option(tmp_path: Path, seeds: Path) -> None:
    result = CliRunner().invoke(
        cli, ["build", str(seeds), "--db", str(tmp_path / "a.db"), "--no-entities", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["derived"]["entities"] == "skipped"


def test_a_killed_derive_is_finished_by_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built: dict[str, Path]
) -> None:
    pages = CORPORA["examples"][0]
    db = tmp_path / "k.db"
    calls = {"n": 0}
    real = store.write_story

    def dying(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        real(*args, **kwargs)

    monkeypatch.setattr(store, "write_story", dying)
    monkeypatch.setattr(derive_module, "BATCH_SIZE", 1)
    with pytest.raises(KeyboardInterrupt):
        build([pages], db)
    monkeypatch.setattr(store, "write_story", real)
    build([pages], db)
    assert export(db, "stories") == export(built["examples"], "stories")


def test_a_changed_article_is_placed_again(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    one = (
        "Storm batters Kelloway coast\n\n"
        "A storm battered the Kelloway coast on Monday, flooding the harbour road and cutting "
        "power to four thousand homes, the coastguard said.\n\n"
        "Crews worked through the night to reopen the harbour road before the morning tide.\n"
    )
    (folder / "one.txt").write_text(one, encoding="utf-8")
    db = tmp_path / "a.db"
    build([folder], db, config=BuildConfig(entities=False))
    (story,) = export(db, "stories")
    (folder / "one.txt").write_text(one.replace("Monday", "Tuesday"), encoding="utf-8")
    summary = build([folder], db, config=BuildConfig(entities=False))
    assert summary.pages_updated == 1 and summary.derived["placed"] == 1
    stories = export(db, "stories")
    articles = export(db, "articles")
    assert len(articles) == 1 and "Tuesday" in articles[0]["text"]
    assert [s["articles"] for s in stories] == [[articles[0]["id"]]]
    assert articles[0]["story"] == stories[0]["id"]
    assert story["articles"] != stories[0]["articles"]


def test_export_stories_as_csv_and_parquet(built: dict[str, Path], tmp_path: Path) -> None:
    import csv

    import pyarrow.parquet as pq

    db = str(built["examples"])
    stories = export(built["examples"], "stories")
    out = tmp_path / "s.parquet"
    assert CliRunner().invoke(cli, ["export", "stories", "--db", db, "-o", str(out)]).exit_code == 0
    table = pq.read_table(out)
    assert table.schema.names == FIELDS["stories"]
    assert table.to_pylist() == stories
    result = CliRunner().invoke(cli, ["export", "stories", "--db", db, "--format", "csv"])
    rows = list(csv.DictReader(result.output.splitlines()))
    assert [json.loads(r["entities"]) for r in rows] == [s["entities"] for s in stories]


def test_regroup_sizes_grow_by_a_quarter_then_double() -> None:
    sizes = derive_module.regroup_sizes(20_000)
    assert sizes[0] == 1 and sizes[-1] >= 20_000
    for small, big in itertools.pairwise(sizes):
        growth = derive_module.GROWTH if small < derive_module.LARGE else derive_module.LARGE_GROWTH
        assert small < big <= max(small + 1, small * growth + 1)
    assert derive_module.regroup_all(0, derive_module.FULL_REGROUP)
    past = next(s for s in sizes if s > derive_module.FULL_REGROUP)
    assert derive_module.regroup_all(past - 1, past)
    assert not derive_module.regroup_all(past, past + 1)


def test_placing_a_new_article_writes_only_the_stories_that_change(
    built: dict[str, Path], tmp_path: Path
) -> None:
    """Every article of a small archive is grouped again on any change; only the stories
    that came out different are written."""
    db = tmp_path / "e.db"
    db.write_bytes(built["examples"].read_bytes())
    before = export(db, "stories")
    with Archive.open(db) as archive:
        with archive.transaction() as conn:
            conn.execute(
                "INSERT INTO articles (id, title, text, text_hash, date, date_evidence) "
                "VALUES ('a-new', 'Quarry owls', 'Owls nest in the old quarry wall.', 'x', "
                "NULL, '{}')"
            )
        n = archive.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        summary = derive_module.derive(archive, entities=False)
    assert summary.placed == n and summary.stories_changed == 1
    after = export(db, "stories")
    assert [s for s in after if s["articles"] != ["a-new"]] == before
