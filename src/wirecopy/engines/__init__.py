"""Engines: ways to run the stages of `wirecopy.dedup` over a corpus.

The stages (`wirecopy.dedup.stages`, `lsh`, `verify`, `cluster`) are plain functions over
batches and import no engine. An engine decides where they run:

- `local`: this process, with worker processes for signing (`concurrent.futures`);
- `ray`: Ray tasks on a local or remote Ray cluster (`pip install 'wirecopy[ray]'`), imported
  only when asked for;
- `ray-data`: the same work on Ray Data's Dataset API (`map_batches`, `groupby().map_groups`),
  on the same cluster; it calls the `ray` engine's functions and differs only in how they run.

All end in `DedupIndex.settle`, so the same input gives the same clusters whatever runs it.
"""

from __future__ import annotations

ENGINES = ("local", "ray", "ray-data")


class EngineUnavailableError(RuntimeError):
    """The engine asked for cannot run here (its package is not installed)."""
