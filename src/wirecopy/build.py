"""``build``: read inputs into an archive, then segment what changed, batch by batch.

The flow is one way: discover files → read pages → count their lines → segment them into
blocks and copies → assign copies to articles. It runs in two phases:

1. Read: each batch of new or changed pages is written with the keys of its short lines,
   added to the corpus counts the archive keeps (one transaction a batch). The pages, and
   every page already there for which one of those counts crossed a threshold its
   segmentation asked about, are queued (`wirecopy.archive.evidence.apply`).
2. Segment: queued pages are segmented against the counts of the whole archive, their
   blocks and copies written and their copies assigned to articles (one transaction a
   batch), until the queue is empty.

So the archive ends the same whatever order pages come in, in one build or several. A
build killed anywhere leaves a consistent archive: the next build skips the pages already
there (same id, same content hash) and segments what is still queued.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from wirecopy import __version__
from wirecopy.archive.db import Archive, archive_files, reading_of
from wirecopy.archive.queries import totals
from wirecopy.config import BuildConfig
from wirecopy.derive import derive
from wirecopy.readers import Skipped, discover, read
from wirecopy.records import PAGE_REJECTED, Page, Source
from wirecopy.stages.copies import page_evidence
from wirecopy.stages.segment import segment_traced


class Progress(Protocol):
    """What a build reports as it goes; the CLI draws it as a progress bar."""

    def start(self, total_bytes: int) -> None: ...

    def advance(self, done_bytes: int, page_id: str) -> None: ...

    def segmenting(self, done: int, total: int, page_id: str) -> None: ...


@dataclass(slots=True)
class BuildSummary:
    run_id: int
    inputs: list[str]
    status: str = "running"
    pages_read: int = 0
    pages_new: int = 0
    pages_updated: int = 0
    pages_unchanged: int = 0
    pages_rejected: int = 0
    pages_segmented: int = 0
    profiles_changed: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    # Entities, dates and stories (`wirecopy.derive`): what was done, or why not.
    derived: dict[str, object] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def build(
    inputs: Sequence[Path],
    db: Path | str,
    *,
    config: BuildConfig | None = None,
    progress: Progress | None = None,
    profiles: Mapping[str, Mapping[str, list[str]]] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> BuildSummary:
    """Build ``inputs`` (files and folders) into the archive at ``db``.

    ``profiles`` (from `wirecopy.stages.profiles.load_profiles`) are stored in the archive
    first; the pages of every site whose profile changed are segmented again. While another
    build writes to the same archive this one waits for it (``on_wait`` is told first).
    """
    config = config or BuildConfig()
    with Archive.open(db) as archive, archive.building(on_wait):
        return _build(archive, inputs, db, config, progress, profiles)


def _build(
    archive: Archive,
    inputs: Sequence[Path],
    db: Path | str,
    config: BuildConfig,
    progress: Progress | None,
    profiles: Mapping[str, Mapping[str, list[str]]] | None,
) -> BuildSummary:
    started = time.perf_counter()
    options = {"max_page_bytes": config.max_page_bytes, "batch_size": config.batch_size}
    run_id = archive.start_run([str(p) for p in inputs], options, __version__)
    summary = BuildSummary(run_id=run_id, inputs=[str(p) for p in inputs])
    skipped: Counter[str] = Counter()
    try:
        if profiles:
            summary.profiles_changed = archive.set_profiles(profiles)
        own = {os.path.realpath(path) for path in archive_files(db)}
        pages = _read_all(inputs, config, skipped, progress, own)
        for batch in _batched(pages, config.batch_size):
            _write_batch(archive, batch, run_id, summary)
        _count_old_pages(archive, config.batch_size)
        summary.pages_segmented = _segment_queued(archive, config.batch_size, run_id, progress)
        summary.derived = derive(archive, entities=config.entities, run_id=run_id).to_dict()
        summary.status = "done"
    except KeyboardInterrupt:
        summary.status = "interrupted"
        raise
    except BaseException:
        summary.status = "failed"
        raise
    finally:
        summary.skipped = dict(sorted(skipped.items()))
        summary.totals = totals(archive.conn)
        summary.seconds = round(time.perf_counter() - started, 3)
        counts = {k: v for k, v in summary.to_dict().items() if k.startswith("pages_")}
        counts |= {"rejected": len(summary.rejected), **summary.totals}
        archive.finish_run(run_id, counts, summary.seconds, summary.status)
    return summary


def _read_all(
    inputs: Sequence[Path],
    config: BuildConfig,
    skipped: Counter[str],
    progress: Progress | None,
    own: Collection[str] = (),
) -> Iterator[Page]:
    sources = sources_of(inputs, skipped, own)
    sizes = [_size(source) for source in sources]
    if progress:
        progress.start(sum(sizes))
    done = 0
    for source, size in zip(sources, sizes, strict=True):
        consumed = 0
        for item in read(source, config):
            if isinstance(item, Skipped):
                skipped[item.reason] += 1
                continue
            yield item
            if progress and size > 1 << 20:
                # Inside a big container, move the bar by the bytes of each record read
                # (capped: compressed files hold more bytes than their size).
                consumed += len(item.raw)
                progress.advance(done + min(consumed, size), item.id)
        done += size
        if progress:
            progress.advance(done, source.page_id)


TWICE = "files given twice (read once)"
LINKED = "links to a file already read (read once)"
OWN = "files of the archive itself"
"""The reasons a build skips a file: it already reached it, through another input or through
a symbolic link inside the same one; or it is the archive being built (kept in an input
folder) or one of SQLite's files beside it."""


def sources_of(
    inputs: Sequence[Path], skipped: Counter[str] | None = None, own: Collection[str] = ()
) -> list[Source]:
    """Every input file once, in the order given, each with a page id no other has; not
    the files ``own`` names (real paths: the archive's, when it lies in an input folder).

    A file reached twice (a folder and a folder inside it, a file and its folder, one folder
    named twice or by two spellings) is read once: otherwise its pages would stand twice and
    every article on them would count each printing twice. So is a file a symbolic link
    inside the same folder leads back to. Both are counted in ``skipped``.

    Two folders given together can hold the same relative path: the file of the folder whose
    resolved path sorts first keeps the plain id, the others' are prefixed with their
    folder's name (``b/x.txt``), so neither page hides the other and the ids do not depend
    on the order of the inputs on the command line (re-running with them swapped changes
    nothing). Files given directly with one name are told apart by ``~2``, ``~3`` in the
    order of their resolved paths.
    """
    found: list[tuple[Source, str, str]] = []  # file, its input folder and itself, resolved
    first: dict[str, int] = {}  # each file read: the input it was found in
    for index, root in enumerate(inputs):
        origin = str(root.resolve()) if root.is_dir() else ""
        for source in discover([root]):
            key = os.path.realpath(source.path)
            if key in own:
                if skipped is not None:
                    skipped[OWN] += 1
                continue
            if source.problem is None and key in first:
                if skipped is not None:
                    skipped[TWICE if first[key] != index else LINKED] += 1
                continue
            first.setdefault(key, index)
            found.append((source, origin, key))
    claims: dict[str, list[int]] = {}
    for n, (source, _, _) in enumerate(found):
        claims.setdefault(source.page_id, []).append(n)
    taken = set(claims)
    renamed: dict[int, str] = {}
    for page_id in sorted(claims):
        # Folder inputs before files given directly, then by resolved path.
        rivals = sorted(
            claims[page_id], key=lambda n: (not found[n][1], found[n][1] or found[n][2])
        )
        for n in rivals[1:]:
            source, origin, _ = found[n]
            base = f"{Path(origin).name}/{page_id}" if origin else page_id
            new_id, k = base, 2
            while new_id in taken:
                new_id, k = f"{base}~{k}", k + 1
            taken.add(new_id)
            renamed[n] = new_id
    return [
        Source(s.path, renamed[n], s.format, s.site, s.problem) if n in renamed else s
        for n, (s, _, _) in enumerate(found)
    ]


def _size(source: Source) -> int:
    try:
        return source.path.stat().st_size if not source.problem else 0
    except OSError:
        return 0


def _batched(pages: Iterable[Page], size: int) -> Iterator[list[Page]]:
    batch: list[Page] = []
    for page in pages:
        batch.append(page)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_batch(archive: Archive, batch: list[Page], run_id: int, summary: BuildSummary) -> None:
    states = archive.page_states(page.id for page in batch)
    changed: list[Page] = []
    for page in batch:
        summary.pages_read += 1
        if page.status == PAGE_REJECTED:
            summary.pages_rejected += 1
            summary.rejected.append({"page": page.id, "error": page.error or ""})
        state = states.get(page.id)
        if (
            state is not None
            and state.content_hash == page.content_hash
            and state.status == page.status
            and state.reading == reading_of(page)  # not read otherwise by a newer wirecopy
        ):
            summary.pages_unchanged += 1
            continue
        if state is None:
            summary.pages_new += 1
        else:
            summary.pages_updated += 1
        changed.append(page)
    if changed:
        archive.write_pages([(page, page_evidence(page)) for page in changed], run_id)


def _count_old_pages(archive: Archive, batch_size: int) -> None:
    """Count the pages of an archive built before segmentation (once)."""
    while pages := archive.uncounted_pages(batch_size):
        archive.count_pages([(page, page_evidence(page)) for page in pages])


def _segment_queued(
    archive: Archive, batch_size: int, run_id: int, progress: Progress | None
) -> int:
    """Phase 2: segment queued pages batch by batch until none is left; returns how many."""
    done = 0
    total = archive.queue_size()
    profiles = archive.profiles()
    while True:
        pages, stats = archive.queued_pages(batch_size)
        if not pages:
            return done
        results, traces = zip(*segment_traced(pages, stats, profiles), strict=True)
        archive.write_segments(results, run_id, traces)
        done += len(pages)
        if progress:
            progress.segmenting(min(done, total), total, pages[-1].id)
