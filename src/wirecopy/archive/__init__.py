"""The archive: one SQLite file holding pages, blocks, copies, articles and stories."""

from wirecopy.archive.db import Archive, ArchiveError

__all__ = ["Archive", "ArchiveError"]
