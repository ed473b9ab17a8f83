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


def _count(n: int, noun: str, plural: str = "") -> str:
    """``1 cluster``, ``2 clusters``: a count with its noun."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


# What each kind of problem is called in the summary, once its first few have been named.
KIND_NAMES = {
    "broken_json": "broken JSON lines",
    "not_object": "lines that are not JSON objects",
    "no_text": "records without the text field",
    "not_string": "records whose text is not a string",
    "empty_text": "records with empty text",
    "no_words": "texts without words",
    "short_text": "texts shorter than a shingle",
    "duplicate_id": "repeated ids",
    "bad_id": "unusable ids",
    "bad_utf8": "lines not valid UTF-8 (read with U+FFFD)",
}


def print_summary(summary: DedupSummary, out: TextIO) -> None:
    """A few plain lines: what was read, how it grouped, how long it took."""
    mb = summary.input_bytes / 1e6
    rate = mb / summary.seconds if summary.seconds > 0 else 0.0
    lines = [
        f"{_count(summary.records, 'record')} ({mb:,.1f} MB) in {summary.seconds:.2f} s "
        f"({rate:,.1f} MB/s, {summary.engine} engine, {_count(summary.workers, 'worker')})",
        f"{_count(summary.clusters, 'cluster')}; {_count(summary.duplicates, 'duplicate')} "
        f"({summary.exact_duplicates:,} exact, {summary.near_duplicates:,} near)",
        f"candidate pairs {summary.candidate_pairs:,}, checked {summary.checked_pairs:,}, "
        f"similar {summary.similar_pairs:,}",
    ]
    if summary.problems:
        total = sum(summary.problem_counts.values()) or len(summary.problems)
        kept_out = _count(summary.excluded, "record")
        named = (
            "named above"
            if total == len(summary.problems)
            else (f"(the first {len(summary.problems):,} named above)")
        )
        out_of_matching = (
            f"{kept_out} kept out of matching (each is its own cluster in the output)"
            if summary.excluded
            else "every record matched"
        )
        lines.append(f"{_count(total, 'problem')} {named}; {out_of_matching}")
    for kind, more in summary.unshown_problems.items():
        lines.append(f"… and {more:,} more {KIND_NAMES.get(kind, kind.replace('_', ' '))}")
    out.write("".join(line + "\n" for line in lines))
