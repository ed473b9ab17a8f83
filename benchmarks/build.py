"""Build benchmark: ``wirecopy build`` over the 21,578 Reuters stories as JSONL pages.

Converts Reuters-21578 to ``benchmarks/data/reuters.jsonl`` (git-ignored; made again only
when missing or older than the corpus), then runs ``wirecopy build FILE --db TMP --json``
in a child process ``--repeat`` times, each into a fresh archive, and measures wall time,
pages per second, input MB per second and the child's peak resident memory (from
``os.wait4``: that child only). Writes ``benchmarks/results/build.json`` with the machine,
the command, every run and the medians, and prints a Markdown table row for BENCHMARKS.md.

Run from the repository root:

    python -m benchmarks.build --repeat 3
    python -m benchmarks.build --input benchmarks/data/synd.jsonl.gz --repeat 1
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from benchmarks.reuters_to_jsonl import REPO, convert, shared_corpus

DATA = REPO / "benchmarks" / "data"
RESULTS = REPO / "benchmarks" / "results"


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    peak_rss_mb: float
    exit_code: int
    summary: dict[str, Any] | None  # what `wirecopy build --json` printed


def wirecopy_command() -> list[str]:
    """The console script beside this Python, or ``python -m wirecopy``."""
    script = Path(sys.executable).with_name("wirecopy")
    return [str(script)] if script.exists() else [sys.executable, "-m", "wirecopy"]


def reuters_input(limit: int | None = None, compress: bool = False) -> tuple[Path, int]:
    """The Reuters JSONL file, converted when missing or stale; its path and page count."""
    corpus = shared_corpus()
    suffix = f"-{limit}" if limit else ""
    out = DATA / f"reuters{suffix}.jsonl{'.gz' if compress else ''}"
    newest = max(p.stat().st_mtime for p in corpus.glob("reut2-*.sgm"))
    if not out.exists() or out.stat().st_mtime < newest:
        convert(corpus, out, limit=limit, compress=compress)
    return out, count_lines(out)


def _open(path: Path) -> IO[bytes] | gzip.GzipFile:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def count_lines(path: Path) -> int:
    """Non-blank lines: the pages of a JSONL file."""
    with _open(path) as handle:
        return sum(1 for line in handle if line.strip())


def uncompressed_size(path: Path) -> int:
    if not path.name.endswith(".gz"):
        return path.stat().st_size
    size = 0
    with _open(path) as handle:
        while chunk := handle.read(1 << 20):
            size += len(chunk)
    return size


def run_build(command: list[str], input_path: Path, db: Path) -> Run:
    """Run one build in a child process; time it and read its peak memory."""
    args = [*command, "build", str(input_path), "--db", str(db), "--json"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(args, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode()
    if code != 0:
        print(f"wirecopy build exited with {code}:\n{stderr[-2000:]}", file=sys.stderr)
    try:
        summary = json.loads(stdout) if stdout.strip() else None
    except json.JSONDecodeError:
        summary = None
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS
    scale = 1 if sys.platform == "darwin" else 1024
    return Run(seconds, usage.ru_maxrss * scale / 1e6, code, summary)


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "memory_gb": _memory_gb(),
    }


def _memory_gb() -> float | None:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return round(pages * size / 1e9, 1)


def git_commit() -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        head = subprocess.run(
            [git, "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            [git, "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return None
    return f"{head}{'-dirty' if dirty else ''}" if head else None


def benchmark(input_path: Path, pages: int, repeat: int, command: list[str]) -> dict[str, Any]:
    """Build `input_path` `repeat` times into fresh archives; the results as plain data."""
    runs: list[Run] = []
    for i in range(repeat):
        with tempfile.TemporaryDirectory(prefix="wirecopy-bench-") as tmp:
            run = run_build(command, input_path, Path(tmp) / "bench.db")
        runs.append(run)
        print(
            f"run {i + 1}/{repeat}: {run.seconds:.2f} s, peak {run.peak_rss_mb:.0f} MB, "
            f"exit {run.exit_code}",
            file=sys.stderr,
        )
    size = uncompressed_size(input_path)
    seconds = statistics.median(r.seconds for r in runs)
    return {
        "benchmark": "build",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "command": [*command, "build", str(_relative(input_path)), "--db", "TMP", "--json"],
        "input": {
            "path": str(_relative(input_path)),
            "pages": pages,
            "bytes": size,
            "bytes_on_disk": input_path.stat().st_size,
        },
        "repeat": repeat,
        "median": {
            "seconds": round(seconds, 3),
            "pages_per_second": round(pages / seconds, 1),
            "mb_per_second": round(size / 1e6 / seconds, 3),
            "peak_rss_mb": round(statistics.median(r.peak_rss_mb for r in runs), 1),
        },
        "ok": all(r.exit_code == 0 for r in runs),
        "runs": [asdict(r) for r in runs],
    }


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(REPO)
    except ValueError:
        return path


TABLE_HEADER = (
    "| date | commit | input | pages | MB | median s | pages/s | MB/s | peak RSS MB | machine |\n"
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
)


def table_row(result: dict[str, Any]) -> str:
    m, i, box = result["median"], result["input"], result["machine"]
    where = f"{box['cpu_count']} CPU, Python {box['python']}, {box['platform']}"
    cells = [
        result["when"][:10],
        result["commit"] or "?",
        Path(i["path"]).name,
        f"{i['pages']:,}",
        f"{i['bytes'] / 1e6:.1f}",
        f"{m['seconds']:.2f}",
        f"{m['pages_per_second']:,.0f}",
        f"{m['mb_per_second']:.2f}",
        f"{m['peak_rss_mb']:.0f}",
        where,
    ]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark `wirecopy build` on the Reuters corpus as JSONL pages.",
        epilog="Example: python -m benchmarks.build --repeat 3",
    )
    parser.add_argument("--repeat", type=int, default=3, help="builds to run (median reported)")
    parser.add_argument("--limit", type=int, help="only the first N Reuters pages")
    parser.add_argument("--gzip", action="store_true", help="feed wirecopy a .jsonl.gz file")
    parser.add_argument("--input", type=Path, help="a JSONL(.gz) file to build instead")
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS / "build.json",
        help="results file (default: %(default)s)",
    )
    parser.add_argument(
        "--wirecopy", help="command to run wirecopy (default: the console script of this venv)"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.input:
        input_path, pages = args.input, count_lines(args.input)
    else:
        input_path, pages = reuters_input(args.limit, args.gzip)
    command = args.wirecopy.split() if args.wirecopy else wirecopy_command()
    result = benchmark(input_path, pages, args.repeat, command)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    print(TABLE_HEADER)
    print(table_row(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
