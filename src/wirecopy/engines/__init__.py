"""Engines: ways to run the stages of `wirecopy.dedup` over a corpus.

The stages (`wirecopy.dedup.stages`, `lsh`, `verify`, `cluster`) are plain functions over
batches and import no engine. An engine decides where they run:

- `local`: this process, with worker processes for signing (`concurrent.futures`);
- `ray`: Ray tasks on a local or remote Ray cluster (`pip install 'wirecopy[ray]'`), imported
  only when asked for.

Both end in `DedupIndex.settle`, so the same input gives the same clusters whatever runs it.
"""

from __future__ import annotations

ENGINES = ("local", "ray")


class EngineUnavailableError(RuntimeError):
    """The engine asked for cannot run here (its package is not installed)."""
