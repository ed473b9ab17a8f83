"""The real-pages harness scores what it should, on made-up pages (never the real ones)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bench_support  # noqa: F401  (puts the repository root on sys.path)
from benchmarks.realpages import main, read_asserts, run, score_page, snippets_of, title_ok

PARAS = [
    "The ferry company said on Monday that it would add two crossings a day from June.",
    "Tickets for the new crossings go on sale at the quay next week, the company said.",
    "The council will review the timetable in the autumn, a spokeswoman told reporters.",
]


def _page(title: str, paragraphs: list[str], footer: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title>"
        '<meta property="article:published_time" content="2026-03-04T10:00:00Z"></head>'
        f"<body><article><h1>{title}</h1>{body}</article><footer>{footer}</footer></body></html>"
    )


def test_the_main_copy_is_the_one_with_most_snippets_and_a_split_is_seen() -> None:
    gold = {
        "must_contain": ["two crossings", "on sale", "timetable"],
        "must_not_contain": ["Share"],
    }
    result = {
        "status": "ok",
        "copies": [
            {"title": "Ferry", "date": "2026-03-04", "text": PARAS[0] + "\n\n" + PARAS[1]},
            {"title": None, "date": None, "text": PARAS[2] + "\n\nShare this"},
        ],
    }
    s = score_page(result, gold)
    assert s["main"] == 0 and s["split"] is True
    assert s["recall"] == 2 / 3 and s["missed"] == ["timetable"]
    assert s["clean"] == 1.0  # the boilerplate sits in the other copy
    assert s["date_found"] is True and s["date_ok"] is None and s["title_ok"] is None


def test_no_copy_scores_zero_recall_and_no_date() -> None:
    s = score_page({"status": "ok", "copies": []}, {"must_contain": ["x"], "date": "2026-03-04"})
    assert (s["found"], s["recall"], s["date_found"], s["date_ok"]) == (False, 0.0, False, False)


def test_matching_folds_case_quotes_dashes_and_space() -> None:
    result = {"status": "ok", "copies": [{"title": "t", "date": None, "text": "It’s  a – test"}]}
    assert score_page(result, {"must_contain": ["it's A - TEST"]})["recall"] == 1.0
    assert title_ok(
        "Ferry adds two crossings a day", {"title": "The ferry adds two crossings a day"}
    )
    assert title_ok("Ferry | Quay News", {"title_suffix": "Quay News"})
    assert not title_ok("Share", {"title": "Ferry adds two crossings"})


def test_annotations_are_read_from_the_asserts_of_a_test_module() -> None:
    source = """
def test_pages():
    result = load_mock_page('https://example.org/a')
    assert 'kept line' in result and 'dropped line' not in result
    meta = extract_metadata(load_mock_page('https://example.org/b'))
    assert meta['title'] == 'A title'
"""
    found = read_asserts(source)
    assert found["https://example.org/a"] == {
        "must_contain": ["kept line"],
        "must_not_contain": ["dropped line"],
    }
    assert found["https://example.org/b"] == {"title": "A title"}
    assert snippets_of("\n".join(PARAS), n=2) == [
        PARAS[0][:80].rsplit(" ", 1)[0],
        PARAS[2][:80].rsplit(" ", 1)[0],
    ]


def test_made_up_pages_are_built_and_scored(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.html").write_text(_page("Ferry adds crossings", PARAS, "Share | Print"))
    gold: dict[str, dict[str, Any]] = {
        "a.html": {
            "title": "Ferry adds crossings",
            "date": "2026-03-04",
            "must_contain": ["two crossings a day", "review the timetable"],
            "must_not_contain": ["Share | Print"],
            "tags": ["made-up"],
        },
        "missing.html": {"must_contain": ["anything"]},  # annotated but not in the folder
    }
    report = run(pages, gold, with_reference=False)
    page = report["pages"]["a.html"]["wirecopy"]
    assert (page["recall"], page["clean"], page["title_ok"], page["date_ok"]) == (1, 1, True, True)
    summary = report["summary"]["all"]["wirecopy"]
    assert summary["no_article"] == 1 and summary["recall"] == [0.5, 2]
    assert report["summary"]["made-up"]["input"]["recall"] == [1.0, 1]
    gold_file, out = tmp_path / "gold.json", tmp_path / "results.json"
    gold_file.write_text(json.dumps(gold))
    assert main(["--pages", str(pages), "--gold", str(gold_file), "-o", str(out)]) == 0
    assert json.loads(out.read_text())["summary"]["all"]["wirecopy"]["pages"] == 2
