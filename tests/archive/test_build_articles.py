"""Copies grouped into articles inside `build` (`wirecopy.archive.articles`): incremental
builds equal one build, changed pages regroup, and `show` prints each copy's differences."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, shared_dir
from wirecopy.build import build
from wirecopy.cli import cli
from wirecopy.config import BuildConfig

CONFIG = BuildConfig(batch_size=7, entities=False)


def _files() -> dict[str, Path]:
    """Relative path -> file, for the seeds (under seeds/) and the example corpus."""
    examples = REPO / "examples" / "news"
    files = {str(p.relative_to(examples)): p for p in examples.rglob("*") if p.is_file()}
    seeds = shared_dir() / "corpus" / "seeds"
    files |= {f"seeds/{p.name}": p for p in seeds.iterdir()}
    return dict(sorted(files.items()))


def _place(root: Path, names: list[str], files: dict[str, Path]) -> Path:
    root.mkdir(parents=True)
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(files[name], root / name)
    return root


def grouping(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """What grouping decided: copies' articles, kinds and similarities; articles' fields."""
    conn = sqlite3.connect(db)
    try:
        return {
            "copies": conn.execute(
                "SELECT page_id, seq, article_id, kind, similarity FROM copies "
                "ORDER BY page_id, seq"
            ).fetchall(),
            "articles": conn.execute(
                "SELECT id, title, caption, source, text, text_hash, canonical_page, "
                "canonical_seq FROM articles ORDER BY id"
            ).fetchall(),
            "groups": conn.execute(
                "SELECT page_id, seq, component FROM signatures ORDER BY page_id, seq"
            ).fetchall(),
        }
    finally:
        conn.close()


_ONCE: dict[str, list[tuple[object, ...]]] = {}


def _once() -> dict[str, list[tuple[object, ...]]]:
    if not _ONCE:
        files = _files()
        with tempfile.TemporaryDirectory() as tmp:
            root = _place(Path(tmp) / "all", list(files), files)
            build([root], Path(tmp) / "once.db", config=CONFIG)
            _ONCE.update(grouping(Path(tmp) / "once.db"))
    return _ONCE


def test_one_build_groups_the_corpus() -> None:
    once = _once()
    expected = sum(
        len(json.loads(gold.read_text(encoding="utf-8"))["articles"])
        for gold in (
            REPO / "examples" / "news.gold.json",
            shared_dir() / "corpus" / "seeds.gold.json",
        )
    )
    assert len(once["articles"]) == expected
    assert len({c[:2] for c in once["copies"]}) == len(once["copies"]) == len(once["groups"])


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(parts=st.lists(st.integers(0, 3), min_size=len(_files()), max_size=len(_files())))
def test_building_in_parts_equals_one_build(parts: list[int]) -> None:
    """Random splits of seeds + examples, built part after part, give one build's articles."""
    files = _files()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "parts.db"
        for part in sorted(set(parts)):
            names = [n for n, p in zip(files, parts, strict=True) if p == part]
            build([_place(Path(tmp) / f"part{part}", names, files)], db, config=CONFIG)
        assert grouping(db) == _once()


@pytest.mark.parametrize("which", ["canonical", "teaser"])
def test_a_changed_page_regroups(tmp_path: Path, which: str) -> None:
    """A page whose text changes leaves its article; the archive equals a fresh build."""
    files = _files()
    first = _place(tmp_path / "first", list(files), files)
    db = tmp_path / "changed.db"
    build([first], db, config=CONFIG)
    if which == "canonical":
        # The wire feed's record of the bridge vote (that article's canonical copy) is
        # replaced by a copy of its next record, another article.
        feed = first / "feeds" / "wire.jsonl"
        lines = feed.read_text("utf-8").splitlines(keepends=True)
        feed.write_text("".join([lines[1], *lines[1:]]), "utf-8")
    else:
        # A page carrying teasers of three articles now carries one article of its own.
        page = first / "newsdrift.example" / "sport" / "esterland-cup-final.txt"
        other = first / "caldercourier.example" / "2026-03-02-dunmarrow-volunteers.txt"
        page.write_bytes(other.read_bytes())
    build([first], db, config=CONFIG)
    fresh = tmp_path / "fresh.db"
    build([first], fresh, config=CONFIG)
    assert grouping(db) == grouping(fresh)
    assert grouping(db) != _once()


def test_show_prints_copies_with_their_differences(tmp_path: Path) -> None:
    files = _files()
    root = _place(tmp_path / "news", [n for n in files if not n.startswith("seeds/")], files)
    db = tmp_path / "news.db"
    build([root], db, config=CONFIG)
    conn = sqlite3.connect(db)
    (article_id,) = conn.execute(
        "SELECT article_id FROM copies GROUP BY article_id HAVING SUM(similarity < 1) > 0 "
        "ORDER BY COUNT(*) DESC LIMIT 1"
    ).fetchone()
    conn.close()
    shown = CliRunner().invoke(cli, ["show", article_id, "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    assert "variants" in shown.output
    assert "[-" in shown.output and "-]" in shown.output  # markers when not a terminal
    data = json.loads(
        CliRunner().invoke(cli, ["show", article_id, "--db", str(db), "--json"]).output
    )
    copies = data["copies"] if "copies" in data else data["article"]["copies"]
    assert all("diff" in c for c in copies)
    changed = [c for c in copies if any(op["op"] != "equal" for op in c["diff"])]
    assert changed
    for copy in changed:
        for op in copy["diff"]:
            assert op["op"] in ("equal", "delete", "insert")
            assert ("words" in op) if op["op"] == "equal" else bool(op["text"])


def test_an_archive_from_before_grouping_is_grouped_by_the_next_build(tmp_path: Path) -> None:
    """Schema migration 4: an archive built without article grouping (its copies unsigned,
    one article per text) is grouped by the next build of the same inputs."""
    files = _files()
    root = _place(tmp_path / "news", [n for n in files if not n.startswith("seeds/")], files)
    db, fresh = tmp_path / "old.db", tmp_path / "fresh.db"
    build([root], db, config=CONFIG)
    build([root], fresh, config=CONFIG)
    conn = sqlite3.connect(db)
    conn.executescript(
        """
        DELETE FROM signatures;
        DROP TABLE fingerprints;
        DROP INDEX signatures_component;
        DROP INDEX bands_copy;
        ALTER TABLE signatures DROP COLUMN fingerprints;
        ALTER TABLE signatures DROP COLUMN paragraphs;
        ALTER TABLE signatures DROP COLUMN component;
        ALTER TABLE signatures DROP COLUMN printed;
        ALTER TABLE signatures DROP COLUMN words;
        ALTER TABLE line_keys DROP COLUMN asked;
        ALTER TABLE blocks DROP COLUMN line_key;
        ALTER TABLE blocks DROP COLUMN head_key;
        PRAGMA user_version = 3;
        """
    )
    conn.close()
    build([root], db, config=CONFIG)
    assert grouping(db) == grouping(fresh)


def test_an_archive_from_before_printed_forms_is_signed_again(tmp_path: Path) -> None:
    """Schema migration 6: an archive whose signatures lack the printed form (similarity from
    normalised text only) is signed and grouped again by the next build of the same inputs."""
    files = _files()
    root = _place(tmp_path / "news", list(files), files)
    db, fresh = tmp_path / "old.db", tmp_path / "fresh.db"
    build([root], db, config=CONFIG)
    build([root], fresh, config=CONFIG)
    conn = sqlite3.connect(db)
    conn.executescript(
        """
        ALTER TABLE signatures DROP COLUMN printed;
        ALTER TABLE signatures DROP COLUMN words;
        UPDATE copies SET similarity = 1.0 WHERE kind = 'full';
        ALTER TABLE line_keys DROP COLUMN asked;
        ALTER TABLE blocks DROP COLUMN line_key;
        ALTER TABLE blocks DROP COLUMN head_key;
        PRAGMA user_version = 5;
        """
    )
    conn.close()
    build([root], db, config=CONFIG)
    assert grouping(db) == grouping(fresh)


def test_show_says_exact_or_near_with_field_and_apostrophe_differences(tmp_path: Path) -> None:
    """The seeds: an article whose copies printed different apostrophes and fields shows
    each near copy's field differences and the words as printed (apostrophes not folded)."""
    seeds = shared_dir() / "corpus" / "seeds"
    db = tmp_path / "seeds.db"
    build([seeds], db, config=CONFIG)
    conn = sqlite3.connect(db)
    ids = [r[0] for r in conn.execute("SELECT DISTINCT article_id FROM copies ORDER BY 1")]
    conn.close()
    seen_fields = seen_quote = False
    for article_id in ids:
        data = json.loads(
            CliRunner().invoke(cli, ["show", article_id, "--db", str(db), "--json"]).output
        )
        copies = data["copies"] if "copies" in data else data["article"]["copies"]
        text = CliRunner().invoke(cli, ["show", article_id, "--db", str(db)]).output
        for copy in copies:
            assert copy["match"] in ("canonical", "exact", "near")
            assert (copy["match"] == "near") == (copy["similarity"] < 1.0)
            if copy["match"] != "near":
                continue
            assert "near" in text
            for d in copy["fields"]:
                seen_fields = True
                assert f"{d['field']}:" in text
            for op in copy["diff"]:
                if op["op"] == "insert" and any(q in op["text"] for q in "\u2018\u2019'"):
                    seen_quote = True
    assert seen_fields and seen_quote
