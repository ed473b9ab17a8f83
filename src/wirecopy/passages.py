"""Passage fingerprints: winnowing over word n-gram hashes (Schleimer, Wilkerson and Aiken,
SIGMOD 2003), for finding texts that share a passage whatever their lengths.

The word n-grams of a text are hashed in order (`wirecopy.textnorm.shingle`, the same hashes
the near-duplicate engine uses); in every window of `window` consecutive n-gram hashes the
smallest is a fingerprint. Two guarantees follow:

- any passage of at least ``window + ngram - 1`` words that two texts share gives them at least
  one common fingerprint (every window inside it picks the same minimum in both texts);
- a text gets about ``2 / (window + 1)`` fingerprints per word, whatever its length, so a
  three-paragraph teaser and the twenty-paragraph story it comes from share fingerprints in
  proportion to the teaser, not to the story (unlike MinHash, whose chance of a match falls
  with the Jaccard similarity, which is small for such a pair).

A text shorter than one window gives the smallest of its n-gram hashes.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

U64 = NDArray[np.uint64]

NGRAM = 8  # words per fingerprinted n-gram: long enough that stock phrases rarely match
WINDOW = 8  # n-grams per window: any shared passage of 15 words or more is found


def winnow(hashes: U64, window: int = WINDOW) -> U64:
    """Sorted unique fingerprints of one text's n-gram hashes (in text order)."""
    if not len(hashes):
        return np.zeros(0, dtype=np.uint64)
    if len(hashes) <= window:
        return np.array([hashes.min()], dtype=np.uint64)
    return np.unique(sliding_window_view(hashes, window).min(axis=1))
