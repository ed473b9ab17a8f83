"""Readers (`export`, `stats`) work while a build holds the write lock."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from wirecopy.archive.db import Archive
from wirecopy.build import build
from wirecopy.cli import cli


def test_export_and_stats_read_a_snapshot_during_a_write(seeds: Path, tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    build([seeds], db)
    runner = CliRunner()
    before = json.loads(runner.invoke(cli, ["stats", "--db", str(db), "--json"]).output)["totals"]
    exported = runner.invoke(cli, ["export", "articles", "--db", str(db)]).output
    assert before["articles"] > 0 and len(exported.splitlines()) == before["articles"]
    writer = Archive.open(db)
    with writer.transaction() as conn:
        # An uncommitted write, as a build holds between its batch's first insert and commit.
        conn.execute("DELETE FROM copies")
        conn.execute("DELETE FROM articles")
        stats = runner.invoke(cli, ["stats", "--db", str(db), "--json"])
        assert stats.exit_code == 0, stats.output
        assert json.loads(stats.output)["totals"] == before
        export = runner.invoke(cli, ["export", "articles", "--db", str(db)])
        assert export.exit_code == 0, export.output
        assert export.output == exported
        conn.execute("ROLLBACK")
        conn.execute("BEGIN")  # the context manager commits on exit
    writer.close()
