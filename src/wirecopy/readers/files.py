"""Opening input files safely: regular files only, never more than a bounded read."""

from __future__ import annotations

import os
import stat
from typing import IO

from wirecopy.readers.decode import PageError

_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def special_kind(mode: int) -> str | None:
    """What a file that is not a regular file is (``a named pipe``), or None."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_regular(path: os.PathLike[str] | str) -> IO[bytes]:
    """Open a regular file for reading; raise PageError for anything else.

    Discovery already turns special files into rejected sources, but a path can be
    swapped between listing and reading: O_NONBLOCK keeps opening a named pipe from
    waiting for a writer, and the check is made on the open descriptor itself.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        kind = special_kind(os.fstat(fd).st_mode)
        if kind:
            raise PageError(f"not a regular file: {kind}")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: os.PathLike[str] | str, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of a file: one more than the limit says it is over."""
    with open_regular(path) as handle:
        return handle.read(limit + 1)


def os_reason(error: OSError) -> str:
    """``cannot read the file: Permission denied`` from any OSError."""
    return f"cannot read the file: {error.strerror or error}"
