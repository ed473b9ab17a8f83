"""`wirecopy serve`: a web interface and JSON API over an archive, read-only.

`create_app(db)` gives the FastAPI application; `check_archive(db)` says, before serving,
whether ``db`` is an archive this wirecopy can read.
"""

from wirecopy.web.app import check_archive, create_app

__all__ = ["check_archive", "create_app"]
