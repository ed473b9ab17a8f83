"""A build killed with SIGKILL half way leaves a sound archive, and a rerun completes it.

The build runs in a real subprocess that kills itself at a chosen point (inside a
batch's transaction, or between batches), so the test does not depend on timing.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import archive_content

DRIVER = textwrap.dedent(
    """
    import os, signal, sys
    from wirecopy.archive import db
    from wirecopy.cli import main

    where, at = sys.argv.pop(1), int(sys.argv.pop(1))
    calls = {"n": 0}
    refresh, write = db.Archive._refresh_articles, db.Archive.write

    def kill_inside(self, conn, ids):  # runs inside the batch's open transaction
        refresh(self, conn, ids)
        calls["n"] += 1
        if where == "inside" and calls["n"] == at:
            os.kill(os.getpid(), signal.SIGKILL)

    def kill_between(self, results, run_id):
        write(self, results, run_id)
        if where == "between" and calls["n"] == at:
            os.kill(os.getpid(), signal.SIGKILL)

    db.Archive._refresh_articles = kill_inside
    db.Archive.write = kill_between
    sys.argv[0] = "wirecopy"
    main()
    """
)


def make_feed(folder: Path) -> Path:
    folder.mkdir()
    for part in range(3):
        lines = [
            json.dumps(
                {
                    "text": f"Dispatch {part}-{n}: the tide at Brindlemoor rose {n} cm.",
                    "source": "Wire",
                }
            )
            for n in range(450)
        ]
        (folder / f"feed{part}.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "bad.jsonl").write_text('{"text": oops}\n')
    return folder


def wirecopy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wirecopy", *args], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("where", ["inside", "between"])
def test_killed_build_resumes_to_the_same_archive(tmp_path: Path, where: str) -> None:
    feed = make_feed(tmp_path / "in")
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    killed = tmp_path / "killed.db"
    run = subprocess.run(
        [sys.executable, str(driver), where, "3", "build", str(feed), "--db", str(killed), "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr

    conn = sqlite3.connect(killed)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    committed = conn.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
    # Batches of 200 pages: 2 committed when killed inside the 3rd, 3 when killed after it.
    assert committed == (400 if where == "inside" else 600)
    # every accepted page has its copy: the one rejected line (bad.jsonl#1) has none
    assert conn.execute("SELECT COUNT(*) FROM copies").fetchone()[0] == committed - 1
    conn.close()

    rerun = wirecopy("build", str(feed), "--db", str(killed), "--json")
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["pages_unchanged"] == committed
    assert summary["pages_new"] == 1351 - committed

    whole = tmp_path / "whole.db"
    assert wirecopy("build", str(feed), "--db", str(whole), "-q").returncode == 0
    assert archive_content(killed) == archive_content(whole)
    runs = sqlite3.connect(killed).execute("SELECT status FROM runs ORDER BY id").fetchall()
    assert [r[0] for r in runs] == ["interrupted", "done"]
