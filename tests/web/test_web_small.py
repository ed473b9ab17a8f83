"""`wirecopy serve` on tiny archives: archive text is escaped, rejected pages show their
reason, reads work while a build holds the write lock, and the CLI checks the archive
before it starts a server."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from web_support import TestClient, client, text_of

from wirecopy.archive.db import Archive
from wirecopy.build import build
from wirecopy.cli import cli
from wirecopy.config import BuildConfig

SCRIPT = "<script>alert('owned')</script>"
MARKUP_NAME = "<img src=x onerror=alert(1)>.txt"  # a file name holding markup
PARAGRAPHS = [
    "The harbour council of Brindlemoor voted on Tuesday to rebuild the old swing bridge "
    f"{SCRIPT}, ending a dispute that had run for three winters.",
    "Councillor Edda Varn said the new span would carry trams as well as carts, and that "
    'work would begin before the spring tides & the "autumn" fairs.',
    "Fishermen on the north quay welcomed the decision but asked for a second landing "
    "stage while the bridge is closed.",
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small")
    pages = root / "pages"
    (pages / "herald.example").mkdir(parents=True)
    title = f"Brindlemoor <b>bridge</b> {SCRIPT}"
    (pages / "herald.example" / "bridge.txt").write_text(
        title + "\n\n" + "\n\n".join(PARAGRAPHS) + "\n"
    )
    (pages / "herald.example" / "empty.txt").write_text("")
    (pages / MARKUP_NAME).write_bytes(b"")
    path = root / "small.db"
    build([pages], path, config=BuildConfig(entities=False))
    return path


@pytest.fixture(scope="module")
def http(db: Path) -> Iterator[TestClient]:
    with client(db) as opened:
        yield opened


def _article(http: TestClient) -> dict[str, Any]:
    items = http.get("/api/articles").json()["items"]
    assert len(items) == 1
    article: dict[str, Any] = items[0]
    return article


def test_archive_text_is_escaped_on_every_page(http: TestClient) -> None:
    article = _article(http)
    assert SCRIPT in article["text"], "the page's text is kept as it was"
    pages = [
        "/",
        f"/articles/{article['id']}",
        "/pages",
        "/pages?status=rejected",
        "/pages/herald.example/bridge.txt",
        "/search?q=alert",
        "/search?q=" + SCRIPT,
    ]
    if article["story"]:
        pages += [f"/stories/{article['story']}", "/stories"]
    for path in pages:
        got = http.get(path)
        assert got.status_code == 200, path
        assert "<script" not in got.text.lower(), path
        assert "<b>bridge" not in got.text and "<img" not in got.text, path
    shown = http.get(f"/articles/{article['id']}").text
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in shown
    assert "&amp; the &#34;autumn&#34; fairs" in shown
    assert SCRIPT in text_of(shown)  # what a reader sees is the text as printed


def test_search_marks_matches_and_escapes_the_rest(http: TestClient) -> None:
    got = http.get("/search", params={"q": "alert"})
    assert "<mark>alert</mark>" in got.text
    assert "&lt;script&gt;<mark>alert</mark>(&#39;owned&#39;)" in got.text
    api = http.get("/api/search", params={"q": "alert"}).json()
    assert [h["id"] for h in api["items"]] == [_article(http)["id"]]
    assert "[alert]" in api["items"][0]["snippet"]


def test_a_missing_id_with_markup_is_escaped_in_the_404(http: TestClient) -> None:
    for path in ("/articles/%3Cscript%3Ex", "/pages/%3Cscript%3Ex%3C/script%3E"):
        got = http.get(path)
        assert got.status_code == 404
        assert "<script>x" not in got.text and "&lt;script&gt;x" in got.text


def test_rejected_pages_show_their_reason(http: TestClient) -> None:
    rejected = http.get("/api/pages", params={"status": "rejected"}).json()
    assert rejected["total"] == 2
    ids = {p["id"] for p in rejected["items"]}
    assert ids == {"herald.example/empty.txt", MARKUP_NAME}
    assert all(p["status"] == "rejected" and p["error"] for p in rejected["items"])
    ok = http.get("/api/pages", params={"status": "ok"}).json()
    assert [p["id"] for p in ok["items"]] == ["herald.example/bridge.txt"]
    listing = http.get("/pages", params={"status": "rejected"})
    assert listing.status_code == 200
    shown = text_of(listing.text)
    for page in rejected["items"]:
        assert page["id"] in shown and page["error"] in shown
    assert "herald.example/bridge.txt" not in shown
    one = http.get("/pages/herald.example/empty.txt")
    assert rejected["items"][0]["error"] in text_of(one.text) or rejected["items"][1][
        "error"
    ] in text_of(one.text)


def test_reads_while_a_build_holds_the_write_lock(db: Path, http: TestClient) -> None:
    before = http.get("/api/articles").json()
    page_before = http.get(f"/articles/{before['items'][0]['id']}").text
    writer = Archive.open(db)
    try:
        with writer.transaction() as conn:
            # An uncommitted write, as a build holds between its batch's first insert and
            # its commit: readers see the last committed state.
            conn.execute("DELETE FROM copies")
            conn.execute("DELETE FROM articles")
            assert http.get("/api/articles").json() == before
            assert http.get(f"/articles/{before['items'][0]['id']}").text == page_before
            conn.execute("ROLLBACK")
            conn.execute("BEGIN")  # the context manager commits on exit
    finally:
        writer.close()


def test_the_app_never_writes(db: Path, http: TestClient) -> None:
    before = db.read_bytes()
    for path in ["/", "/stories", "/pages", "/search?q=bridge", "/api/articles"]:
        assert http.get(path).status_code == 200
    assert db.read_bytes() == before


# The CLI ---------------------------------------------------------------------------------------


def test_serve_help_teaches() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "wirecopy serve --db" in result.output
    for option in ("--db", "--host", "--port", "127.0.0.1", "8080"):
        assert option in result.output


def test_serve_refuses_a_missing_archive(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "no archive at" in result.output and "wirecopy build" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("content", [b"this is not sqlite" * 100, b"", b"sqlite"])
def test_serve_refuses_a_file_that_is_not_an_archive(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "other.db"
    if content == b"sqlite":  # a SQLite file of another program
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE notes (x)")
        conn.close()
    else:
        path.write_bytes(content)
    result = CliRunner().invoke(cli, ["serve", "--db", str(path)])
    assert result.exit_code == 1
    assert "is not a wirecopy archive" in result.output
    assert "Traceback" not in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_runs_uvicorn_on_the_given_address(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[tuple[Any, list[Any]]] = []

    def run(server: uvicorn.Server, sockets: list[socket.socket]) -> None:
        calls.append((server.config, [s.getsockname() for s in sockets]))

    monkeypatch.setattr(uvicorn.Server, "run", run)
    port = _free_port()
    result = CliRunner().invoke(
        cli, ["serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)]
    )
    assert result.exit_code == 0, result.output
    [(config, [bound])] = calls
    assert isinstance(config.app, FastAPI)
    assert config.host == "127.0.0.1" and config.port == port
    assert bound == ("127.0.0.1", port)  # bound before the server ran, and given to it
    assert f"http://127.0.0.1:{port}/" in result.output
    with TestClient(config.app) as http:
        assert http.get("/api/stats").json()["totals"]["pages"] == 3


def test_serve_on_a_port_in_use_is_one_line_before_any_greeting(db: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)]
        )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: port {port} on 127.0.0.1 is in use; pick another with --port\n"
    )


def test_serve_on_an_unknown_host_is_one_line(db: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--host", "no such host!"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot listen on no such host!")
    assert "Serving" not in result.output


@pytest.mark.parametrize(
    "path", ["/", "/stories", "/search?q=bridge", "/api/stats", "/api/articles", "/openapi.json"]
)
def test_every_get_route_answers_head_with_headers_and_no_body(http: TestClient, path: str) -> None:
    got = http.get(path)
    head = http.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))


def test_head_of_a_missing_record_is_its_404(http: TestClient) -> None:
    head = http.head("/api/articles/a-nope")
    assert head.status_code == 404 and head.content == b""
    assert http.head("/articles/a-nope").status_code == 404


def test_variants_carry_what_show_json_gives_for_copies(db: Path, http: TestClient) -> None:
    article = _article(http)
    variants = http.get(f"/api/articles/{article['id']}/variants").json()
    shown = CliRunner().invoke(cli, ["show", article["id"], "--db", str(db), "--json"])
    assert variants == json.loads(shown.output)["copies"]
    assert {"title", "caption", "date", "source", "text", "diff", "fields"} <= set(variants[0])


def test_serve_refuses_a_bad_port(db: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--port", "70000"])
    assert result.exit_code == 2
    assert "--port" in result.output


def test_an_archive_gone_while_serving_is_a_503_with_the_reason(tmp_path: Path) -> None:
    with client(tmp_path / "gone.db") as http:
        page = http.get("/")
        assert page.status_code == 503 and "no archive at" in text_of(page.text)
        api = http.get("/api/stats")
        assert api.status_code == 503 and "no archive at" in api.json()["detail"]


def test_every_api_route_is_named_in_the_readme(http: TestClient) -> None:
    """Each path of the schema is written in the README's `serve` section, in backticks,
    a parameter as ID or NAME (`/api/articles/ID`)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start = readme.index("### `wirecopy serve")
    section = re.split(r"\n##+ ", readme[start:])[0]
    paths = http.get("/openapi.json").json()["paths"]
    assert "/api/home" in paths and "/api/stats" in paths
    for path in paths:
        written = "[A-Z]+".join(re.escape(part) for part in re.split(r"\{[^}]+\}", path))
        assert re.search(f"`{written}[`?]", section), f"{path} is not in the README"


def test_the_schema_is_served_and_no_page_needs_a_cdn(http: TestClient) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    assert any(path.startswith("/api/articles/") for path in paths)
    # Swagger UI and ReDoc would fetch their scripts from a CDN: not served.
    assert http.get("/docs").status_code == 404
    assert http.get("/redoc").status_code == 404
    links = re.findall(r'(?:src|href)="([^"]*)"', http.get("/").text)
    assert links
    assert all(link.startswith(("/", "?", "#")) for link in links), links
