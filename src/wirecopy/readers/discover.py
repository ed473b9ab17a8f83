"""Find the input files under the paths given on the command line.

Folders are walked recursively in sorted order, so page ids and page order do not
depend on the file system. Symbolic links are followed once: a broken link or a
loop becomes a source with a problem, which the build records as a rejected page.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from wirecopy.readers.files import special_kind
from wirecopy.records import Source

# Suffix → format. The format is checked against the content when the file is read.
FORMATS: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".warc": "warc",
    ".warc.gz": "warc",
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl",
    ".ndjson": "jsonl",
    ".ndjson.gz": "jsonl",
}

# A first folder named like a host ("harbourledger.example", "www.bbc.co.uk") is the
# site, as in the layout `wget --mirror` and HTTrack write.
_HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$")


def format_of(name: str) -> str:
    lowered = name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if lowered.endswith(suffix):
            return FORMATS[suffix]
    return "unknown"


def site_of(page_id: str) -> str | None:
    first, _, rest = page_id.partition("/")
    if rest and _HOST.match(first.lower()):
        return first.lower()
    return None


def discover(inputs: Sequence[Path]) -> Iterator[Source]:
    """Yield every input file, in order, with its page id."""
    for root in inputs:
        if root.is_dir():
            yield from _walk(root, root, visited=set())
        else:
            yield _source(root, root.name)


def _source(path: Path, page_id: str, problem: str | None = None) -> Source:
    if problem is None and path.is_symlink():
        problem = _link_problem(path)
    if problem is None:
        problem = _special_problem(path)
    return Source(
        path=path,
        page_id=page_id,
        format=format_of(path.name),
        site=site_of(page_id),
        problem=problem,
    )


def _link_problem(path: Path) -> str | None:
    target = str(path.readlink())
    try:
        path.resolve(strict=True)
    except FileNotFoundError:
        return f"broken symbolic link: it points to {target!r}, which does not exist"
    except (RuntimeError, OSError):
        return f"symbolic link loop: {target!r} leads back to itself"
    return None


def _special_problem(path: Path) -> str | None:
    """Why a path that is not a regular file cannot be a page, without opening it.

    Opening a named pipe waits for a writer forever and a device (``/dev/zero``) never
    ends, so they are named here from their ``stat`` (through any link) instead.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None  # vanished since it was listed: the reader says so
    except OSError as error:
        return f"cannot read the file: {error.strerror or error}"
    kind = special_kind(mode)
    return f"not a regular file: {kind}" if kind else None


def _walk(root: Path, folder: Path, visited: set[tuple[int, int]]) -> Iterator[Source]:
    stat = folder.stat()
    visited = visited | {(stat.st_dev, stat.st_ino)}
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        yield _source(folder, _rel(root, folder), f"cannot list folder: {error.strerror}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue  # hidden files and folders (.git, .DS_Store) are not pages
        path = Path(entry.path)
        page_id = _rel(root, path)
        if entry.is_symlink():
            problem = _link_problem(path)
            if problem:
                yield _source(path, page_id, problem)
                continue
        if entry.is_dir():
            target = path.stat()
            if (target.st_dev, target.st_ino) in visited:
                yield _source(
                    path, page_id, "symbolic link loop: it points back to a folder above it"
                )
                continue
            yield from _walk(root, path, visited)
        else:
            yield _source(path, page_id)


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()
