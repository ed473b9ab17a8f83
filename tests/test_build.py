"""`build` end to end: the seeds, bad input, idempotence and incremental builds."""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PARAGRAPHS, archive_content, html_doc, write_warc
from wirecopy.archive.db import Archive
from wirecopy.build import build
from wirecopy.cli import cli
from wirecopy.config import BuildConfig


def test_seeds_build_into_five_ok_pages(seeds: Path, tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    summary = build([seeds], db)
    assert summary.status == "done"
    assert summary.pages_read == summary.pages_new == 5
    result = CliRunner().invoke(cli, ["export", "pages", "--db", str(db)])
    assert result.exit_code == 0, result.output
    pages = [json.loads(line) for line in result.output.splitlines()]
    assert sorted(p["id"] for p in pages) == sorted(p.name for p in seeds.iterdir())
    assert {p["status"] for p in pages} == {"ok"}
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def make_bad_folder(root: Path) -> dict[str, str]:
    """A folder of good and bad inputs; returns the expected rejections (id → words)."""
    root.mkdir()
    (root / "good.txt").write_text("Bridge vote\n\n" + "\n\n".join(PARAGRAPHS) + "\n")
    latin = "Le maire André Durán a ouvert le pont de Brindlemoor. Les pêcheurs étaient ravis."
    (root / "latin1.txt").write_bytes(latin.encode("latin-1"))
    (root / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with zipfile.ZipFile(root / "bundle.zip", "w") as archive:
        archive.writestr("inner.txt", "hello")
    (root / "empty.txt").write_bytes(b"")
    (root / "huge.txt").write_bytes(b"word " * 3000)  # over the 10 KB limit used below
    data = write_warc(
        root / "whole.warc.gz",
        [(f"https://herald.example/{n}", html_doc(f"Story {n}", PARAGRAPHS)) for n in (1, 2)],
    )
    (root / "crawl.warc.gz").write_bytes(data[:-50])
    (root / "whole.warc.gz").unlink()
    lines = [
        json.dumps({"text": PARAGRAPHS[0], "url": "https://wire.example/1", "source": "Wire"}),
        '{"text": "broken',
        json.dumps({"text": PARAGRAPHS[1]}),
    ]
    (root / "feed.jsonl").write_text("\n".join(lines) + "\n")
    (root / "broken.html").write_text("<html><head><title>Nothing here")
    (root / "dangling.txt").symlink_to("nowhere.txt")
    (root / "loop.txt").symlink_to("loop.txt")
    return {
        "photo.png": "unsupported file type '.png' (image/png",
        "bundle.zip": "unsupported file type '.zip' (application/zip",
        "empty.txt": "empty file",
        "huge.txt": "over the page size limit",
        "crawl.warc.gz#3": "cut short",
        "feed.jsonl#2": "line 2: not valid JSON",
        "broken.html": "no article text found in the HTML",
        "dangling.txt": "broken symbolic link",
        "loop.txt": "symbolic link loop",
    }


def test_bad_input_is_rejected_with_reasons_and_nothing_lost(tmp_path: Path) -> None:
    expected = make_bad_folder(tmp_path / "in")
    db = tmp_path / "a.db"
    result = CliRunner().invoke(
        cli, ["build", str(tmp_path / "in"), "--db", str(db), "--max-size", "10KB", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    rejected = {r["page"]: r["error"] for r in summary["rejected"]}
    assert set(rejected) == set(expected)
    for page_id, words in expected.items():
        assert words in rejected[page_id], (page_id, rejected[page_id])
    conn = sqlite3.connect(db)
    ok = {row[0] for row in conn.execute("SELECT id FROM pages WHERE status = 'ok'")}
    assert ok == {"good.txt", "latin1.txt", "crawl.warc.gz#2", "feed.jsonl#1", "feed.jsonl#3"}
    latin = conn.execute("SELECT text FROM pages WHERE id = 'latin1.txt'").fetchone()[0]
    assert "André Durán" in latin
    # Every rejected page is in the archive with its reason.
    stored = dict(conn.execute("SELECT id, error FROM pages WHERE status = 'rejected'").fetchall())
    assert stored == rejected


def test_strict_exits_non_zero_on_rejections(tmp_path: Path) -> None:
    make_bad_folder(tmp_path / "in")
    result = CliRunner().invoke(
        cli, ["build", str(tmp_path / "in"), "--db", str(tmp_path / "a.db"), "--strict"]
    )
    assert result.exit_code == 1
    assert "Rejected" in result.output


def test_rebuilding_changes_nothing(seeds: Path, tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    build([seeds], db)
    before = archive_content(db)
    again = build([seeds], db)
    assert again.pages_unchanged == 5 and again.pages_new == again.pages_updated == 0
    assert archive_content(db) == before


def test_a_changed_file_updates_its_page(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    page = folder / "p.txt"
    page.write_text("Bridge vote\n\n" + "\n\n".join(PARAGRAPHS[:2]) + "\n")
    db = tmp_path / "a.db"
    build([folder], db)
    page.write_text("Quay landing\n\n" + "\n\n".join(PARAGRAPHS[1:]) + "\n")
    summary = build([folder], db)
    assert summary.pages_updated == 1
    content = archive_content(db)
    assert [row[6] for row in content["copies"]] == ["\n\n".join(PARAGRAPHS[1:])]
    assert len(content["articles"]) == 1  # the old text's article went with its last copy


def test_a_page_a_newer_wirecopy_reads_otherwise_is_read_again(seeds: Path, tmp_path: Path) -> None:
    # As an older version left it: the same bytes, another title and date (say, one guessed
    # from a copyright year), and the segmentation of that reading.
    db = tmp_path / "a.db"
    build([seeds], db)
    fresh = archive_content(db)
    name = min(p.name for p in seeds.iterdir())
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE pages SET title = 'Old reading', published = '2016-01-01' WHERE id = ?",
            (name,),
        )
    conn.close()
    again = build([seeds], db)
    assert again.pages_updated == 1 and again.pages_unchanged == 4
    assert archive_content(db) == fresh
    assert build([seeds], db).pages_unchanged == 5


def test_same_relative_path_in_two_folders_keeps_both(tmp_path: Path) -> None:
    for name, text in (("a", PARAGRAPHS[0]), ("b", PARAGRAPHS[1])):
        (tmp_path / name).mkdir()
        (tmp_path / name / "p.txt").write_text(text)
    summary = build([tmp_path / "a", tmp_path / "b"], tmp_path / "x.db")
    assert summary.pages_new == 2
    ids = [row[0] for row in archive_content(tmp_path / "x.db")["pages"]]
    assert ids == ["b/p.txt", "p.txt"]


def test_the_order_of_two_folders_does_not_change_page_ids(tmp_path: Path) -> None:
    for name, text in (("a", PARAGRAPHS[0]), ("b", PARAGRAPHS[1])):
        (tmp_path / name / "site.example").mkdir(parents=True)
        (tmp_path / name / "site.example" / "p.txt").write_text(text)
    build([tmp_path / "a", tmp_path / "b"], tmp_path / "x.db")
    again = build([tmp_path / "b", tmp_path / "a"], tmp_path / "x.db")
    assert (again.pages_new, again.pages_unchanged) == (0, 2)
    pages = archive_content(tmp_path / "x.db")["pages"]
    assert [row[0] for row in pages] == ["b/site.example/p.txt", "site.example/p.txt"]
    # The prefixed page keeps the site its own folder layout names.
    runner = CliRunner()
    out = runner.invoke(cli, ["export", "pages", "--db", str(tmp_path / "x.db")]).output
    assert {json.loads(line)["site"] for line in out.splitlines()} == {"site.example"}


def test_a_file_reached_twice_is_read_once(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    (folder / "inner").mkdir(parents=True)
    (folder / "p.txt").write_text(PARAGRAPHS[0])
    (folder / "inner" / "q.txt").write_text(PARAGRAPHS[1])
    inputs = [folder, folder / "inner", folder / "p.txt", tmp_path / "pages" / ".." / "pages"]
    summary = build(inputs, tmp_path / "x.db")
    assert summary.pages_new == 2
    assert summary.skipped == {"files given twice (read once)": 4}
    ids = [row[0] for row in archive_content(tmp_path / "x.db")["pages"]]
    assert ids == ["inner/q.txt", "p.txt"]


def test_a_link_to_a_file_of_the_same_folder_is_read_once_and_said_so(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_text(PARAGRAPHS[0])
    (folder / "z.txt").symlink_to(folder / "a.txt")
    summary = build([folder], tmp_path / "x.db")
    assert summary.pages_new == 1
    assert summary.skipped == {"links to a file already read (read once)": 1}


def test_files_given_directly_with_one_name_get_ids_in_any_order(tmp_path: Path) -> None:
    for name, text in (("x", PARAGRAPHS[0]), ("y", PARAGRAPHS[1])):
        (tmp_path / name).mkdir()
        (tmp_path / name / "p.txt").write_text(text)
    files = [tmp_path / "x" / "p.txt", tmp_path / "y" / "p.txt"]
    build(files, tmp_path / "one.db")
    build(files[::-1], tmp_path / "two.db")
    assert (
        archive_content(tmp_path / "one.db")["pages"]
        == archive_content(tmp_path / "two.db")["pages"]
    )


def _corpus(seeds: Path) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in sorted(seeds.iterdir())}
    files["copy_of_first.txt"] = files[min(files)]  # an exact copy
    files["feed.jsonl"] = (
        "\n".join(json.dumps({"text": p, "source": "Wire"}) for p in PARAGRAPHS) + "\n"
    ).encode()
    files["notes.txt"] = PARAGRAPHS[2].encode()
    return files


def _build_at_once_and_in_parts(
    root: Path, files: dict[str, bytes], first: list[str], second: list[str]
) -> None:
    """``root/once.db`` built from all the files at once, ``root/parts.db`` from ``first``
    and then ``second`` (each in a folder of its own)."""
    for folder, names in (("all", first + second), ("one", first), ("two", second)):
        (root / folder).mkdir()
        for name in names:
            (root / folder / name).write_bytes(files[name])
    config = BuildConfig(batch_size=2)
    build([root / "all"], root / "once.db", config=config)
    build([root / "one"], root / "parts.db", config=config)
    build([root / "two"], root / "parts.db", config=config)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_building_in_two_parts_equals_building_at_once(seeds: Path, data: st.DataObject) -> None:
    files = _corpus(seeds)
    chosen = data.draw(st.lists(st.sampled_from(sorted(files)), min_size=1, unique=True))
    split = data.draw(st.integers(min_value=0, max_value=len(chosen)))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _build_at_once_and_in_parts(root, files, chosen[:split], chosen[split:])
        build([root / "two"], root / "parts.db", config=BuildConfig(batch_size=2))  # a part twice
        once, parts = archive_content(root / "once.db"), archive_content(root / "parts.db")
        # uris differ (the parts sit in other folders); everything else must be equal
        assert [(p[0], *p[2:]) for p in once["pages"]] == [(p[0], *p[2:]) for p in parts["pages"]]
        for table in ("blocks", "copies", "articles", "stories"):
            assert once[table] == parts[table], table
        shutil.rmtree(root / "all")


def test_exact_copies_share_an_article(seeds: Path, tmp_path: Path) -> None:
    alone = build([seeds], tmp_path / "alone.db")
    folder = tmp_path / "in"
    shutil.copytree(seeds, folder)
    gold = json.loads((seeds.parent / "seeds.gold.json").read_text(encoding="utf-8"))
    held: dict[str, int] = {}
    for article in gold["articles"].values():
        for page in article["copies"]:
            held[page] = held.get(page, 0) + 1
    page = min(p for p, n in held.items() if n > 1)  # a page carrying several articles
    shutil.copy(folder / page, folder / "zz_copy.txt")
    summary = build([folder], tmp_path / "a.db")
    result = CliRunner().invoke(cli, ["export", "pages", "--db", str(tmp_path / "a.db")])
    pages = {p["id"]: p for p in map(json.loads, result.output.splitlines())}
    copied = pages[page]["articles"]
    # Every copy on the copied page joins the article of its original: no new article.
    assert len(copied) == held[page] and pages["zz_copy.txt"]["articles"] == copied
    assert summary.totals["articles"] == alone.totals["articles"]
    assert summary.totals["copies"] == alone.totals["copies"] + len(copied)


def test_jsonl_gz_feed_builds(tmp_path: Path) -> None:
    lines = "\n".join(json.dumps({"text": p, "published": "2026-01-02"}) for p in PARAGRAPHS)
    (tmp_path / "f.jsonl.gz").write_bytes(gzip.compress(lines.encode(), mtime=0))
    summary = build([tmp_path / "f.jsonl.gz"], tmp_path / "a.db")
    assert summary.pages_new == 3
    dates = {row[9] for row in archive_content(tmp_path / "a.db")["pages"]}
    assert dates == {"2026-01-02"}


EVIDENCE = {
    "line_counts": "SELECT kind, key, site, pages FROM line_counts ORDER BY kind, key, site",
    "site_counts": "SELECT site, pages FROM site_counts ORDER BY site",
    "source_counts": "SELECT key, name, pages FROM source_counts ORDER BY key",
    "line_keys": "SELECT page_id, kind, key, counted FROM line_keys ORDER BY page_id, kind, key",
    "queue": "SELECT page_id FROM segment_queue",
}


def _evidence(db: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(db)
    try:
        return {name: [tuple(r) for r in conn.execute(sql)] for name, sql in EVIDENCE.items()}
    finally:
        conn.close()


def test_changed_and_rejected_pages_leave_the_counts_of_a_fresh_build(
    seeds: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    shutil.copytree(seeds, folder)
    db = tmp_path / "a.db"
    build([folder], db, config=BuildConfig(batch_size=2))
    names = sorted(p.name for p in folder.iterdir())
    # A page gets another page's text, one becomes unreadable, one is new.
    (folder / names[0]).write_bytes((seeds / names[4]).read_bytes())
    (folder / names[3]).write_bytes(b"")
    shutil.copy(seeds / names[1], folder / "zz_new.txt")
    summary = build([folder], db, config=BuildConfig(batch_size=2))
    assert (summary.pages_updated, summary.pages_new, summary.pages_rejected) == (2, 1, 1)
    fresh = tmp_path / "fresh.db"
    build([folder], fresh)
    assert _evidence(db) == _evidence(fresh)
    assert _evidence(db)["queue"] == []
    changed, whole = archive_content(db), archive_content(fresh)
    for table in ("pages", "blocks", "copies"):
        assert changed[table] == whole[table], table
    # Articles as segmentation and grouping make them (their story is another stage's).
    assert [a[:7] for a in changed["articles"]] == [a[:7] for a in whole["articles"]]


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def start(self, total_bytes: int) -> None:
        self.calls.append(("start", 0, total_bytes))

    def advance(self, done_bytes: int, page_id: str) -> None:
        self.calls.append(("read", done_bytes, 0))

    def segmenting(self, done: int, total: int, page_id: str) -> None:
        self.calls.append(("segment", done, total))


def test_progress_covers_reading_then_segmenting(seeds: Path, tmp_path: Path) -> None:
    bar = _Recorder()
    build([seeds], tmp_path / "a.db", config=BuildConfig(batch_size=2), progress=bar)
    size = sum(p.stat().st_size for p in seeds.iterdir())
    assert bar.calls[0] == ("start", 0, size)
    reads = [done for kind, done, _ in bar.calls if kind == "read"]
    assert reads == sorted(reads) and reads[-1] == size
    segments = [(done, total) for kind, done, total in bar.calls if kind == "segment"]
    assert segments == [(2, 5), (4, 5), (5, 5)]
    assert [kind for kind, *_ in bar.calls].index("segment") > len(reads)


def test_a_copy_added_later_makes_its_article_the_story_representative(
    seeds: Path, tmp_path: Path
) -> None:
    """A build that only adds a copy of an article of a story looks at the story again: the
    article is now the most printed, so it titles the story, as in a build at once."""
    files = _corpus(seeds)
    first, other = sorted(seeds.iterdir())[0].name, sorted(seeds.iterdir())[-1].name
    _build_at_once_and_in_parts(tmp_path, files, [other, "copy_of_first.txt"], [first])
    once, split = archive_content(tmp_path / "once.db"), archive_content(tmp_path / "parts.db")
    assert once["stories"] == split["stories"]
    # The page printed twice gives its story's title.
    conn = sqlite3.connect(tmp_path / "once.db")
    (article,) = conn.execute(
        "SELECT article_id FROM copies GROUP BY article_id HAVING COUNT(*) = 2"
    ).fetchone()
    story_title, article_title = conn.execute(
        "SELECT s.title, a.title FROM stories s JOIN articles a ON a.story_id = s.id "
        "WHERE a.id = ?",
        (article,),
    ).fetchone()
    conn.close()
    assert story_title == article_title


def test_migration_11_looks_at_every_story_once(seeds: Path, tmp_path: Path) -> None:
    """An archive from before migration 11 may hold a story titled by an article that is no
    longer its most printed: the next build looks at every story again."""
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    build([seeds], fresh)
    build([seeds], old)
    conn = sqlite3.connect(old)
    conn.executescript("UPDATE stories SET title = 'stale'; PRAGMA user_version = 10;")
    conn.close()
    build([seeds], old)
    assert archive_content(old)["stories"] == archive_content(fresh)["stories"]


def test_a_second_build_of_an_archive_waits_for_the_first(seeds: Path, tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    build([seeds], db)
    with Archive.open(db) as holder:
        lock = holder.building()
        lock.__enter__()  # another build at work
        waited: list[bool] = []

        def on_wait() -> None:  # told before it blocks: the other build ends now
            waited.append(True)
            lock.__exit__(None, None, None)

        summary = build([seeds], db, on_wait=on_wait)
    assert waited == [True] and summary.status == "done"
    with sqlite3.connect(db) as conn:
        statuses = [row[0] for row in conn.execute("SELECT status FROM runs ORDER BY id")]
    conn.close()
    assert statuses == ["done", "done"]  # neither took the other for interrupted
    assert build([seeds], db, on_wait=lambda: waited.append(False)).status == "done"
    assert waited == [True]  # no build at work: no waiting


def test_a_full_disk_is_one_line_and_the_archive_stays_whole(
    seeds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "a.db"
    build([seeds], db)
    before = archive_content(db)

    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr("wirecopy.build._write_batch", full)
    result = CliRunner().invoke(cli, ["build", str(seeds), "--db", str(db), "-q"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "cannot write to" in result.output and "database or disk is full" in result.output
    assert archive_content(db) == before
