"""wirecopy: turn piles of scraped news pages into a clean archive.

The library API mirrors the command line: :func:`wirecopy.build.build` reads inputs
into an :class:`wirecopy.archive.Archive`, and the archive answers queries and exports.
"""

__version__ = "0.1.0"
