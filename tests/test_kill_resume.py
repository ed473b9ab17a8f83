"""A build killed with SIGKILL half way leaves a sound archive, and a rerun completes it.

The build runs in a real subprocess that kills itself at a chosen point of either phase
(reading pages, segmenting them): inside a batch's transaction, or between batches. So
the test does not depend on timing.
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
    from contextlib import contextmanager
    from wirecopy.archive import db
    from wirecopy.cli import main

    phase, where, at = sys.argv.pop(1), sys.argv.pop(1), int(sys.argv.pop(1))
    calls = {"write_pages": 0, "write_segments": 0}
    current = {"phase": ""}
    transaction = db.Archive.transaction

    @contextmanager
    def kill_inside(self):  # the batch's writes are done, its COMMIT not yet
        with transaction(self) as conn:
            yield conn
            if where == "inside" and current["phase"] == phase and calls[phase] == at:
                os.kill(os.getpid(), signal.SIGKILL)

    def wrap(name):
        original = getattr(db.Archive, name)

        def method(self, *args):
            calls[name] += 1
            current["phase"] = name
            original(self, *args)
            current["phase"] = ""
            if where == "between" and name == phase and calls[name] == at:
                os.kill(os.getpid(), signal.SIGKILL)

        setattr(db.Archive, name, method)

    db.Archive.transaction = kill_inside
    wrap("write_pages")
    wrap("write_segments")
    sys.argv[0] = "wirecopy"
    main()
    """
)

PAGES = 751  # 3 x 250 dispatches and one broken line
BATCH = 200


PLACES = ["Brindlemoor", "Oskarvik", "Tallowmere", "Quenby", "Hardwater", "Lissing", "Corrin"]
THINGS = ["tide", "river", "canal", "lake", "estuary", "reservoir", "mill pond", "harbour"]
PEOPLE = ["fishermen", "ferrymen", "lock keepers", "boatwrights", "net makers", "pilots"]


def dispatch(part: int, n: int) -> str:
    """A small article, its words varied with ``n`` so no two pages print the same line."""
    place, thing = PLACES[n % 7], THINGS[(n // 7) % 8]
    people, other = PEOPLE[(n // 56) % 6], PLACES[(n // 3 + part) % 7]
    return (
        f"{thing.title()} rises at {place} as {people} from {other} watch\n\n"
        f"The {thing} at {place} rose {n} cm on day {part}, the office in {other} said.\n\n"
        f"The {people} of {place} said the water reached step {n % 9 + 1} of the old "
        f"{thing} landing before it fell back towards {other}."
    )


def make_feed(folder: Path) -> Path:
    folder.mkdir()
    (folder / "bad.jsonl").write_text('{"text": oops}\n')
    for part in range(3):
        lines = [json.dumps({"text": dispatch(part, n), "source": "Wire"}) for n in range(250)]
        (folder / f"feed{part}.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def wirecopy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wirecopy", *args], capture_output=True, text=True, check=False
    )


# Entities come after both phases and are not what is checked here: leave them out, so the
# four builds of each case stay quick.
FAST = "--no-entities"


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The feed and the archive an uninterrupted build makes of it."""
    root = tmp_path_factory.mktemp("whole")
    feed = make_feed(root / "in")
    db = root / "whole.db"
    assert wirecopy("build", str(feed), "--db", str(db), "-q", FAST).returncode == 0
    return feed, db


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("phase", "where"),
    [
        ("write_pages", "inside"),
        ("write_pages", "between"),
        ("write_segments", "inside"),
        ("write_segments", "between"),
    ],
)
def test_killed_build_resumes_to_the_same_archive(
    tmp_path: Path, whole: tuple[Path, Path], phase: str, where: str
) -> None:
    feed, whole_db = whole
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    killed = tmp_path / "killed.db"
    args = [sys.executable, str(driver), phase, where, "3", "build", str(feed), FAST]
    run = subprocess.run(
        [*args, "--db", str(killed), "-q"], capture_output=True, text=True, check=False
    )
    assert run.returncode == -signal.SIGKILL, run.stderr

    conn = sqlite3.connect(killed)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    pages = count(killed, "SELECT COUNT(*) FROM pages")
    queued = count(killed, "SELECT COUNT(*) FROM segment_queue")
    batches = 2 if where == "inside" else 3  # batches committed before the kill
    if phase == "write_pages":
        # Killed while reading: whole batches of pages, all queued, none segmented yet.
        assert pages == batches * BATCH
        assert queued == pages - 1  # the broken line is a rejected page: nothing to segment
        assert count(killed, "SELECT COUNT(*) FROM copies") == 0
    else:
        # Killed while segmenting: every page read, whole batches segmented.
        assert pages == PAGES
        assert queued == PAGES - 1 - batches * BATCH
        segmented = count(killed, "SELECT COUNT(DISTINCT page_id) FROM blocks")
        assert segmented == batches * BATCH
        # A page is either segmented (its blocks written) or still queued, never half.
        assert (
            count(
                killed,
                "SELECT COUNT(*) FROM segment_queue q JOIN blocks b ON b.page_id = q.page_id",
            )
            == 0
        )

    rerun = wirecopy("build", str(feed), "--db", str(killed), "--json", FAST)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["pages_unchanged"] == pages
    assert summary["pages_new"] == PAGES - pages
    assert count(killed, "SELECT COUNT(*) FROM segment_queue") == 0
    assert archive_content(killed) == archive_content(whole_db)
    assert count(whole_db, "SELECT COUNT(*) FROM copies") == PAGES - 1
    runs = sqlite3.connect(killed).execute("SELECT status FROM runs ORDER BY id").fetchall()
    assert [r[0] for r in runs] == ["interrupted", "done"]
