"""Shared by the benchmark tests: puts the repository root on sys.path, finds the corpus.

A helper module rather than a conftest.py: a second top-level ``conftest`` module would clash
with ``tests/conftest.py`` under mypy. Import it before anything from ``benchmarks``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # so that `import benchmarks` works under plain `pytest`


def corpus_dir() -> Path:
    """``../shared/corpus`` beside the repository, or ``$WIRECOPY_SHARED/corpus``."""
    shared = os.environ.get("WIRECOPY_SHARED")
    return Path(shared) / "corpus" if shared else REPO.parent / "shared" / "corpus"


def reuters_dir() -> Path:
    path = corpus_dir() / "reuters21578"
    assert path.is_dir(), f"the Reuters corpus is missing at {path}"
    return path
