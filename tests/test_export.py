"""Export field shapes: exactly the DESIGN.md fields, in JSONL, CSV and Parquet."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from conftest import shared_dir
from wirecopy.build import build
from wirecopy.cli import cli

FIELDS = {
    "articles": ["id", "title", "caption", "date", "source", "text", "copies", "story", "entities"],
    "pages": ["id", "uri", "site", "status", "error", "articles", "boilerplate"],
    "stories": ["id", "title", "articles", "first_date", "last_date", "entities"],
}


@pytest.fixture(scope="module")
def db(seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "a.db"
    build([seeds], path)
    return path


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_jsonl_fields(db: Path, kind: str) -> None:
    result = CliRunner().invoke(cli, ["export", kind, "--db", str(db)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    for row in rows:
        assert list(row) == FIELDS[kind]
    if kind == "articles":
        gold = json.loads((shared_dir() / "corpus" / "seeds.gold.json").read_text())
        assert len(rows) == len(gold["articles"])
        for row in rows:
            assert row["copies"] and set(row["copies"][0]) == {"page", "kind", "similarity"}
            assert row["copies"][0]["kind"] in ("full", "partial")
            assert isinstance(row["entities"], list)
    if kind == "pages":
        assert {r["status"] for r in rows} == {"ok"}
        assert all(isinstance(r["articles"], list) and r["articles"] for r in rows)


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_csv_and_parquet_fields(db: Path, kind: str, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["export", kind, "--db", str(db), "--format", "csv"])
    assert result.exit_code == 0, result.output
    reader = csv.reader(io.StringIO(result.output))
    assert next(reader) == FIELDS[kind]
    out = tmp_path / f"{kind}.parquet"
    result = runner.invoke(cli, ["export", kind, "--db", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.schema.names == FIELDS[kind]
    jsonl = runner.invoke(cli, ["export", kind, "--db", str(db)]).output.splitlines()
    assert table.to_pylist() == [json.loads(line) for line in jsonl]


def test_parquet_to_stdout_is_refused(db: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "pages", "--db", str(db), "--format", "parquet"])
    assert result.exit_code == 2
    assert "-o FILE" in result.output


def test_json_flag_is_jsonl_and_lists_every_seed_page_ok(db: Path, seeds: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "pages", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert sorted(r["id"] for r in rows) == sorted(p.name for p in seeds.iterdir())
    assert {r["status"] for r in rows} == {"ok"}


def test_json_flag_refuses_another_format(db: Path) -> None:
    args = ["export", "pages", "--db", str(db), "--json", "--format", "csv"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "two formats" in result.output


@pytest.mark.parametrize(
    ("name", "fmt"), [("a.jsonl.gz", "jsonl"), ("a.csv.gz", "csv"), ("a.gz", None)]
)
def test_a_gz_name_is_gzipped(db: Path, tmp_path: Path, name: str, fmt: str | None) -> None:
    out = tmp_path / name
    args = ["export", "pages", "--db", str(db), "-o", str(out)]
    result = CliRunner().invoke(cli, args + (["--format", fmt] if fmt else []))
    assert result.exit_code == 0, result.output
    text = gzip.decompress(out.read_bytes()).decode("utf-8")
    plain = CliRunner().invoke(
        cli, ["export", "pages", "--db", str(db), "--format", fmt or "jsonl"]
    )
    assert text.replace("\r\n", "\n") == plain.output.replace("\r\n", "\n")
    assert len(text.splitlines()) >= 5


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.csv", "csv"), ("a.parquet", "parquet"), ("a.jsonl", "jsonl"), ("a.txt", "jsonl")],
)
def test_the_format_follows_the_file_name(db: Path, tmp_path: Path, name: str, fmt: str) -> None:
    out = tmp_path / name
    result = CliRunner().invoke(cli, ["export", "stories", "--db", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    if fmt == "parquet":
        assert pq.read_table(out).column_names == FIELDS["stories"]
    elif fmt == "csv":
        assert next(csv.reader(io.StringIO(out.read_text()))) == FIELDS["stories"]
    else:
        assert list(json.loads(out.read_text().splitlines()[0])) == FIELDS["stories"]


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "csv", "-o", "{tmp}/x.parquet"],
        ["--format", "jsonl", "-o", "{tmp}/x.csv.gz"],
        ["--json", "-o", "{tmp}/x.csv"],
        ["--format", "parquet", "-o", "{tmp}/x.jsonl"],
        ["-o", "{tmp}/x.parquet.gz"],
    ],
)
def test_a_format_the_file_name_contradicts_is_refused(
    db: Path, tmp_path: Path, args: list[str]
) -> None:
    argv = ["export", "pages", "--db", str(db), *(a.format(tmp=tmp_path) for a in args)]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2
    assert "Error:" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # refused before anything is written


@pytest.mark.parametrize("name", ["out.jsonl", "out.csv.gz", "out.parquet"])
def test_an_export_stopped_half_way_leaves_the_file_as_it_was(
    db: Path, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wirecopy.export

    target = tmp_path / name
    target.write_bytes(b"the export of yesterday")
    real = wirecopy.export.rows

    def rows_then_ctrl_c(*args: object) -> object:
        first = next(iter(real(*args)))  # type: ignore[arg-type]
        yield first
        raise KeyboardInterrupt

    monkeypatch.setattr("wirecopy.cli.rows", rows_then_ctrl_c)
    result = CliRunner().invoke(cli, ["export", "articles", "--db", str(db), "-o", str(target)])
    assert result.exit_code != 0
    assert target.read_bytes() == b"the export of yesterday"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no part file left
    monkeypatch.setattr("wirecopy.cli.rows", real)
    fresh = tmp_path / ("new-" + name)
    result = CliRunner().invoke(cli, ["export", "articles", "--db", str(db), "-o", str(fresh)])
    assert result.exit_code == 0 and fresh.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, fresh.name])


def test_an_export_to_a_special_file_writes_to_it(db: Path, tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    result = CliRunner().invoke(
        cli, ["export", "stories", "--db", str(db), "-o", str(fifo), "--format", "jsonl"]
    )
    reader.join()
    assert result.exit_code == 0
    assert fifo.exists() and not fifo.is_file()  # still the pipe, not replaced by a file
    assert len(got[0].splitlines()) == 5  # the seeds' stories


def test_a_gzip_export_names_the_file_it_holds(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.jsonl.gz"
    result = CliRunner().invoke(cli, ["export", "articles", "--db", str(db), "-o", str(out)])
    assert result.exit_code == 0
    header = out.read_bytes()
    assert header[3] & 0x08  # FNAME set: what `gunzip -N` restores
    assert header[10:].split(b"\0")[0] == b"articles.jsonl"


def test_an_export_through_a_link_keeps_the_link_and_a_file_keeps_its_mode(
    db: Path, tmp_path: Path
) -> None:
    real = tmp_path / "real.jsonl"
    real.write_text("old\n")
    real.chmod(0o600)
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    for target in (link, real):
        result = CliRunner().invoke(cli, ["export", "stories", "--db", str(db), "-o", str(target)])
        assert result.exit_code == 0
    assert link.is_symlink()
    assert len(real.read_text().splitlines()) == 5
    assert real.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("end", ["", "-wal"])
def test_an_export_onto_the_archives_own_file_is_refused(
    db: Path, tmp_path: Path, end: str
) -> None:
    before = db.read_bytes()
    target = Path(f"{db}{end}")
    result = CliRunner().invoke(cli, ["export", "articles", "--db", str(db), "-o", str(target)])
    assert result.exit_code == 2 and "the archive's own file" in result.output
    assert db.read_bytes() == before
    stats = CliRunner().invoke(cli, ["stats", "--db", str(db)])
    assert stats.exit_code == 0, stats.output
