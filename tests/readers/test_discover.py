from __future__ import annotations

from pathlib import Path

from wirecopy.readers.discover import discover, format_of, site_of


def test_formats_come_from_the_name() -> None:
    assert format_of("a.TXT") == "text"
    assert format_of("a.htm") == "html"
    assert format_of("crawl.warc.gz") == "warc"
    assert format_of("feed.jsonl.gz") == "jsonl"
    assert format_of("photo.png") == "unknown"


def test_mirror_layout_gives_the_site() -> None:
    assert site_of("www.harbour-ledger.example/2026/bridge.html") == "www.harbour-ledger.example"
    assert site_of("2026/bridge.html") is None
    assert site_of("bridge.html") is None


def test_folders_are_walked_in_sorted_order_with_relative_ids(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("z")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / ".hidden.txt").write_text("h")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("x")
    ids = [s.page_id for s in discover([tmp_path])]
    assert ids == ["a.txt", "b/z.txt"]


def test_a_file_given_directly_is_named_by_its_name(tmp_path: Path) -> None:
    (tmp_path / "deep").mkdir()
    page = tmp_path / "deep" / "page.html"
    page.write_text("<p>x</p>")
    [source] = discover([page])
    assert source.page_id == "page.html"
    assert source.format == "html"


def test_broken_links_and_loops_are_problems_not_crashes(tmp_path: Path) -> None:
    (tmp_path / "dangling.txt").symlink_to("missing.txt")
    (tmp_path / "self.txt").symlink_to("self.txt")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..")
    problems = {s.page_id: s.problem for s in discover([tmp_path])}
    assert (
        problems["dangling.txt"] is not None and "broken symbolic link" in problems["dangling.txt"]
    )
    assert problems["self.txt"] is not None and "loop" in problems["self.txt"]
    assert problems["sub/up"] is not None and "loop" in problems["sub/up"]


def test_links_to_folders_are_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "p.txt").write_text("p")
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "linked").symlink_to(tmp_path / "real")
    assert [s.page_id for s in discover([tmp_path / "input"])] == ["linked/p.txt"]
