"""Settings of a deduplication run: one frozen dataclass, seeds explicit."""

from __future__ import annotations

from dataclasses import dataclass, replace

from wirecopy.dedup.lsh import optimal_bands

# optimal_bands(0.8, 128): kept literal so the default costs nothing to build; a test checks it.
DEFAULT_BANDS = 16
DEFAULT_ROWS = 8


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """What counts as a near-duplicate, and how candidates are found.

    threshold: pairs whose shingle sets have Jaccard similarity >= threshold are duplicates.
    ngram: words per shingle. permutations: sketch length (MinHash values per document).
    bands * rows <= permutations: LSH banding (see `wirecopy.dedup.lsh`).
    seed: every hash function of the sketch is derived from it.
    batch_size: documents per batch handed to a worker.
    """

    threshold: float = 0.8
    ngram: int = 5
    permutations: int = 128
    bands: int = DEFAULT_BANDS
    rows: int = DEFAULT_ROWS
    seed: int = 1
    batch_size: int = 2000

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], not {self.threshold}")
        if self.ngram < 1 or self.permutations < 1 or self.batch_size < 1:
            raise ValueError("ngram, permutations and batch_size must be positive")
        if self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.permutations:
            raise ValueError(
                f"bands x rows ({self.bands} x {self.rows}) must be at most "
                f"permutations ({self.permutations})"
            )

    @classmethod
    def for_threshold(
        cls, threshold: float = 0.8, permutations: int = 128, **kw: int
    ) -> DedupConfig:
        """A config whose bands and rows are chosen for `threshold` (see `optimal_bands`)."""
        bands, rows = optimal_bands(threshold, permutations)
        return cls(threshold=threshold, permutations=permutations, bands=bands, rows=rows, **kw)

    def with_threshold(self, threshold: float) -> DedupConfig:
        """This config with another threshold and the bands and rows chosen for it."""
        bands, rows = optimal_bands(threshold, self.permutations)
        return replace(self, threshold=threshold, bands=bands, rows=rows)
