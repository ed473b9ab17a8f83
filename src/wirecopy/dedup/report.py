"""How `wirecopy dedup` shows a run on the terminal: a progress bar and a summary."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from wirecopy.dedup.run import DedupProgress, DedupSummary


class DedupBar:
    """A Rich progress bar over the bytes of the input, on `console` (standard error)."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(
            TextColumn("[bold]{task.description:<8}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[records]:,} records", style="dim"),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("reading", total=None, records=0)

    def __enter__(self) -> DedupBar:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def __call__(self, p: DedupProgress) -> None:
        stage = {"read": "reading", "cluster": "grouping", "write": "writing"}[p.stage]
        self.bar.update(
            self.task,
            description=stage,
            total=p.total_bytes or None,
            completed=p.input_bytes,
            records=p.records,
        )


def print_summary(summary: DedupSummary, out: TextIO) -> None:
    """A few plain lines: what was read, how it grouped, how long it took."""
    mb = summary.input_bytes / 1e6
    rate = mb / summary.seconds if summary.seconds > 0 else 0.0
    workers = f"{summary.workers} worker{'s' if summary.workers != 1 else ''}"
    lines = [
        f"{summary.records:,} records ({mb:,.1f} MB) in {summary.seconds:.2f} s "
        f"({rate:,.1f} MB/s, {summary.engine} engine, {workers})",
        f"{summary.clusters:,} clusters; {summary.duplicates:,} duplicates "
        f"({summary.exact_duplicates:,} exact, {summary.near_duplicates:,} near)",
        f"candidate pairs {summary.candidate_pairs:,}, checked {summary.checked_pairs:,}, "
        f"similar {summary.similar_pairs:,}",
    ]
    if summary.problems:
        lines.append(
            f"{len(summary.problems):,} problems named above; {summary.excluded:,} records "
            "kept out of matching (each is its own cluster in the output)"
        )
    out.write("".join(line + "\n" for line in lines))
