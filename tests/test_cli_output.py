"""What the reading verbs print: queries of several words, text from the archive shown as it
is (no emoji codes, no markup), and output that cannot be written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wirecopy.build import build
from wirecopy.cli import cli
from wirecopy.config import BuildConfig
from wirecopy.render import date_span

TITLE = "Harbour alarm :smile: upgrade [b]bold[/b] a:b:c"
PARAGRAPHS = [
    "The harbour council of Brindlemoor voted on Tuesday to replace the old alarm system "
    "on the north quay, ending a dispute that had run for three winters.",
    "Councillor Edda Varn said the new sirens would be heard across the whole bay :boom: "
    "and that work would begin before the spring tides.",
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("output")
    pages = root / "pages" / "herald.example"
    pages.mkdir(parents=True)
    (pages / "alarm.txt").write_text(TITLE + "\n\n" + "\n\n".join(PARAGRAPHS) + "\n")
    path = root / "a.db"
    build([root / "pages"], path, config=BuildConfig(entities=False))
    return path


def _article_id(db: Path) -> str:
    result = CliRunner().invoke(cli, ["export", "articles", "--db", str(db)])
    record: dict[str, str] = json.loads(result.output.splitlines()[0])
    return record["id"]


# Several words -------------------------------------------------------------------------------


def test_a_query_of_several_arguments_is_their_words_joined(db: Path) -> None:
    apart = CliRunner().invoke(cli, ["search", "harbour", "sirens", "--db", str(db), "--json"])
    together = CliRunner().invoke(cli, ["search", "harbour sirens", "--db", str(db), "--json"])
    assert apart.exit_code == 0, apart.output
    assert apart.output == together.output
    assert len(json.loads(apart.output)) == 1


def test_a_query_starting_with_a_dash_after_double_dash(db: Path) -> None:
    # As the README shows it: options before --, the query after.
    result = CliRunner().invoke(cli, ["search", "--db", str(db), "--json", "--", "-tram", "alarm"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)) == 1
    excluded = CliRunner().invoke(cli, ["search", "--db", str(db), "--json", "--", "-alarm", "bay"])
    assert json.loads(excluded.output) == []


def test_no_query_is_a_usage_error(db: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "--db", str(db)])
    assert result.exit_code == 2
    assert "QUERY" in result.output


def test_json_with_no_hit_prints_an_empty_list(db: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "zeppelin", "--db", str(db), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == []


def test_an_unknown_filter_value_is_named_on_stderr(db: Path) -> None:
    result = CliRunner().invoke(
        cli, ["search", "alarm", "--db", str(db), "--json", "--story", "s-nope"]
    )
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no story 's-nope' in the archive"


# Text shown as it is ---------------------------------------------------------------------------


def test_search_shows_emoji_codes_and_brackets_as_text(db: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "sirens", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert ":smile:" in result.output and "😄" not in result.output
    assert "[b]bold[/b]" in result.output
    assert ":boom:" in result.output and "💥" not in result.output


def test_a_query_is_echoed_as_typed(db: Path) -> None:
    nothing = CliRunner().invoke(cli, ["search", "zep:b:pelin", "--db", str(db)])
    assert nothing.output.strip() == "no article matches 'zep:b:pelin'"


def test_show_prints_emoji_codes_and_markup_as_text(db: Path) -> None:
    result = CliRunner().invoke(cli, ["show", _article_id(db), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert TITLE in result.output
    assert ":boom:" in result.output and "💥" not in result.output


# Output that cannot be written -----------------------------------------------------------------


def test_export_to_a_dash_is_standard_output(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where a file named "-" would land
    plain = CliRunner().invoke(cli, ["export", "stories", "--db", str(db)])
    dash = CliRunner().invoke(cli, ["export", "stories", "--db", str(db), "-o", "-"])
    assert dash.exit_code == 0, dash.output
    assert dash.output == plain.output and json.loads(dash.output.splitlines()[0])["title"]
    assert not (tmp_path / "-").exists()
    parquet = CliRunner().invoke(
        cli, ["export", "stories", "--db", str(db), "-o", "-", "--format", "parquet"]
    )
    assert parquet.exit_code == 2 and "give a file with -o FILE" in parquet.output


needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "wirecopy", *args], text=True, check=False, **kwargs
    )


@needs_dev_full
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_to_a_full_disk_is_one_line(db: Path, fmt: str) -> None:
    result = _run(
        ["export", "articles", "--db", str(db), "--format", fmt, "-o", "/dev/full"],
        capture_output=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Error: cannot write /dev/full: ")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


@needs_dev_full
@pytest.mark.parametrize(
    "args",
    [
        ["export", "articles"],
        ["search", "alarm"],
        ["search", "alarm", "--json"],
        ["stats"],
        ["show", "herald.example/alarm.txt"],
    ],
)
def test_standard_output_on_a_full_disk_is_one_line(db: Path, args: list[str]) -> None:
    with Path("/dev/full").open("w") as full:
        result = _run([*args, "--db", str(db)], stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: cannot write standard output: No space left on device"


@pytest.mark.parametrize("args", [["export", "articles"], ["search", "alarm"], ["stats"]])
def test_a_closed_pipe_ends_quietly(db: Path, args: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written, as `| head` once done
    try:
        result = _run([*args, "--db", str(db)], stdout=write, stderr=subprocess.PIPE)
    finally:
        os.close(write)
    assert result.stderr == ""
    assert result.returncode == 1


@needs_dev_full
def test_dedup_and_build_summaries_to_a_full_disk_are_one_line(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(f'{{"id": {i}, "text": "words of record {i}"}}\n' for i in range(5)))
    runs = {
        "clusters": (["dedup", str(feed), "-q"], "standard output"),
        "clusters -o": (["dedup", str(feed), "-o", "/dev/full"], "/dev/full"),
        "summary": (["build", str(feed), "--db", str(tmp_path / "x.db"), "--json"], ""),
    }
    for args, where in runs.values():
        with Path("/dev/full").open("w") as full:
            result = _run(args, stdout=full, stderr=subprocess.PIPE)
        assert result.returncode == 1
        assert result.stderr.strip().startswith(f"Error: cannot write {where or 'standard'}")
        assert "Traceback" not in result.stderr


TERMINATED_HALF_WAY = """
import os, signal, sys
import wirecopy.cli as cli

real = cli.rows

def rows(*args):
    found = iter(real(*args))
    yield next(found)
    os.kill(os.getpid(), signal.SIGTERM)  # as a scheduler stops the job
    yield from found

cli.rows = rows
sys.argv = ["wirecopy", "export", "articles", "--db", sys.argv[1], "-o", sys.argv[2]]
cli.main()
"""


def test_sigterm_during_an_export_leaves_no_file(db: Path, tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(TERMINATED_HALF_WAY)
    out = tmp_path / "out" / "articles.jsonl"
    out.parent.mkdir()
    result = subprocess.run(
        [sys.executable, str(script), str(db), str(out)], capture_output=True, text=True
    )
    assert result.returncode == 143, result.stderr
    assert result.stderr.strip() == "Terminated."
    assert list(out.parent.iterdir()) == []  # neither the file nor its part


def test_a_storys_dates_read_as_a_span_one_day_or_none() -> None:
    assert date_span("2026-03-02", "2026-03-05") == "2026-03-02 … 2026-03-05"
    assert date_span("2026-03-02", "2026-03-02") == "2026-03-02"
    assert date_span(None, None) == "undated"
