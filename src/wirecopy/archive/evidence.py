"""The segmentation evidence in the archive: line counts, each page's keys, the queue.

Segmentation decides from how many pages (per site) print each short line of a page
(`wirecopy.stages.evidence`). The archive keeps those counts (``line_counts``,
``site_counts``, ``source_counts``) over every page ever built, and for each page the keys it
counts and the keys its segmentation looks up (``line_keys``).

Segmentation asks of a count only which side of a few thresholds it falls on
(`wirecopy.stages.evidence.SITE_MARKS` and its neighbours), and its blocks keep only that.
Each page's segmentation records which of those questions its decisions asked of which key
(``line_keys.asked``, `wirecopy.stages.segment.Trace`). When a batch changes the counts, a
page is queued (``segment_queue``) to be segmented again only when the answer to a question
it asked flips (`apply`): segmentation is a function of the page and those answers, so a
page segmented again with none flipped would come out the same. Its blocks' evidence also
shows the site marks of every line, asked or not (``site``); when only those flip, the
evidence is rewritten from the counts without segmenting the page (`_refresh_marks`). A
build therefore ends with every page segmented as against the counts of the whole archive,
whatever order its pages came in, while adding pages to a site re-segments only the pages
whose decisions may change.

Functions here take the writer's connection inside the caller's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from wirecopy.records import Page
from wirecopy.stages.copies import PageEvidence
from wirecopy.stages.evidence import (
    ALL_ASKED,
    CORPUS_BIT,
    HEAD_PAGES,
    NAME_SITES,
    SITE_MARKS,
    UNKNOWN,
    UNKNOWN_SITE_PAGES,
    LineStats,
    digest,
    mark_bits,
    site_marks,
)
from wirecopy.stages.lines import head_key, split_lines
from wirecopy.stages.profiles import ALL_SITES, Profiles

# line_keys.kind: 0 lines, 1 heads, 2 names
_HEADS = 1
_NAMES = 2
_MASK = (1 << 64) - 1


def to_int(hexdigest: str) -> int:
    """A 64-bit hex digest as a signed integer (SQLite's INTEGER)."""
    value = int(hexdigest, 16)
    return value - (1 << 64) if value >= 1 << 63 else value


def to_hex(value: int) -> str:
    return f"{value & _MASK:016x}"


@dataclass(slots=True)
class Deltas:
    """Net changes to the counts made by one batch."""

    keys: Counter[tuple[int, int, str]] = field(default_factory=Counter)
    sites: Counter[str] = field(default_factory=Counter)
    sources: Counter[int] = field(default_factory=Counter)
    names: dict[int, str] = field(default_factory=dict)

    def source(self, name: str, sign: int) -> None:
        key = to_int(digest(name))
        self.names[key] = name
        self.sources[key] += sign


def uncount(conn: sqlite3.Connection, page_id: str, deltas: Deltas) -> None:
    """Take a page's keys out of the counts (nothing when it was never counted)."""
    row = conn.execute(
        "SELECT site, source FROM counted_pages WHERE page_id = ?", (page_id,)
    ).fetchone()
    if row is None:
        return
    site = row[0]
    for kind, key in conn.execute(
        "SELECT kind, key FROM line_keys WHERE page_id = ? AND counted = 1", (page_id,)
    ):
        deltas.keys[(kind, key, site)] -= 1
    deltas.sites[site] -= 1
    if row[1] is not None:
        deltas.source(row[1], -1)
    conn.execute("DELETE FROM line_keys WHERE page_id = ?", (page_id,))
    conn.execute("DELETE FROM counted_pages WHERE page_id = ?", (page_id,))


def count(conn: sqlite3.Connection, page_id: str, evidence: PageEvidence, deltas: Deltas) -> None:
    """Add a page's keys to the counts and record what it counts and looks up."""
    keys = evidence.keys
    site = keys.site
    rows: list[tuple[int, int, str, int]] = []
    for kind, (counted_hex, read_hex) in enumerate(
        zip((keys.lines, keys.heads, keys.names), evidence.reads, strict=True)
    ):
        counted = {to_int(k) for k in counted_hex}
        for key in counted:
            deltas.keys[(kind, key, site)] += 1
        rows.extend(
            (kind, key, page_id, int(key in counted))
            for key in counted | {to_int(k) for k in read_hex}
        )
    conn.executemany(
        "INSERT INTO line_keys (kind, key, page_id, counted) VALUES (?, ?, ?, ?)", rows
    )
    conn.execute(
        "INSERT INTO counted_pages (page_id, site, source) VALUES (?, ?, ?)",
        (page_id, site, keys.source),
    )
    deltas.sites[site] += 1
    if keys.source:
        deltas.source(keys.source, +1)


def apply(conn: sqlite3.Connection, deltas: Deltas) -> None:
    """Write a batch's net changes to the counts; queue every page whose decisions they may
    change, and bring the site marks the evidence of the others shows up to date.

    Segmentation compares counts with a few thresholds only (`wirecopy.stages.evidence`):
    a line's (or ``Label:``'s) pages on its own site against `SITE_MARKS`, which include
    shares of the site's page total; a ``Label:``'s pages against `HEAD_PAGES`; a line's
    pages against `UNKNOWN_SITE_PAGES` (pages of no known site); a name's sites against
    `NAME_SITES`; a name's pages as a metadata source against zero. A page is queued only
    when one of these comparisons flips for a key its segmentation asked it of: counts that
    grow without crossing a threshold (a line on every page of a site, as the site grows)
    queue nothing, and neither does a crossing no decision of the page asked about.
    """
    changed = {k: n for k, n in deltas.keys.items() if n}
    before = _counts_before(conn, changed)
    totals = _site_totals(conn, deltas.sites)
    conn.executemany(
        "INSERT INTO line_counts (kind, key, site, pages) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (kind, key, site) DO UPDATE SET pages = pages + excluded.pages",
        [(*k, n) for k, n in changed.items()],
    )
    conn.executemany(
        "DELETE FROM line_counts WHERE kind = ? AND key = ? AND site = ? AND pages <= 0",
        [k for k, n in changed.items() if n < 0],
    )
    sites = [(site, n) for site, n in deltas.sites.items() if n]
    conn.executemany(
        "INSERT INTO site_counts (site, pages) VALUES (?, ?) "
        "ON CONFLICT (site) DO UPDATE SET pages = pages + excluded.pages",
        sites,
    )
    conn.execute("DELETE FROM site_counts WHERE pages <= 0")
    flipped = _apply_sources(conn, deltas)
    after = {site: old + deltas.sites[site] for site, old in totals.items()}
    on_site, corpus = _crossings(changed, before, totals, after)
    for crossing, bits in _share_crossings(conn, changed, totals, after).items():
        on_site[crossing] = on_site.get(crossing, 0) | bits
    corpus |= {(_NAMES, k) for k in flipped}
    _queue_readers(conn, on_site, corpus)
    _refresh_marks(conn)


@dataclass(slots=True)
class _Before:
    """The counts of the keys a batch changes, as they were before it."""

    site: dict[tuple[int, int, str], int] = field(default_factory=dict)
    pages: Counter[tuple[int, int]] = field(default_factory=Counter)  # over every site
    sites: Counter[tuple[int, int]] = field(default_factory=Counter)  # as LineStats.sites


def _counts_before(
    conn: sqlite3.Connection, changed: Mapping[tuple[int, int, str], int]
) -> _Before:
    before = _Before()
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS batch_keys "
        "(kind INTEGER, key INTEGER, PRIMARY KEY (kind, key)) WITHOUT ROWID"
    )
    conn.executemany(
        "INSERT OR IGNORE INTO temp.batch_keys (kind, key) VALUES (?, ?)",
        [(kind, key) for kind, key, _site in changed],
    )
    for kind, key, site, pages in conn.execute(
        "SELECT lc.kind, lc.key, lc.site, lc.pages FROM temp.batch_keys b "
        "CROSS JOIN line_counts lc ON lc.kind = b.kind AND lc.key = b.key"  # not every count
    ):
        before.site[(kind, key, site)] = pages
        before.pages[(kind, key)] += pages
        before.sites[(kind, key)] += pages if site == UNKNOWN else 1
    conn.execute("DELETE FROM temp.batch_keys")
    return before


def _site_totals(conn: sqlite3.Connection, sites: Mapping[str, int]) -> dict[str, int]:
    """The page totals of ``sites`` before the batch (0 for a new site)."""
    totals = dict.fromkeys(sites, 0)
    for site, pages in conn.execute(
        "SELECT site, pages FROM site_counts WHERE site IN (SELECT value FROM json_each(?))",
        (json.dumps(list(sites)),),
    ):
        totals[site] = pages
    return totals


def _corpus_reached(kind: int, pages: int, sites: int) -> bool:
    """Does a key reach the corpus-wide threshold segmentation compares it with?"""
    if kind == _NAMES:
        return sites >= NAME_SITES
    return pages >= (HEAD_PAGES if kind == _HEADS else UNKNOWN_SITE_PAGES)


def _crossings(
    changed: Mapping[tuple[int, int, str], int],
    before: _Before,
    totals: Mapping[str, int],
    after: Mapping[str, int],
) -> tuple[dict[tuple[int, int, str], int], set[tuple[int, int]]]:
    """The keys whose change crosses a threshold: on one site (with the `MARK_BITS` of the
    site marks crossed, for that site's pages), and over the corpus (for every page)."""
    on_site: dict[tuple[int, int, str], int] = {}
    pages = Counter(before.pages)
    sites = Counter(before.sites)
    for (kind, key, site), n in changed.items():
        old = before.site.get((kind, key, site), 0)
        new = max(old + n, 0)
        pages[(kind, key)] += new - old
        sites[(kind, key)] += new - old if site == UNKNOWN else (new > 0) - (old > 0)
        local = kind != _NAMES and site != UNKNOWN
        if local:
            crossed = site_marks(old, totals[site]) ^ site_marks(new, after[site])
            if crossed:
                on_site[(kind, key, site)] = mark_bits(crossed)
    corpus = {
        k
        for k in {(kind, key) for kind, key, _site in changed}
        if _corpus_reached(k[0], before.pages[k], before.sites[k])
        != _corpus_reached(k[0], pages[k], sites[k])
    }
    return on_site, corpus


def _share_crossings(
    conn: sqlite3.Connection,
    changed: Mapping[tuple[int, int, str], int],
    totals: Mapping[str, int],
    after: Mapping[str, int],
) -> dict[tuple[int, int, str], int]:
    """Keys of a site whose page total changed, their own count unchanged, that cross a
    share of the total (`SITE_MARKS`), with the bits of the marks crossed: only counts
    between the old and the new threshold."""
    crossing: dict[tuple[int, int, str], int] = {}
    for site, old_total in totals.items():
        new_total = after[site]
        if site == UNKNOWN or old_total == new_total:
            continue
        low, high = sorted((old_total, new_total))
        bands = [
            (-(-low * num // den), -(-high * num // den) - 1)
            for _name, _least, num, den in SITE_MARKS
            if num
        ]
        # ``pages >= 2`` as written in the partial index ``line_counts_shares``: a line on
        # one page reaches no mark (`SITE_MARKS`: at least two pages).
        for kind, key, pages in conn.execute(
            "SELECT kind, key, pages FROM line_counts WHERE site = ? AND pages >= 2 "
            "AND pages BETWEEN ? AND ? AND kind < ?",
            (site, min(b[0] for b in bands), max(b[1] for b in bands), _NAMES),
        ):
            if (kind, key, site) in changed:
                continue  # its own change was weighed with both totals (`_crossings`)
            crossed = site_marks(pages, old_total) ^ site_marks(pages, new_total)
            if crossed:
                crossing[(kind, key, site)] = mark_bits(crossed)
    return crossing


def _queue_readers(
    conn: sqlite3.Connection,
    on_site: Mapping[tuple[int, int, str], int],
    corpus: set[tuple[int, int]],
) -> None:
    """Queue the pages of each site that asked a key crossing there about a mark it
    crosses, and every page that asked a key crossing over the corpus about its corpus
    threshold. The other pages of the site that print a key crossing there are marked for
    `_refresh_marks` (temp table ``refresh_pages``): their evidence shows its marks."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS crossed_site_keys (kind INTEGER, key INTEGER, "
        "site TEXT, bits INTEGER, PRIMARY KEY (kind, key, site)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS refresh_pages (page_id TEXT PRIMARY KEY) WITHOUT ROWID"
    )
    conn.executemany(
        "INSERT INTO temp.crossed_site_keys (kind, key, site, bits) VALUES (?, ?, ?, ?)",
        sorted((*k, bits) for k, bits in on_site.items()),
    )
    # CROSS JOIN: from the crossed keys to their pages (without it SQLite scans every
    # page's keys, in page order for DISTINCT: a batch would cost the size of the archive).
    readers = (
        "SELECT DISTINCT lk.page_id FROM temp.crossed_site_keys c "
        "CROSS JOIN line_keys lk ON lk.kind = c.kind AND lk.key = c.key "
        "JOIN counted_pages cp ON cp.page_id = lk.page_id AND cp.site = c.site "
    )
    conn.execute(f"INSERT OR IGNORE INTO segment_queue (page_id) {readers} WHERE lk.asked & c.bits")
    conn.execute(
        f"INSERT OR IGNORE INTO temp.refresh_pages (page_id) {readers} WHERE NOT lk.asked & c.bits"
    )
    conn.execute("DELETE FROM temp.crossed_site_keys")
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS changed_keys "
        "(kind INTEGER, key INTEGER, PRIMARY KEY (kind, key)) WITHOUT ROWID"
    )
    conn.executemany(
        "INSERT OR IGNORE INTO temp.changed_keys (kind, key) VALUES (?, ?)", sorted(corpus)
    )
    conn.execute(
        "INSERT OR IGNORE INTO segment_queue (page_id) SELECT DISTINCT lk.page_id "
        "FROM temp.changed_keys c CROSS JOIN line_keys lk ON lk.kind = c.kind AND lk.key = c.key "
        "WHERE lk.asked & ?",
        (CORPUS_BIT,),
    )
    conn.execute("DELETE FROM temp.changed_keys")


def _refresh_marks(conn: sqlite3.Connection) -> None:
    """Rewrite the site marks (``site``) in the evidence of the blocks of the pages marked
    in ``refresh_pages`` and not queued, from the counts as they are now: what segmenting
    the page again would write there, its decisions being the same. A page whose blocks
    do not hold their line's keys (segmented before they were kept) is queued instead."""
    updates: list[tuple[str, str, int]] = []
    unkeyed: set[str] = set()
    for page_id, seq, stored, unknown_keys, site, line, head, total in conn.execute(
        "SELECT b.page_id, b.seq, b.evidence, b.line_key IS NULL, cp.site, "
        "COALESCE(l.pages, 0), COALESCE(h.pages, 0), COALESCE(s.pages, 0) "
        "FROM temp.refresh_pages r CROSS JOIN blocks b ON b.page_id = r.page_id "
        "JOIN counted_pages cp ON cp.page_id = r.page_id "
        "LEFT JOIN line_counts l ON l.kind = 0 AND l.key = b.line_key AND l.site = cp.site "
        "LEFT JOIN line_counts h ON h.kind = ? AND h.key = b.head_key AND h.site = cp.site "
        "LEFT JOIN site_counts s ON s.site = cp.site "
        "WHERE r.page_id NOT IN (SELECT page_id FROM segment_queue)",
        (_HEADS,),
    ):
        if unknown_keys:
            unkeyed.add(page_id)
            continue
        evidence = json.loads(stored) if stored else {}
        shown = sorted(site_marks(max(line, head), total)) if site != UNKNOWN else []
        if evidence.get("site", []) == shown:
            continue
        if shown:
            evidence["site"] = shown
        else:
            evidence.pop("site", None)
        updates.append((json.dumps(evidence, sort_keys=True), page_id, seq))
    conn.executemany("UPDATE blocks SET evidence = ? WHERE page_id = ? AND seq = ?", updates)
    conn.executemany(
        "INSERT OR IGNORE INTO segment_queue (page_id) VALUES (?)", [(p,) for p in unkeyed]
    )
    conn.execute("DELETE FROM temp.refresh_pages")


def record_asked(
    conn: sqlite3.Connection, page_id: str, asked: Mapping[tuple[int, str], int] | None
) -> None:
    """Keep what a page's segmentation asked of the counts (`wirecopy.stages.segment.Trace`;
    None: not known, so every question) for `apply` to know when to segment it again."""
    if asked is None:
        conn.execute("UPDATE line_keys SET asked = ? WHERE page_id = ?", (ALL_ASKED, page_id))
        return
    conn.execute("UPDATE line_keys SET asked = 0 WHERE page_id = ? AND asked <> 0", (page_id,))
    # A key asked is a key the page looks up (`wirecopy.stages.copies.page_evidence`); the
    # upsert keeps one that was not, so its crossings still reach the page.
    conn.executemany(
        "INSERT INTO line_keys (kind, key, page_id, counted, asked) VALUES (?, ?, ?, 0, ?) "
        "ON CONFLICT (kind, key, page_id) DO UPDATE SET asked = excluded.asked",
        [(kind, to_int(key), page_id, bits) for (kind, key), bits in asked.items()],
    )


def _apply_sources(conn: sqlite3.Connection, deltas: Deltas) -> list[int]:
    """Update the source counts; the keys of names that became or stopped being sources."""
    flipped: list[int] = []
    for key, n in deltas.sources.items():
        if not n:
            continue
        row = conn.execute("SELECT pages FROM source_counts WHERE key = ?", (key,)).fetchone()
        before = row[0] if row else 0
        after = before + n
        if after > 0:
            conn.execute(
                "INSERT INTO source_counts (key, name, pages) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET pages = excluded.pages",
                (key, deltas.names[key], after),
            )
        else:
            conn.execute("DELETE FROM source_counts WHERE key = ?", (key,))
        if (before > 0) != (after > 0):
            flipped.append(key)
    return flipped


def uncounted(conn: sqlite3.Connection, limit: int) -> list[str]:
    """Accepted pages with text whose keys are not in the counts (archives built before
    segmentation)."""
    return [
        row[0]
        for row in conn.execute(
            "SELECT p.id FROM pages p LEFT JOIN counted_pages c ON c.page_id = p.id "
            "WHERE p.status = 'ok' AND p.text <> '' AND c.page_id IS NULL ORDER BY p.id LIMIT ?",
            (limit,),
        )
    ]


def queued(conn: sqlite3.Connection, limit: int) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT page_id FROM segment_queue ORDER BY page_id LIMIT ?", (limit,)
        )
    ]


def queue_size(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM segment_queue").fetchone()[0])


def load_pages(conn: sqlite3.Connection, ids: Sequence[str]) -> list[Page]:
    """The pages ``ids`` as segmentation needs them (without their raw bytes), in id order."""
    return [
        Page(
            id=row["id"],
            uri=row["uri"],
            format=row["format"],
            content_hash=row["content_hash"],
            raw=b"",
            status=row["status"],
            error=row["error"],
            site=row["site"],
            source=row["source"],
            encoding=row["encoding"],
            text=row["text"],
            title=row["title"],
            published=row["published"],
            fetched=row["fetched"],
            meta=json.loads(row["meta"]) if row["meta"] else {},
        )
        for row in conn.execute(
            "SELECT id, uri, format, content_hash, status, error, site, source, encoding, "
            "text, title, published, fetched, meta FROM pages "
            "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (json.dumps(list(ids)),),
        )
    ]


def load_stats(conn: sqlite3.Connection, ids: Sequence[str]) -> LineStats:
    """The counts of every key the pages ``ids`` look up: enough to segment them exactly as
    with the counts of the whole archive."""
    batch = json.dumps(list(ids))
    stats = LineStats()
    tables = (stats.lines, stats.heads, stats.names)
    for kind, key, site, pages in conn.execute(
        "SELECT lc.kind, lc.key, lc.site, lc.pages FROM "
        "(SELECT DISTINCT kind, key FROM line_keys "
        " WHERE page_id IN (SELECT value FROM json_each(?))) k "
        "JOIN line_counts lc ON lc.kind = k.kind AND lc.key = k.key",
        (batch,),
    ):
        tables[kind].setdefault(to_hex(key), {})[site] = pages
    for site, pages in conn.execute(
        "SELECT s.site, s.pages FROM site_counts s WHERE s.site IN "
        "(SELECT site FROM counted_pages WHERE page_id IN (SELECT value FROM json_each(?)))",
        (batch,),
    ):
        stats.site_pages[site] = pages
    for name, pages in conn.execute(
        "SELECT DISTINCT s.name, s.pages FROM line_keys lk JOIN source_counts s ON s.key = lk.key "
        "WHERE lk.kind = ? AND lk.page_id IN (SELECT value FROM json_each(?))",
        (_NAMES, batch),
    ):
        stats.sources[name] = pages
    return stats


# Site profiles ----------------------------------------------------------------------------


def load_profiles(conn: sqlite3.Connection) -> Profiles:
    return Profiles(
        {
            row[0]: json.loads(row[1])
            for row in conn.execute("SELECT site, profile FROM site_profiles")
        }
    )


def set_profiles(conn: sqlite3.Connection, profiles: Mapping[str, Mapping[str, list[str]]]) -> int:
    """Store the profiles of the sites given (an entry with no line and no name removes the
    site's profile); queue the pages of every site whose profile changed. Returns how many
    sites changed."""
    stored = dict(conn.execute("SELECT site, profile FROM site_profiles").fetchall())
    changed: list[str] = []
    for site, entry in sorted(profiles.items()):
        data = json.dumps(entry, sort_keys=True)
        empty = not any(entry.values())
        if stored.get(site) == (None if empty else data):
            continue
        changed.append(site)
        if empty:
            conn.execute("DELETE FROM site_profiles WHERE site = ?", (site,))
        else:
            conn.execute(
                "INSERT INTO site_profiles (site, profile) VALUES (?, ?) "
                "ON CONFLICT (site) DO UPDATE SET profile = excluded.profile",
                (site, data),
            )
    for site in changed:
        _queue_site(conn, site)
    return len(changed)


def _queue_site(conn: sqlite3.Connection, site: str) -> None:
    if site == ALL_SITES:
        conn.execute(
            "INSERT OR IGNORE INTO segment_queue (page_id) SELECT page_id FROM counted_pages"
        )
        return
    conn.execute(
        "INSERT OR IGNORE INTO segment_queue (page_id) SELECT page_id FROM counted_pages "
        "WHERE lower(site) IN (?, ?)",
        (site, "www." + site),
    )


# Shown counts ----------------------------------------------------------------------------


def current_counts(
    conn: sqlite3.Connection, site: str | None, text: str, starts: Sequence[int]
) -> list[dict[str, object]]:
    """For the blocks starting at ``starts`` in a page's ``text``: the counts of the line each
    stands on as the archive holds them now (``site_pages``: ``found/total`` on the page's
    site, ``corpus_sites``), for `wirecopy show`. Blocks keep only which thresholds their
    counts reached; the numbers are looked up when shown."""
    lines = split_lines(text)
    begins = [line.start for line in lines]
    site = site or UNKNOWN
    total_row = conn.execute("SELECT pages FROM site_counts WHERE site = ?", (site,)).fetchone()
    total = int(total_row[0]) if total_row else 0
    out: list[dict[str, object]] = []
    for start in starts:
        shown: dict[str, object] = {}
        at = bisect_right(begins, start) - 1
        if at >= 0:
            line = lines[at]
            key = to_int(digest(line.key))
            found = _site_pages(conn, 0, key, site)
            head = head_key(line.text)
            if head:
                found = max(found, _site_pages(conn, _HEADS, to_int(digest(head)), site))
            if site != UNKNOWN:
                shown["site_pages"] = f"{found}/{total}"
            sites = conn.execute(
                "SELECT COALESCE(SUM(CASE WHEN site = '' THEN pages ELSE 1 END), 0) "
                "FROM line_counts WHERE kind = 0 AND key = ?",
                (key,),
            ).fetchone()[0]
            if sites:
                shown["corpus_sites"] = int(sites)
        out.append(shown)
    return out


def _site_pages(conn: sqlite3.Connection, kind: int, key: int, site: str) -> int:
    row = conn.execute(
        "SELECT pages FROM line_counts WHERE kind = ? AND key = ? AND site = ?",
        (kind, key, site),
    ).fetchone()
    return int(row[0]) if row else 0
