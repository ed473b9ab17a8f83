"""Segmentation on real pages never seen in development: snippet recall, boilerplate kept out.

The pages are built the way a user builds them (`wirecopy.build.build` into a fresh archive,
no entities), then read back through the archive's queries (what ``wirecopy show --json``
prints): every copy's text, title and date, every block's label. Each page is scored against
an annotation file and the summary is printed and written as JSON.

Usage::

    # make the folder and the annotation file from two PyPI sdists (read-only, offline)
    python -m benchmarks.realpages --collect trafilatura-1.0.0.tar.gz newspaper4k-0.9.6.tar.gz \\
        --pages /tmp/realpages/pages --gold /tmp/realpages/gold.json
    # score wirecopy (add --reference to score trafilatura.extract alongside)
    python -m benchmarks.realpages --pages /tmp/realpages/pages --gold /tmp/realpages/gold.json \\
        -o /tmp/realpages/results.json

The annotation file is a JSON object from each page's path (relative to the pages folder,
which is also its page id in the archive) to what is known of it; every key is optional::

    {"traf/example.html": {
        "url": "https://example.org/news/1",      # where it was published
        "title": "Headline of the article",       # gold title (or "title_suffix": "...")
        "date": "2019-07-03",                     # gold publication date, YYYY-MM-DD
        "must_contain": ["a sentence of the article", ...],
        "must_not_contain": ["a line of boilerplate", ...],
        "full_text": "the whole article text",    # scored as bag-of-words P/R/F1
        "tags": ["trafilatura"]}}                 # groups in the summary

Scores, per page, then summed or averaged over pages (the count after a mean is how many
pages it covers):

- ``main``: the page's copy holding the most ``must_contain`` snippets (the longer on a tie);
  ``recall`` the share of snippets in it; ``split`` when the snippets are spread over more
  than one copy; ``no_article`` when the page gives no copy. Matching ignores case, white
  space and quote and dash variants; a dateline cut off a first paragraph is glued back.
- ``clean``: the share of ``must_not_contain`` snippets absent from the main copy.
- ``title_ok`` (gold title equal, or 0.85 token overlap, or its suffix), ``date_found`` on the
  main copy and ``date_ok`` (equal to the gold date).
- ``input``: the page text wirecopy segmented, unsegmented, scored as one copy: the ceiling
  of recall (the reader, trafilatura, has already dropped what it drops).
- ``reference`` (with ``--reference``): ``trafilatura.extract`` with its defaults.

For each snippet wirecopy misses, the results name the block that held it, its label and why
(or that the reader lost it before segmentation).

The pages belong to their publishers: ``--collect`` writes them where you say, never into
this repository, and nothing here ships them.
"""

from __future__ import annotations

import argparse
import ast
import json
import platform
import re
import sqlite3
import sys
import tarfile
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wirecopy.archive import Archive
from wirecopy.archive.queries import show_record
from wirecopy.build import build
from wirecopy.config import BuildConfig

Gold = dict[str, Any]
Score = dict[str, Any]

# ---- matching -------------------------------------------------------------------------------

_FOLD = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "‚": "'",
        "`": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "\xa0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)
_CASELESS = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\u0e00-\u0e7f\uac00-\ud7af]")


def norm(text: str | None) -> str:
    """Case, white space, quote and dash variants folded: how snippets are matched. A dash
    standing between words goes (``WASHINGTON (CNN) — Not``): a dateline cut off its
    paragraph loses it."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    text = re.sub(r"(?:^|\s)-+(?=\s|$)", " ", text)
    return re.sub(r"\s+", " ", text).strip().casefold()


def contains(haystack: str, snippet: str) -> bool:
    """Is ``snippet`` in ``haystack`` (already `norm`-ed)?"""
    needle = norm(snippet)
    return bool(needle) and needle in haystack


def tokens(text: str) -> list[str]:
    """Words; characters in scripts written without spaces (CJK, Thai)."""
    text = norm(text)
    if _CASELESS.search(text):
        return [c for c in text if c.isalnum()]
    return re.findall(r"\w+", text)


def overlap(a: str, b: str) -> float:
    """Dice overlap of the two texts' tokens."""
    ta, tb = Counter(tokens(a)), Counter(tokens(b))
    if not ta or not tb:
        return 0.0
    return 2 * sum((ta & tb).values()) / (sum(ta.values()) + sum(tb.values()))


def prf(predicted: str, gold: str) -> tuple[float, float, float]:
    """Bag-of-words precision, recall and F1 of ``predicted`` against ``gold``."""
    p, g = Counter(tokens(predicted)), Counter(tokens(gold))
    common = sum((p & g).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def title_ok(predicted: str | None, gold: Gold) -> bool | None:
    """Is the title right? None when the annotation gives no title."""
    p = norm(predicted)
    if gold.get("title"):
        title = norm(gold["title"])
        return bool(p) and (p == title or overlap(p, title) >= 0.85)
    if gold.get("title_suffix"):
        return bool(p) and p.endswith(norm(gold["title_suffix"]))
    return None


# ---- running wirecopy -----------------------------------------------------------------------


def build_pages(pages: Path, db: Path) -> tuple[dict[str, Score], dict[str, Any]]:
    """Build the folder into ``db``; per page id, its status, text, blocks and copies; and
    the stories that join articles of different pages (:func:`stories_across_pages`)."""
    build([pages], db, config=BuildConfig(entities=False))
    out: dict[str, Score] = {}
    with Archive.open(db, readonly=True) as archive:
        ids = [row[0] for row in archive.conn.execute("SELECT id FROM pages ORDER BY seq")]
        for page_id in ids:
            out[page_id] = _page_result(archive.conn, page_id)
        across = stories_across_pages(archive.conn)
    return out, across


def stories_across_pages(conn: sqlite3.Connection) -> dict[str, Any]:
    """Pairs of articles of different pages that one story holds, and those stories' pages.

    The annotated pages are of many sites and years and about unrelated subjects (read by
    their titles: no two report one event), so every such pair is a wrong one: a measure of
    story precision on real pages of other sites, in several languages."""
    pages: dict[str, list[str]] = {}
    rows = conn.execute(
        "SELECT a.story_id, p.uri FROM articles a JOIN pages p ON p.id = a.canonical_page "
        "WHERE a.story_id IS NOT NULL ORDER BY a.story_id, p.uri"
    )
    for story, uri in rows:
        pages.setdefault(story, []).append(uri.rsplit("/", 2)[-2] + "/" + uri.rsplit("/", 1)[-1])
    pairs = 0
    joined = []
    for members in pages.values():
        counts = Counter(members).values()
        across = (sum(counts) ** 2 - sum(c * c for c in counts)) // 2
        if across:
            pairs += across
            joined.append(members)
    return {"pairs": pairs, "stories": sorted(joined)}


def _page_result(conn: sqlite3.Connection, page_id: str) -> Score:
    page = show_record(conn, "page", page_id) or {}
    blocks = page.get("blocks") or []
    copies: list[dict[str, Any]] = []
    for art in page.get("articles") or []:
        record = show_record(conn, "article", art["id"]) or {}
        mine = [
            c for c in record.get("copies", []) if (c["page"], c["seq"]) == (page_id, art["seq"])
        ]
        copy = mine[0] if mine else {}
        heads = [b["text"] for b in blocks if b["copy"] == art["seq"] and b["label"] == "dateline"]
        text = copy.get("text") or ""
        copies.append(
            {
                "seq": art["seq"],
                "title": copy.get("title") or record.get("title"),
                "date": copy.get("date") or record.get("date"),
                # a dateline cut off the first paragraph is part of what was printed
                "text": " ".join([*heads, text]) if heads else text,
            }
        )
    return {
        "status": page.get("status"),
        "title": page.get("title"),
        "published": page.get("published"),
        "text": "\n\n".join(b["text"] for b in blocks),
        "blocks": [
            {"label": b["label"], "copy": b["copy"], "text": b["text"], "why": b["why"]}
            for b in blocks
        ],
        "copies": copies,
    }


def reference(raw: bytes) -> Score:
    """``trafilatura.extract`` with its defaults, as one copy."""
    import trafilatura  # the reader wirecopy uses; imported only when asked for

    try:
        found = trafilatura.extract(raw, output_format="json", with_metadata=True)
    except Exception as exc:  # a failure is a score, not a crash
        return {"status": f"failed: {exc}", "copies": []}
    if not found:
        return {"status": "nothing extracted", "copies": []}
    data = json.loads(found)
    date = (data.get("date") or "")[:10] or None
    copy = {"seq": 0, "title": data.get("title"), "date": date, "text": data.get("text") or ""}
    return {"status": "ok", "copies": [copy]}


# ---- scoring --------------------------------------------------------------------------------


def score_page(result: Score, gold: Gold) -> Score:
    """One system's scores on one page (see the module docstring)."""
    must, must_not = gold.get("must_contain") or [], gold.get("must_not_contain") or []
    copies = result.get("copies") or []
    s: Score = {"status": result.get("status"), "articles": len(copies)}
    if not copies:
        s.update(found=False, recall=0.0 if must else None, missed=list(must))
        s.update(title_ok=title_ok(None, gold), date_found=False)
        s["date_ok"] = False if gold.get("date") else None
        return s
    bodies = [norm(c["text"]) for c in copies]
    hits = [sum(contains(b, w) for w in must) for b in bodies]
    main = max(range(len(copies)), key=lambda i: (hits[i], len(bodies[i])))
    s.update(found=True, main=main, main_words=len(copies[main]["text"].split()))
    if must:
        s["recall"] = hits[main] / len(must)
        s["split"] = sum(1 for h in hits if h) > 1
        s["missed"] = [w for w in must if not contains(bodies[main], w)]
    else:
        s["recall"] = None
    if must_not:
        leaked = [w for w in must_not if contains(bodies[main], w)]
        s["clean"] = 1 - len(leaked) / len(must_not)
        s["leaked"] = leaked
    if gold.get("full_text"):
        s["P"], s["R"], s["F1"] = prf(copies[main]["text"], gold["full_text"])
    s["title"] = copies[main].get("title")
    s["title_ok"] = title_ok(s["title"], gold)
    date = copies[main].get("date")
    s["date_found"] = bool(date)
    s["date_ok"] = (date == gold["date"]) if gold.get("date") else None
    return s


def where_missed(result: Score, snippets: Iterable[str]) -> dict[str, str]:
    """For each snippet: the block holding it (label, copy, why), or where it was lost."""
    text = norm(result.get("text"))
    out = {}
    for snippet in snippets:
        if not contains(text, snippet):
            out[snippet] = "lost before segmentation (not in the page text)"
            continue
        block = next((b for b in result["blocks"] if contains(norm(b["text"]), snippet)), None)
        if block is None:
            out[snippet] = "spans several blocks"
        else:
            copy = "" if block["copy"] is None else f"#{block['copy']}"
            out[snippet] = f"{block['label']}{copy}: {block['why']}"
    return out


def summarise(scores: list[Score]) -> dict[str, Any]:
    """Sums and means over pages; a mean is ``[value, pages]``."""

    def mean(key: str) -> list[float | int | None]:
        values = [s[key] for s in scores if s.get(key) is not None]
        return [round(sum(values) / len(values), 3), len(values)] if values else [None, 0]

    def count(key: str, value: object = True) -> list[int]:
        known = [s for s in scores if s.get(key) is not None]
        return [sum(s[key] == value for s in known), len(known)]

    return {
        "pages": len(scores),
        "no_article": sum(not s["found"] for s in scores),
        "several_articles": sum(s["articles"] > 1 for s in scores),
        "split": sum(bool(s.get("split")) for s in scores),
        "recall": mean("recall"),
        "every_snippet": count("recall", 1.0),
        "clean": mean("clean"),
        "every_bad_snippet_out": count("clean", 1.0),
        "title_ok": count("title_ok"),
        "date_found": count("date_found"),
        "date_ok": count("date_ok"),
        "full_text_P": mean("P"),
        "full_text_R": mean("R"),
        "full_text_F1": mean("F1"),
    }


def run(pages: Path, gold: dict[str, Gold], with_reference: bool) -> dict[str, Any]:
    """Build, score every annotated page, summarise by system and by tag."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        built, across = build_pages(pages, Path(tmp) / "realpages.db")
    seconds = time.perf_counter() - started
    per_page: dict[str, Any] = {}
    for page_id, g in sorted(gold.items()):
        result = built.get(page_id, {"status": "not read", "copies": [], "blocks": [], "text": ""})
        wc = score_page(result, g)
        if wc.get("missed"):
            wc["missed_where"] = where_missed(result, wc["missed"])
        if wc.get("leaked"):
            wc["leaked_where"] = where_missed(result, wc["leaked"])
        whole: Score = {"status": result.get("status"), "copies": []}
        if result.get("text"):
            copy = {"title": result["title"], "date": result["published"], "text": result["text"]}
            whole["copies"] = [copy]
        row: dict[str, Any] = {"wirecopy": wc, "input": score_page(whole, g)}
        row["copies"] = [
            {"title": c["title"], "date": c["date"], "words": len(c["text"].split())}
            for c in result.get("copies", [])
        ]
        if with_reference:
            row["reference"] = score_page(reference((pages / page_id).read_bytes()), g)
        per_page[page_id] = row
    systems = ["wirecopy", "input"] + (["reference"] if with_reference else [])
    groups: dict[str, list[str]] = {"all": sorted(per_page)}
    for page_id in sorted(per_page):
        for tag in gold[page_id].get("tags") or []:
            groups.setdefault(tag, []).append(page_id)
    summary = {
        group: {sys_: summarise([per_page[p][sys_] for p in ids]) for sys_ in systems}
        for group, ids in groups.items()
    }
    return {
        "summary": summary,
        "stories_across_pages": across,
        "pages": per_page,
        "build_seconds": round(seconds, 2),
    }


# ---- collecting pages and annotations from sdists -------------------------------------------


def _assigned_call(node: ast.stmt, name: str) -> ast.Call | None:
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
        func = node.value.func
        if isinstance(func, ast.Name) and func.id == name:
            return node.value
    return None


def _literal(node: ast.AST) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


def mock_pages(source: str) -> dict[str, str]:
    """The ``MOCK_PAGES = {url: file}`` table of a trafilatura test module."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Assign):
            continue
        target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "MOCK_PAGES":
            found: dict[str, str] = ast.literal_eval(node.value)
            return found
    return {}


def read_asserts(source: str) -> dict[str, Gold]:
    """url -> must_contain / must_not_contain / title / date, read from the asserts that
    follow ``result = load_mock_page(url)`` or ``extract_metadata(load_mock_page(url))``."""
    out: dict[str, Gold] = {}
    for fn in ast.walk(ast.parse(source)):
        if isinstance(fn, ast.FunctionDef):
            _visit(fn.body, out, {"url": None, "cur": None})
    return out


def _visit(stmts: list[ast.stmt], out: dict[str, Gold], state: dict[str, Any]) -> None:
    for st in stmts:
        if (call := _assigned_call(st, "load_mock_page")) is not None:
            state["cur"] = _literal(call.args[0])
        elif (call := _assigned_call(st, "extract_metadata")) is not None:
            inner = call.args[0] if call.args else None
            arg = inner.args[0] if isinstance(inner, ast.Call) and inner.args else None
            state["cur"] = _literal(arg) if isinstance(arg, ast.Constant) else state["url"]
        elif isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Name):
            if st.targets[0].id == "url" and isinstance(st.value, ast.Constant):
                state["url"] = st.value.value
        elif isinstance(st, ast.Assert) and state["cur"]:
            _read_assert(st.test, out.setdefault(state["cur"], {}))
        elif isinstance(st, ast.If):
            _visit(st.body, out, state)


def _read_assert(test: ast.expr, rec: Gold) -> None:
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, op, right = node.left, node.ops[0], node.comparators[0]
            text = _literal(left)
            if isinstance(text, str) and isinstance(right, ast.Name) and right.id == "result":
                key = "must_contain" if isinstance(op, ast.In) else "must_not_contain"
                if text.strip():
                    rec.setdefault(key, []).append(text)
            if isinstance(left, ast.Subscript) and isinstance(op, ast.Eq):
                field = _literal(left.slice)
                if field in ("title", "date") and isinstance(_literal(right), str):
                    rec[field] = _literal(right)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            suffix = node.func.attr == "endswith" and isinstance(target, ast.Subscript)
            if suffix and isinstance(target, ast.Subscript) and _literal(target.slice) == "title":
                rec["title_suffix"] = _literal(node.args[0])


def snippets_of(text: str, n: int = 5) -> list[str]:
    """``n`` evenly spaced paragraph openings (80 characters, cut at a word) of a text."""
    paras = [p.strip() for p in text.splitlines() if len(p.split()) >= 8 or len(p.strip()) >= 40]
    if not paras:
        return []
    picks = sorted({round(i * (len(paras) - 1) / max(1, n - 1)) for i in range(n)})
    cut = [paras[i][:80] for i in picks]
    return [c.rsplit(" ", 1)[0] if len(c) == 80 and " " in c else c for c in cut]


def _members(sdist: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    # paths without the sdist's top folder (``trafilatura-1.0.0/``)
    return {m.name.split("/", 1)[-1]: m for m in sdist.getmembers() if m.isfile()}


def _read(sdist: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = sdist.extractfile(member)
    assert handle is not None
    return handle.read()


def collect_trafilatura(path: Path, pages: Path) -> dict[str, Gold]:
    """Pages of ``tests/cache`` with the asserts of ``realworld_tests.py`` and
    ``metadata_tests.py`` (trafilatura 1.0.0 is the sdist that ships all three)."""
    gold: dict[str, Gold] = {}
    with tarfile.open(path) as sdist:
        files = _members(sdist)
        sources = [
            _read(sdist, files[f"tests/{m}.py"]).decode()
            for m in ("realworld_tests", "metadata_tests")
        ]
        mock = {k: v for src in sources for k, v in mock_pages(src).items()}
        notes: dict[str, Gold] = {}
        for src in sources:
            for url, rec in read_asserts(src).items():
                into = notes.setdefault(url, {})
                for key, value in rec.items():
                    into[key] = into.get(key, []) + value if isinstance(value, list) else value
        for url, name in sorted(mock.items()):
            rec = notes.get(url, {})
            member = files.get(f"tests/cache/{name}")
            if member is None or not (
                rec.get("must_contain") or rec.get("title") or rec.get("title_suffix")
            ):
                continue
            page_id = f"traf/{name}"
            (pages / page_id).write_bytes(_read(sdist, member))
            gold[page_id] = {"url": url, "tags": ["trafilatura"], **rec}
    return gold


def collect_newspaper(path: Path, pages: Path) -> dict[str, Gold]:
    """Pages of ``tests/data/html`` with their ``tests/data/metadata`` JSON (newspaper4k's own
    extraction: title, date, text); five paragraph openings of the text are the snippets."""
    gold: dict[str, Gold] = {}
    with tarfile.open(path) as sdist:
        files = _members(sdist)
        for name in sorted(files):
            if not (name.startswith("tests/data/metadata/") and name.endswith(".json")):
                continue
            stem = Path(name).stem
            html = files.get(f"tests/data/html/{stem}.html")
            meta = json.loads(_read(sdist, files[name]))
            text = meta.get("text") or ""
            if html is None or not text.strip():
                continue
            page_id = f"np4k/{stem}.html"
            (pages / page_id).write_bytes(_read(sdist, html))
            gold[page_id] = {
                "url": meta.get("url") or meta.get("canonical_link"),
                "title": meta.get("title"),
                "date": (meta.get("publish_date") or "")[:10] or None,
                "must_contain": snippets_of(text),
                "full_text": text,
                "tags": ["newspaper4k"],
            }
    return gold


def collect(sdists: list[Path], pages: Path) -> dict[str, Gold]:
    """Write the pages of the sdists into ``pages`` and return their annotations; the same
    HTML twice is kept once."""
    gold: dict[str, Gold] = {}
    for sub in ("traf", "np4k"):
        (pages / sub).mkdir(parents=True, exist_ok=True)
    for sdist in sdists:
        name = sdist.name.lower()
        if name.startswith("trafilatura"):
            gold |= collect_trafilatura(sdist, pages)
        elif name.startswith("newspaper"):
            gold |= collect_newspaper(sdist, pages)
        else:
            raise SystemExit(f"{sdist}: expected a trafilatura or newspaper4k sdist")
    seen: dict[bytes, str] = {}
    for page_id in sorted(gold):
        data = (pages / page_id).read_bytes()
        if data in seen:
            (pages / page_id).unlink()
            del gold[page_id]
        else:
            seen[data] = page_id
    return gold


# ---- command line ---------------------------------------------------------------------------


def print_summary(summary: dict[str, Any]) -> None:
    for group, systems in summary.items():
        print(f"== {group}")
        keys = list(next(iter(systems.values())))
        for key in keys:
            cells = "  ".join(f"{name}={row[key]!s:14s}" for name, row in systems.items())
            print(f"  {key:22s} {cells}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.realpages",
        description=__doc__,  # the annotation format and every score
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--pages", type=Path, required=True, help="folder of HTML pages")
    parser.add_argument("--gold", type=Path, required=True, help="annotation file (JSON)")
    parser.add_argument(
        "--collect",
        type=Path,
        nargs="+",
        metavar="SDIST",
        help="first write --pages and --gold from these sdists (trafilatura 1.0.0, "
        "newspaper4k 0.9.6 .tar.gz), outside the repository: the pages are not ours",
    )
    parser.add_argument(
        "--reference", action="store_true", help="also score trafilatura.extract (defaults)"
    )
    parser.add_argument("-o", "--output", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)
    if args.collect:
        gold = collect(args.collect, args.pages)
        args.gold.write_text(json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{len(gold)} pages into {args.pages}, annotations in {args.gold}")
    gold = json.loads(args.gold.read_text(encoding="utf-8"))
    report = run(args.pages, gold, args.reference)
    report["command"] = "python -m benchmarks.realpages " + " ".join(argv or sys.argv[1:])
    report["machine"] = (
        f"{platform.machine()} {platform.system()} Python {platform.python_version()}"
    )
    if args.output:
        args.output.write_text(
            json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    print_summary(report["summary"])
    across = report["stories_across_pages"]
    print(f"stories across pages: {across['pairs']} pairs of articles of different pages")
    for pages in across["stories"]:
        print("  " + ", ".join(pages))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
