"""``derive``: after a build's page batches, what follows from the articles.

Three steps, each over the articles that are new or changed since they last ran, each batch
in one transaction, so a build killed at any point leaves a consistent archive and the next
build finishes the work (what is pending is kept in the archive: see
`wirecopy.archive.stories`):

1. entities (`wirecopy.stages.entities`), unless switched off or the model is missing, in
   which case the build goes on and the summary says how to install it; with many articles
   to do, in worker processes (:func:`entity_workers`);
2. dates (`wirecopy.stages.dates`), from what the copies' pages say;
3. stories (`wirecopy.stages.stories`): term statistics brought up to date, then every new or
   changed article placed, and the stories it affects regrouped.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import math
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import xxhash

from wirecopy.archive import stories as store
from wirecopy.archive.db import Archive
from wirecopy.archive.entities import ArticleInput, Extractor, count_pending, update_entities
from wirecopy.stages import entities as entity_stage
from wirecopy.stages.dates import article_date
from wirecopy.stages.stories import STORIES_VERSION, affected, representative
from wirecopy.stages.story_similarity import entity_df, space

if TYPE_CHECKING:
    from spacy.language import Language

BATCH_SIZE = 256
FULL_REGROUP = 1000
"""Up to this many articles, any change regroups every article: cheap at that size (under a
tenth of a CPU second on Reuters), and it makes stories exactly independent of build order
(IDF drift included). Above it, only what the change can affect is regrouped
(`wirecopy.stages.stories`), and every article again each time the archive grows past the
next of the sizes :func:`regroup_sizes`: what that leaves to IDF drift is the tested
tolerance."""
GROWTH = 1.25
"""Each regroup size is GROWTH times the last while they are under LARGE: a small archive's
IDF moves fast as it grows."""
LARGE = 1000
LARGE_GROWTH = 2.0
"""From LARGE articles on, each regroup size is LARGE_GROWTH times the last: a large archive's
IDF moves little (on Reuters, stories placed on 2,500 articles and grown to 5,000 in five
steps with no regroup have pairwise F1 0.99 against grouping the 5,000 at once), and a
regroup of everything costs most of a build's story placement."""


def regroup_sizes(limit: int) -> list[int]:
    """Archive sizes at which every article is regrouped above FULL_REGROUP: 1, then each the
    previous times GROWTH (LARGE_GROWTH from LARGE on; rounded up, at least one more), up to
    ``limit``. A fixed schedule, not a stored one, so the same sizes whatever order and batches
    articles came in: the IDF the stories were last all grouped with differs from the current
    one by at most that growth, and all these regroups together cost a constant times the last
    one (a geometric series)."""
    sizes = [1]
    while sizes[-1] < limit:
        growth = GROWTH if sizes[-1] < LARGE else LARGE_GROWTH
        sizes.append(max(sizes[-1] + 1, math.ceil(sizes[-1] * growth)))
    return sizes


def regroup_all(before: int, after: int) -> bool:
    """Whether a derive that took the archive from ``before`` placed articles to ``after``
    articles regroups every article."""
    return after <= FULL_REGROUP or any(before < size <= after for size in regroup_sizes(after))


_PIPELINE: list[Language] = []


@dataclass(slots=True)
class DeriveSummary:
    entities: str = "skipped"  # done | skipped | unavailable
    entities_message: str | None = None
    entity_articles: int = 0
    entity_seconds: float = 0.0
    dated: int = 0
    placed: int = 0
    stories_changed: int = 0
    story_seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def pipeline() -> Language:
    """The English pipeline, loaded once per process (EntitiesUnavailableError if missing)."""
    if not _PIPELINE:
        _PIPELINE.append(entity_stage.load_pipeline())
    return _PIPELINE[0]


def derive(
    archive: Archive,
    *,
    entities: bool = True,
    run_id: int | None = None,
    batch_size: int = BATCH_SIZE,
) -> DeriveSummary:
    """Bring entities, dates and stories up to date with the archive's articles."""
    summary = DeriveSummary()
    if entities:
        _entities(archive, summary, batch_size)
    summary.dated = _dates(archive, batch_size)
    started = time.perf_counter()
    _terms(archive, batch_size)
    summary.placed, summary.stories_changed = _stories(archive, run_id, batch_size)
    summary.story_seconds = round(time.perf_counter() - started, 3)
    return summary


def _entities(archive: Archive, summary: DeriveSummary, batch_size: int) -> None:
    try:
        nlp = pipeline()
    except entity_stage.EntitiesUnavailableError as error:
        summary.entities, summary.entities_message = "unavailable", str(error)
        return
    version = entity_stage.ENTITIES_VERSION
    workers = entity_workers(count_pending(archive.conn, version))
    with _extractor(nlp, workers) as extractor:
        run = update_entities(archive, extractor, version=version, batch_size=batch_size)
    summary.entities = "done"
    summary.entity_articles, summary.entity_seconds = run.articles, round(run.seconds, 3)


ENTITY_WORKERS = 2
PARALLEL_MIN = 512
"""Entities run in ENTITY_WORKERS processes when at least this many articles are pending
(fewer are done before a pool pays for itself) and a core is idle. The workers are forked
with the model already loaded and send back only merged entities: measured on Reuters
(``benchmarks/entities.py``), 0.95-1.25 times the CPU of one process, 1.4 times faster with
a core free; spaCy's own ``n_process`` sends back whole documents: 1.2-1.9 times the CPU."""


def entity_workers(pending: int) -> int:
    """How many processes extract entities: one unless there is enough work, an idle core
    (the load average, which counts this build, leaves one: on a shared machine a second
    process costs CPU and gains no time), ``fork`` (Linux: other systems would load the model
    again in each worker), and this process may have children (a worker of a
    ``multiprocessing`` pool may not)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        idle = cores - os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average: assume the cores are free
        idle = float(cores)
    if (
        pending < PARALLEL_MIN
        or idle < 1
        or not sys.platform.startswith("linux")
        or multiprocessing.current_process().daemon
    ):
        return 1
    return max(1, min(ENTITY_WORKERS, cores, 1 + int(idle)))


_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)


def _follow_parent(parent: int) -> None:
    """In a worker: die with the build. A killed parent leaves its workers waiting forever
    on a queue they hold both ends of; Linux signals them when it dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # no prctl: the worker ends with the pool
        return
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)


def _extract_here(docs: Sequence[ArticleInput]) -> dict[str, list[entity_stage.EntityCount]]:
    """In a worker: the pipeline the parent loaded before forking."""
    return entity_stage.extract(pipeline(), docs)


@contextmanager
def _extractor(nlp: Language, workers: int) -> Iterator[Extractor]:
    """The extractor `update_entities` calls for each batch: in this process, or split
    between ``workers`` forked processes (falling back to this one if a worker dies)."""
    if workers < 2:
        yield lambda docs: entity_stage.extract(nlp, docs)
        return
    broken = False

    def extractor(docs: Sequence[ArticleInput]) -> dict[str, list[entity_stage.EntityCount]]:
        nonlocal broken
        if docs and not broken:
            size = -(-len(docs) // workers)
            parts = [docs[start : start + size] for start in range(0, len(docs), size)]
            try:
                found: dict[str, list[entity_stage.EntityCount]] = {}
                for part in pool.map(_extract_here, parts):
                    found.update(part)
                return found
            except BrokenProcessPool:
                broken = True
        return entity_stage.extract(nlp, docs)

    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_follow_parent,
        initargs=(os.getpid(),),
    ) as pool:
        yield extractor


def _dates(archive: Archive, batch_size: int) -> int:
    done = 0
    while ids := store.pending_dates(archive.conn, batch_size):
        copies = store.copy_dates(archive.conn, ids)
        with archive.transaction() as conn:
            for article_id in ids:
                value, evidence = article_date(copies[article_id])
                store.set_date(conn, article_id, value, evidence)
        done += len(ids)
    return done


def _terms(archive: Archive, batch_size: int) -> None:
    with archive.transaction() as conn:
        store.drop_orphan_terms(conn)
    for ids in store.stale_terms(archive.conn, STORIES_VERSION, batch_size):
        with archive.transaction() as conn:
            store.update_terms(conn, ids)


def _stories(archive: Archive, run_id: int | None, batch_size: int) -> tuple[int, int]:
    """Place the dirty articles; returns (articles placed, stories written)."""
    conn = archive.conn
    dirty = store.dirty_articles(conn, STORIES_VERSION)
    if not dirty:
        with archive.transaction() as write:
            store.clean_stories(write)
        return 0, 0
    features = store.load_features(conn)
    # `features` holds every article (each has its terms by now): entity document
    # frequencies come from it rather than from a second read of the entity table.
    sp = space(features, store.term_df(conn), entity_df(features), len(features))
    index = sp.index
    story_of = [f.story for f in features]
    members: dict[str, list[int]] = {}
    for i, story in enumerate(story_of):
        if story is not None:
            members.setdefault(story, []).append(i)
    placed = sum(map(len, members.values()))
    placed_now = {index[a] for a in dirty if a in index}
    todo = range(len(features)) if regroup_all(placed, len(features)) else sorted(placed_now)
    grouping = affected(sp, todo, members, story_of)
    stored = store.stories(conn)
    taken = set(stored) - {story_of[i] for i in grouping.members.tolist() if story_of[i]}
    titles = [f.title for f in features]
    copies = [f.copies for f in features]
    plans: list[tuple[str, list[int], int, list[dt.date | None]]] = []
    for group in sorted(grouping.groups, key=lambda g: (-len(g), sp.ids[g[0]])):
        story_id = _story_id(group, sp.ids, taken)
        taken.add(story_id)
        best = representative(group, titles, copies, sp.ids, grouping.closeness)
        dates = [features[i].date for i in group]
        # A story the archive already holds as it is now is not written again.
        if (
            stored.get(story_id) == store.story_row(titles[best], dates)
            and len(members.get(story_id, ())) == len(group)
            and all(story_of[i] == story_id and i not in placed_now for i in group)
        ):
            continue
        plans.append((story_id, group, best, dates))
    for start in range(0, len(plans), batch_size):
        with archive.transaction() as write:
            for story_id, group, best, dates in plans[start : start + batch_size]:
                store.write_story(
                    write,
                    story_id,
                    [sp.ids[i] for i in group],
                    titles[best],
                    dates,
                    STORIES_VERSION,
                    run_id,
                )
    with archive.transaction() as write:
        store.clean_stories(write)
    return len(grouping.members), len(plans)


def _story_id(group: Sequence[int], ids: Sequence[str], taken: set[str]) -> str:
    """A story's id derives from its smallest article id, so that it does not depend on
    the order articles came in (it changes when the story gains a smaller one, or splits)."""
    base = "s-" + xxhash.xxh3_64_hexdigest(min(ids[i] for i in group).encode())[:12]
    story_id, n = base, 2
    while story_id in taken:
        story_id, n = f"{base}-{n}", n + 1
    return story_id
