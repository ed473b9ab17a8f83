"""The command line: help that teaches, JSON twins, clean errors, documented verbs."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO
from wirecopy.build import build
from wirecopy.cli import cli

VERBS = sorted(cli.commands)


def test_the_verbs_of_this_release() -> None:
    assert VERBS == ["build", "dedup", "export", "search", "serve", "show", "stats"]


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help_with_an_example(verb: str) -> None:
    result = CliRunner().invoke(cli, [verb, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"wirecopy {verb}" in result.output


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_is_documented_in_the_readme(verb: str) -> None:
    readme = (REPO / "README.md").read_text()
    assert f"wirecopy {verb}" in readme


def test_missing_archive_is_a_clean_error(tmp_path: Path) -> None:
    for args in (["stats"], ["export", "pages"], ["show", "x"]):
        result = CliRunner().invoke(cli, [*args, "--db", str(tmp_path / "none.db")])
        assert result.exit_code == 1
        assert "no archive at" in result.output
        assert "Traceback" not in result.output


def test_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["build", str(tmp_path / "nope"), "--db", str(tmp_path / "a.db")]
    )
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_not_an_archive(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_text("this is not sqlite" * 100)
    result = CliRunner().invoke(cli, ["stats", "--db", str(bogus)])
    assert result.exit_code == 1
    assert "not a wirecopy archive" in result.output


def test_another_sqlite_database_is_no_archive_and_is_not_written(
    seeds: Path, tmp_path: Path
) -> None:
    for version in (0, 5):  # many programs set a user_version of their own
        other = tmp_path / f"shop{version}.db"
        with sqlite3.connect(other) as conn:
            conn.execute("CREATE TABLE customers (id INTEGER)")
            conn.execute(f"PRAGMA user_version = {version}")
        conn.close()
        before = other.read_bytes()
        for args in (["stats"], ["search", "bridge"], ["export", "pages"], ["build", str(seeds)]):
            result = CliRunner().invoke(cli, [*args, "--db", str(other)])
            assert result.exit_code == 1, args
            assert "not a wirecopy archive" in result.output and "customers" in result.output
            assert "older schema" not in result.output and "Traceback" not in result.output
        assert other.read_bytes() == before  # not a byte written: no tables, no WAL mode
    empty = tmp_path / "empty.db"
    empty.touch()
    result = CliRunner().invoke(cli, ["stats", "--db", str(empty)])
    assert result.exit_code == 1 and "empty, not yet an archive" in result.output


def test_an_archive_kept_in_its_input_folder_is_not_read_as_a_page(
    seeds: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "pages"
    shutil.copytree(seeds, folder)
    db = folder / "archive.db"
    for _ in range(2):  # the second build finds the archive's files in the folder
        summary = build([folder], db)
        assert summary.rejected == []
        assert summary.totals["pages"] == len(list(seeds.iterdir()))


def test_show_page_article_and_json(seeds: Path, tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    build([seeds], db)
    runner = CliRunner()
    name = min(p.name for p in seeds.iterdir())  # any seed page will do
    page = runner.invoke(cli, ["show", name, "--db", str(db), "--json"])
    assert page.exit_code == 0, page.output
    data = json.loads(page.output)
    assert data["kind"] == "page" and data["status"] == "ok"
    assert data["blocks"] and all(b["label"] for b in data["blocks"])
    article_id = data["articles"][0]["id"]
    art = runner.invoke(cli, ["show", article_id, "--db", str(db)])
    assert art.exit_code == 0, art.output
    assert article_id in art.output and name in art.output
    text = runner.invoke(cli, ["show", name, "--db", str(db)])
    assert "blocks" in text.output
    missing = runner.invoke(cli, ["show", "nope", "--db", str(db)])
    assert missing.exit_code == 1 and "no article, story or page" in missing.output


def test_stats_by_format_status_and_site(seeds: Path, tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    build([seeds], db)
    result = CliRunner().invoke(cli, ["stats", "--db", str(db), "--json"])
    data = json.loads(result.output)
    assert data["by_format"] == {"text": 5}
    assert data["by_status"] == {"ok": 5}
    assert data["totals"]["pages"] == 5
    human = CliRunner().invoke(cli, ["stats", "--db", str(db)])
    assert "pages by format" in human.output


def test_a_newer_schema_is_refused(tmp_path: Path, seeds: Path) -> None:
    import sqlite3

    db = tmp_path / "a.db"
    build([seeds], db)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    result = CliRunner().invoke(cli, ["stats", "--db", str(db)])
    assert result.exit_code == 1 and "newer than this wirecopy" in result.output


def test_show_help_examples_name_real_ids_of_the_example_corpus(
    examples: Path, tmp_path: Path
) -> None:
    db = tmp_path / "demo.db"
    build([examples], db)
    runner = CliRunner()
    help_text = runner.invoke(cli, ["show", "--help"]).output
    ids = [line.split()[2] for line in help_text.splitlines() if "wirecopy show " in line]
    assert len(ids) >= 2
    for ident in ids:
        result = runner.invoke(cli, ["show", ident, "--db", str(db), "--json"])
        assert result.exit_code == 0, (ident, result.output)
        assert json.loads(result.output)["kind"] in ("article", "page")


@pytest.mark.parametrize(
    "args",
    [
        ["export", "pages", "-o", "{missing}/pages.jsonl"],
        ["dedup", "{corpus}", "-o", "{missing}/clusters.jsonl"],
    ],
)
def test_an_output_file_in_a_missing_folder_is_refused_before_any_work(
    args: list[str], seeds: Path, tmp_path: Path
) -> None:
    db = tmp_path / "a.db"
    build([seeds], db)
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"id": "1", "text": "one two three four five six"}\n', encoding="utf-8")
    missing = tmp_path / "no" / "such"
    argv = [a.format(missing=missing, corpus=corpus) for a in args] + ["--db", str(db)]
    if args[0] == "dedup":
        argv = argv[:-2]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2, result.output
    assert "does not exist" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not missing.exists()


def test_reading_verbs_do_not_load_the_build_models() -> None:
    # search, show, stats, export and serve start quickly: scikit-learn and spaCy are
    # imported by the build alone.
    code = "import sys, wirecopy.cli; print(sorted({'sklearn', 'spacy'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_ctrl_c_during_a_build_says_how_to_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("wirecopy.build.build", interrupted)
    (tmp_path / "p.txt").write_text("Some words of a page.")
    db = tmp_path / "x.db"
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "p.txt"), "--db", str(db)])
    assert result.exit_code == 130
    assert "build again to go on" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("size", "bytes_"), [("20MB", 20_000_000), ("1.5KiB", 1536), ("1", 1)])
def test_sizes_people_write(size: str, bytes_: int) -> None:
    from wirecopy.config import parse_size

    assert parse_size(size) == bytes_


@pytest.mark.parametrize("size", ["0", "0.5B", "0KB", "lots"])
def test_a_max_size_no_page_could_pass_is_refused(size: str, tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_text("Some words of a page.")
    result = CliRunner().invoke(
        cli, ["build", str(tmp_path / "p.txt"), "--db", str(tmp_path / "x.db"), "--max-size", size]
    )
    assert result.exit_code == 2
    assert "--max-size" in result.output
    assert not (tmp_path / "x.db").exists()


def test_a_build_that_reads_nothing_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["build", str(empty), "--db", str(tmp_path / "a.db")])
    assert result.exit_code == 0
    assert "Nothing read: the inputs hold no file" in result.stderr
    (empty / ".hidden").write_text("not a page")  # hidden files are not read either
    warc = REPO / "examples" / "news" / "crawl" / "outlets.warc.gz"
    crawls = tmp_path / "crawls"
    crawls.mkdir()
    shutil.copy(warc, crawls / "one.warc.gz")
    result = CliRunner().invoke(cli, ["build", str(crawls), "--db", str(tmp_path / "b.db")])
    assert result.exit_code == 0 and "Nothing read" not in result.stderr
    assert "1 request record," in result.stdout and "1 warcinfo record" in result.stdout
    shutil.copy(warc, crawls / "two.warc.gz")
    result = CliRunner().invoke(cli, ["build", str(crawls), "--db", str(tmp_path / "c.db")])
    assert "2 request records," in result.stdout and "2 warcinfo records" in result.stdout


def test_an_archive_in_a_folder_one_cannot_write_is_read_as_it_stands(
    seeds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wirecopy.archive import db as archive_db

    db = tmp_path / "a.db"
    build([seeds], db)
    connect = archive_db._connect
    asked: list[str] = []

    def no_shared_memory(target: str) -> object:
        asked.append(target)
        if "immutable=1" not in target:  # what SQLite says where it cannot make the -shm
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return connect(target)

    monkeypatch.setattr(archive_db, "_connect", no_shared_memory)
    monkeypatch.setattr(os, "access", lambda path, mode: mode != os.W_OK)
    result = CliRunner().invoke(cli, ["stats", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "pages" in result.output and asked[-1].endswith("?mode=ro&immutable=1")
    new = CliRunner().invoke(cli, ["stats", "--db", str(tmp_path / "none.db")])
    assert new.exit_code == 1 and "no archive at" in new.output
