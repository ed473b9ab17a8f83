"""The build benchmark's measuring, with a stand-in for `wirecopy build`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from bench_support import REPO
from benchmarks.build import benchmark, count_lines, main, run_build, table_row, wirecopy_command

# Prints a summary as `wirecopy build --json` does, after touching some memory.
FAKE = [
    sys.executable,
    "-c",
    "import json, sys; data = bytearray(30_000_000); "
    "print(json.dumps({'pages_read': 2, 'argv': sys.argv[1:]}))",
]


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    path = tmp_path / "pages.jsonl"
    path.write_text('{"text": "one"}\n\n{"text": "two"}\n', encoding="utf-8")
    return path


def test_run_build_measures_the_child(pages: Path, tmp_path: Path) -> None:
    run = run_build(FAKE, pages, tmp_path / "x.db")
    assert run.exit_code == 0
    assert run.seconds > 0
    assert run.peak_rss_mb > 30  # the child's own peak, not this process's
    assert run.summary is not None
    assert run.summary["argv"] == ["build", str(pages), "--db", str(tmp_path / "x.db"), "--json"]


def test_run_build_reports_failure(pages: Path, tmp_path: Path) -> None:
    run = run_build([sys.executable, "-c", "raise SystemExit(3)"], pages, tmp_path / "x.db")
    assert (run.exit_code, run.summary) == (3, None)


def test_benchmark_result_and_table_row(pages: Path) -> None:
    assert count_lines(pages) == 2
    result = benchmark(pages, 2, repeat=2, command=FAKE)
    assert result["ok"] and len(result["runs"]) == 2
    assert result["input"]["pages"] == 2
    assert result["median"]["pages_per_second"] > 0
    assert {"cpu_count", "python", "platform"} <= set(result["machine"])
    row = table_row(result)
    assert row.startswith("| ") and row.count(" | ") == 9
    json.dumps(result)  # plain data


def test_main_writes_results(
    pages: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "fake_wirecopy.py"  # --wirecopy is split on spaces: a script file
    script.write_text(FAKE[2], encoding="utf-8")
    out = tmp_path / "results" / "build.json"
    args = ["--input", str(pages), "--repeat", "1", "--out", str(out)]
    assert main([*args, "--wirecopy", f"{sys.executable} {script}"]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["benchmark"] == "build" and result["input"]["pages"] == 2
    header, rule, row = capsys.readouterr().out.splitlines()
    assert "pages/s" in header and rule.startswith("| ---") and "pages.jsonl" in row


def test_wirecopy_command_is_this_venv() -> None:
    command = wirecopy_command()
    assert command[0].startswith(str(Path(sys.executable).parent)) or command[1:] == [
        "-m",
        "wirecopy",
    ]
    assert REPO.joinpath("benchmarks", "build.py").is_file()
