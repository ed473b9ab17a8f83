"""Building in parts segments again only the pages whose counts cross a threshold, and still
ends as one build of the same pages (`wirecopy.archive.evidence.apply`).

The pages are generated: a site's pages share recurring lines (a masthead, a widget, a
``Label:`` line, a source name, a sign-up prompt in prose, a recurring subhead), each printed
on a drawn share of the pages, so that as parts arrive the counts and the site's page total
cross every threshold segmentation uses (two pages, three pages and half the site, three
quarters of the site, two sites, three pages of no known site), in both directions when a
page is rewritten.
"""

from __future__ import annotations

import json
import random
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirecopy.build import build
from wirecopy.config import BuildConfig

CONFIG = BuildConfig(batch_size=3, entities=False)
SITES = ("herald.example", "herald.example", "herald.example", "wire.example", "")
RECURRING = (
    "THE HARBOUR HERALD",
    "Share this story",
    "Topics: {word}",
    "Northgate Wire",
    "Sign up for the weekly letter, it comes every Friday.",
    "What happens next",
    "{n} comments",
)
WORDS = (
    "harbour",
    "council",
    "bridge",
    "tide",
    "quay",
    "ferry",
    "vote",
    "plan",
    "cost",
    "winter",
    "fishermen",
    "span",
    "trams",
    "carts",
    "spring",
    "work",
    "landing",
    "stage",
    "north",
    "south",
    "market",
    "mayor",
    "budget",
    "report",
    "river",
    "storm",
)


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join([words[0].capitalize(), *words[1:]]) + "."


def _page(rng: random.Random, shares: list[float], version: int) -> str:
    """A page: recurring lines where the page's draw falls under their share, a title and
    two or three paragraphs of its own."""
    has = [rng.random() < share for share in shares]
    word, n = rng.choice(WORDS), rng.randint(2, 99)
    recurring = [line.format(word=word, n=n) for line in RECURRING]
    out = [recurring[0]] if has[0] else []
    title = " ".join(w.capitalize() for w in rng.sample(WORDS, 6)) + f" {version}"
    out += [title, ""]
    paragraphs = [
        " ".join(_sentence(rng, rng.randint(8, 14)) for _ in range(2))
        for _ in range(rng.randint(1, 3))
    ]
    for i, paragraph in enumerate(paragraphs):
        out += [paragraph, ""]
        if i == 0 and has[5]:
            out += [recurring[5], ""]
    for i in (3, 1, 2, 4, 6):
        if has[i]:
            out += [recurring[i], ""]
    return "\n".join(out)


def _write(root: Path, pages: dict[str, str]) -> None:
    root.mkdir(parents=True)
    for name, text in pages.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def _state(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Blocks with their stored evidence, copies, articles, the counts and the queue."""
    queries = {
        "blocks": 'SELECT page_id, seq, start, "end", text, label, copy_seq, evidence '
        "FROM blocks ORDER BY page_id, seq",
        "copies": "SELECT page_id, seq, article_id, kind, similarity, title, caption, source, "
        "text FROM copies ORDER BY page_id, seq",
        "articles": "SELECT id, title, caption, source, text, canonical_page FROM articles "
        "ORDER BY id",
        "counts": "SELECT kind, key, site, pages FROM line_counts ORDER BY kind, key, site",
        "sites": "SELECT site, pages FROM site_counts ORDER BY site",
        "queue": "SELECT page_id FROM segment_queue",
    }
    conn = sqlite3.connect(db)
    try:
        return {name: conn.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        conn.close()


SHARES = (0.0, 0.3, 0.5, 0.8, 1.0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(4, 24),
    parts=st.integers(2, 5),
    rewrites=st.integers(0, 3),
)
def test_building_in_parts_equals_one_build_across_threshold_crossings(
    seed: int, count: int, parts: int, rewrites: int
) -> None:
    rng = random.Random(seed)
    names = []
    for n in range(count):
        site = rng.choice(SITES)
        names.append(f"{site}/p{n:02d}.txt" if site else f"p{n:02d}.txt")
    # Parts in a random order, each printing the recurring lines on its own share of pages
    # (a line on every page of the first part and none of the next crosses the shares);
    # some pages first built in another version, then rewritten in a later part.
    order = rng.sample(names, len(names))
    cuts = sorted(rng.sample(range(1, len(order)), min(parts - 1, len(order) - 1)))
    chunks = [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True)]
    rewritten = set(rng.sample(names, min(rewrites, len(names))))
    final: dict[str, str] = {}
    steps: list[dict[str, str]] = []
    for chunk in chunks:
        shares = [rng.choice(SHARES) for _ in RECURRING]
        early = [n for n in chunk if n in rewritten]
        if early:
            steps.append({n: _page(rng, [rng.choice(SHARES) for _ in RECURRING], 1) for n in early})
        steps.append({n: _page(rng, shares, 0) for n in chunk})
        final |= steps[-1]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write(root / "all", final)
        build([root / "all"], root / "once.db", config=CONFIG)
        for i, step in enumerate(steps):
            _write(root / f"part{i}", step)
            build([root / f"part{i}"], root / "parts.db", config=CONFIG)
        once, inparts = _state(root / "once.db"), _state(root / "parts.db")
        assert inparts["queue"] == []
        for table in once:
            assert once[table] == inparts[table], table


def _feed(root: Path, first: int, count: int) -> None:
    """Pages ``first`` to ``first + count`` of one site that prints the same furniture on
    every page and one teaser line on about a third of them."""
    for n in range(first, first + count):
        rng = random.Random(n)
        lines = ["THE HARBOUR HERALD", "Share this story"]
        lines += [" ".join(w.capitalize() for w in rng.sample(WORDS, 6)) + f" {n}", ""]
        lines += [" ".join(_sentence(rng, 12) for _ in range(2)) for _ in range(3)]
        if n % 3 == 0:
            lines.append("Sign up for the weekly letter, it comes every Friday.")
        path = root / "herald.example" / f"p{n:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(lines), encoding="utf-8")


def test_pages_added_to_a_big_site_segment_only_the_new_ones(tmp_path: Path) -> None:
    """Lines printed on every page, or on a steady share of them, cross no threshold as the
    site grows: its old pages are not segmented again."""
    db = tmp_path / "a.db"
    _feed(tmp_path / "one", 0, 60)
    assert build([tmp_path / "one"], db, config=CONFIG).pages_segmented == 60
    _feed(tmp_path / "two", 60, 6)
    assert build([tmp_path / "two"], db, config=CONFIG).pages_segmented == 6
    _feed(tmp_path / "all", 0, 66)
    build([tmp_path / "all"], tmp_path / "once.db", config=CONFIG)
    assert _state(db) == _state(tmp_path / "once.db")


PROMPT = "Sign up for the weekly letter, it comes every Friday."


def _prompt_site(root: Path) -> None:
    """A site whose prompt is on its 3 first pages (``one``), then on 1 of 5 more (``two``);
    ``all`` holds the 8 pages."""
    rng = random.Random(7)

    def page(with_prompt: bool) -> str:
        lines = [" ".join(w.capitalize() for w in rng.sample(WORDS, 6)), ""]
        lines += [" ".join(_sentence(rng, 12) for _ in range(2)) for _ in range(2)]
        return "\n\n".join([*lines, *([PROMPT] if with_prompt else [])])

    first = {f"herald.example/a{n}.txt": page(True) for n in range(3)}
    second = {f"herald.example/b{n}.txt": page(n == 0) for n in range(5)}
    _write(root / "one", first)
    _write(root / "two", second)
    _write(root / "all", first | second)


def test_a_line_whose_count_grows_slower_than_its_site_falls_below_a_share(
    tmp_path: Path,
) -> None:
    """A prompt on 3 of 3 pages (three quarters of the site), then on 4 of 8: one batch
    raises both its count and the site's total. The first pages' decisions did not ask
    whether the prompt is on three quarters of the site (it follows their paragraphs, and
    their first paragraph is not), so they are not segmented again: only the site marks
    their evidence shows are rewritten, and the archive is the one build's."""
    _prompt_site(tmp_path)
    config = BuildConfig(entities=False)
    build([tmp_path / "one"], tmp_path / "parts.db", config=config)
    before = _state(tmp_path / "parts.db")["blocks"]
    assert build([tmp_path / "two"], tmp_path / "parts.db", config=config).pages_segmented == 5
    build([tmp_path / "all"], tmp_path / "once.db", config=config)
    after = _state(tmp_path / "parts.db")
    assert after == _state(tmp_path / "once.db")
    prompt_blocks = [(b[0], b[1]) for b in before if b[4] == PROMPT]
    assert len(prompt_blocks) == 3
    shown = {(b[0], b[1]): json.loads(str(b[7]))["site"] for b in after["blocks"] if b[4] == PROMPT}
    assert all(shown[k] == ["half", "recurs"] for k in prompt_blocks)


def test_pages_segmented_before_traces_were_kept_are_segmented_again(tmp_path: Path) -> None:
    """Schema migration 8: pages whose blocks were written before blocks kept their line's
    keys are segmented again where the marks their evidence shows would be rewritten."""
    _prompt_site(tmp_path)
    config = BuildConfig(entities=False)
    build([tmp_path / "one"], tmp_path / "parts.db", config=config)
    conn = sqlite3.connect(tmp_path / "parts.db")
    conn.execute("UPDATE blocks SET line_key = NULL, head_key = NULL")
    conn.commit()
    conn.close()
    assert build([tmp_path / "two"], tmp_path / "parts.db", config=config).pages_segmented == 8
    build([tmp_path / "all"], tmp_path / "once.db", config=config)
    assert _state(tmp_path / "parts.db") == _state(tmp_path / "once.db")
