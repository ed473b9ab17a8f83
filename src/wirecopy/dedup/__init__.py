"""Near-duplicate detection for large text corpora (`wirecopy dedup`).

MinHash-style sketches with LSH banding find candidate pairs, every candidate is verified by
its exact Jaccard similarity over word 5-gram shingles, and clusters are the connected
components of the verified pairs. See `run.dedup` for the entry point and `stages` for the
stage functions an engine runs.
"""

from wirecopy.dedup.config import DedupConfig
from wirecopy.dedup.io import read_records
from wirecopy.dedup.parse import InputRecord, Problem
from wirecopy.dedup.run import (
    DedupError,
    DedupProgress,
    DedupSummary,
    DedupTerminated,
    DedupUsageError,
    dedup,
    sigterm_stops,
)

__all__ = [
    "DedupConfig",
    "DedupError",
    "DedupProgress",
    "DedupSummary",
    "DedupTerminated",
    "DedupUsageError",
    "InputRecord",
    "Problem",
    "dedup",
    "read_records",
    "sigterm_stops",
]
