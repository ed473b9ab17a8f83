"""The archive's schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied. A migration is never
edited once released: a change to the schema is a new entry at the end.

The tables follow the data flow: pages → blocks → copies → articles → stories, with
entities attached to articles. Tables that later stages fill (signatures, bands,
stories, entities) exist from the start so the archive's shape is stable.
"""

from __future__ import annotations

# Drop the segmentation counts and queue every page: the next build counts every page's lines
# again, as the rules of the day split them (as for an archive built before segmentation),
# and segments every page again. Released migrations that change how lines are split share it.
_COUNT_AND_SEGMENT_AGAIN = """
    DELETE FROM line_keys;
    DELETE FROM line_counts;
    DELETE FROM counted_pages;
    DELETE FROM site_counts;
    DELETE FROM source_counts;
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """

# Texts hashed differently from schema version 13 on: `wirecopy.textnorm._SPLIT`'s characters, the
# zero-width space and the word joiner (a GLOB class: SQLite reads its ranges as code points).
_RESIGNED = (
    "*[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u9fff\uf900-\ufaff"
    "\U00020000-\U0003ffff\u200b\u2060]*"
)

# Texts that may hold a date as Chinese, Japanese and Korean print it, from schema version 15
# on (`wirecopy.stages.lines.CJK_DATE`; a GLOB, a little wider than the pattern).
_CJK_DATED = "*[0-9０-９][年년]*[月월]*[日일]*"

MIGRATIONS: list[str] = [
    # 1: the foundation.
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'interrupted', 'failed')),
        version TEXT NOT NULL,
        inputs TEXT NOT NULL,          -- JSON list of the paths given
        options TEXT NOT NULL,         -- JSON object of the settings used
        counts TEXT,                   -- JSON object: pages read, new, rejected, ...
        seconds REAL
    );

    CREATE TABLE pages (
        id TEXT PRIMARY KEY,           -- path relative to the input folder, '#n' for records
        uri TEXT,
        site TEXT,
        source TEXT,
        format TEXT NOT NULL,
        content_hash TEXT NOT NULL,    -- xxh3-128 of the raw bytes
        size INTEGER NOT NULL,
        raw BLOB,                      -- the bytes as read, so nothing is lost
        encoding TEXT,
        text TEXT,                     -- the page text every stage works on
        title TEXT,
        published TEXT,                -- the date the page states (ISO)
        fetched TEXT,                  -- when a crawler fetched it (WARC-Date)
        status TEXT NOT NULL CHECK (status IN ('ok', 'rejected')),
        error TEXT,
        meta TEXT,                     -- JSON: extractor and record metadata
        run_id INTEGER REFERENCES runs(id),
        seq INTEGER NOT NULL           -- input order, for stable listings
    );
    CREATE INDEX pages_status ON pages(status);
    CREATE INDEX pages_site ON pages(site);
    CREATE INDEX pages_seq ON pages(seq);

    CREATE TABLE blocks (
        page_id TEXT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        start INTEGER NOT NULL,        -- character offsets into pages.text
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        label TEXT NOT NULL,           -- title, caption, body, boilerplate, echo, ...
        copy_seq INTEGER,              -- the copy of this page the block went to
        evidence TEXT,                 -- JSON: what decided the label
        PRIMARY KEY (page_id, seq)
    ) WITHOUT ROWID;

    CREATE TABLE stories (
        n INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        title TEXT,
        first_date TEXT,
        last_date TEXT,
        centroid BLOB,                 -- the story's vector, for incremental clustering
        run_id INTEGER REFERENCES runs(id)
    );

    CREATE TABLE articles (
        n INTEGER PRIMARY KEY,         -- stable rowid for the full-text index
        id TEXT NOT NULL UNIQUE,
        title TEXT,
        caption TEXT,
        date TEXT,
        date_evidence TEXT,
        source TEXT,
        text TEXT NOT NULL,            -- the canonical body
        text_hash TEXT NOT NULL,
        canonical_page TEXT,
        canonical_seq INTEGER,
        story_id TEXT REFERENCES stories(id) ON DELETE SET NULL,
        run_id INTEGER REFERENCES runs(id)
    );
    CREATE INDEX articles_story ON articles(story_id);
    CREATE INDEX articles_hash ON articles(text_hash);

    CREATE TABLE copies (
        page_id TEXT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,          -- order of the copy in its page
        article_id TEXT NOT NULL REFERENCES articles(id),
        kind TEXT NOT NULL CHECK (kind IN ('full', 'partial')),
        similarity REAL NOT NULL,      -- to the article's canonical text
        title TEXT,
        caption TEXT,
        date TEXT,
        source TEXT,
        text TEXT NOT NULL,
        text_hash TEXT NOT NULL,       -- of the normalised text: equal for exact copies
        start INTEGER,
        "end" INTEGER,
        PRIMARY KEY (page_id, seq)
    ) WITHOUT ROWID;
    CREATE INDEX copies_article ON copies(article_id);
    CREATE INDEX copies_hash ON copies(text_hash);

    -- Near-duplicate matching state, so new pages match old ones without recomputing.
    CREATE TABLE signatures (
        page_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        minhash BLOB NOT NULL,         -- uint64 MinHash values
        shingles BLOB,                 -- sorted unique uint64 shingle hashes
        PRIMARY KEY (page_id, seq),
        FOREIGN KEY (page_id, seq) REFERENCES copies(page_id, seq) ON DELETE CASCADE
    ) WITHOUT ROWID;
    CREATE TABLE bands (
        band INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        page_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (band, bucket, page_id, seq),
        FOREIGN KEY (page_id, seq) REFERENCES copies(page_id, seq) ON DELETE CASCADE
    ) WITHOUT ROWID;

    CREATE TABLE entities (
        id INTEGER PRIMARY KEY,
        text TEXT NOT NULL,            -- the merged, canonical mention
        label TEXT NOT NULL,           -- PERSON, ORG, GPE, LOC, NORP, ...
        UNIQUE (text, label)
    );
    CREATE TABLE article_entities (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        entity_id INTEGER NOT NULL REFERENCES entities(id),
        count INTEGER NOT NULL,
        mentions TEXT,                 -- JSON list of the surface forms merged
        PRIMARY KEY (article_id, entity_id)
    ) WITHOUT ROWID;
    CREATE INDEX article_entities_entity ON article_entities(entity_id);

    CREATE VIEW story_entities AS
        SELECT a.story_id AS story_id, e.text AS text, e.label AS label,
               SUM(ae.count) AS count
        FROM article_entities ae
        JOIN articles a ON a.id = ae.article_id
        JOIN entities e ON e.id = ae.entity_id
        WHERE a.story_id IS NOT NULL
        GROUP BY a.story_id, e.id;

    -- Full-text index over articles, kept in step by triggers.
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='n',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.n, new.title, new.text);
    END;
    CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.n, old.title, old.text);
    END;
    CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.n, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.n, new.title, new.text);
    END;
    """,
    # Segmentation evidence: how often each short line recurs across the corpus and each
    # site, kept so a build counts every page ever built and segments pages again when the
    # counts they depend on change. Keys are xxh3-64 digests stored as signed integers.
    """
    CREATE TABLE line_keys (           -- the keys each page counts or looks up
        kind INTEGER NOT NULL,         -- 0 line shape, 1 'Label:' head, 2 name
        key INTEGER NOT NULL,
        page_id TEXT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
        counted INTEGER NOT NULL,      -- 1: in the counts (taken out when the page changes)
        PRIMARY KEY (kind, key, page_id)
    ) WITHOUT ROWID;
    CREATE INDEX line_keys_page ON line_keys(page_id);

    CREATE TABLE line_counts (         -- pages per site printing a key (kinds 0-2)
        kind INTEGER NOT NULL,
        key INTEGER NOT NULL,
        site TEXT NOT NULL,            -- '' for pages of no known site
        pages INTEGER NOT NULL,
        PRIMARY KEY (kind, key, site)
    ) WITHOUT ROWID;

    CREATE TABLE counted_pages (       -- pages whose keys are in the counts
        page_id TEXT PRIMARY KEY REFERENCES pages(id) ON DELETE CASCADE,
        site TEXT NOT NULL,
        source TEXT                    -- its metadata source, as a name key
    ) WITHOUT ROWID;
    CREATE INDEX counted_pages_site ON counted_pages(site);
    CREATE TABLE site_counts (site TEXT PRIMARY KEY, pages INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE source_counts (       -- pages per metadata source name
        key INTEGER PRIMARY KEY,       -- digest of the name (as line_keys kind 2)
        name TEXT NOT NULL,
        pages INTEGER NOT NULL
    );

    -- Pages to segment (again): new and changed pages, and pages whose evidence changed.
    CREATE TABLE segment_queue (
        page_id TEXT PRIMARY KEY REFERENCES pages(id) ON DELETE CASCADE
    ) WITHOUT ROWID;

    -- Site profiles given with `build --profiles`: JSON {"boilerplate": [], "sources": []}.
    CREATE TABLE site_profiles (site TEXT PRIMARY KEY, profile TEXT NOT NULL) WITHOUT ROWID;

    -- Archives built before segmentation: every accepted page is counted and segmented
    -- again by the next build.
    INSERT INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """,
    # Entities, dates and stories bookkeeping, so that a build only looks again at what
    # changed: the entities of an article whose title or text changed (or all of them when
    # the model or the merging rules change), the date of an article whose copies changed,
    # and the story of an article whose title, text, date or entities changed.
    """
    ALTER TABLE articles ADD COLUMN entities_version TEXT;
    CREATE INDEX articles_entities_version ON articles(entities_version);
    CREATE TRIGGER articles_entities_stale AFTER UPDATE OF title, text ON articles
    WHEN old.title IS NOT new.title OR old.text IS NOT new.text BEGIN
        UPDATE articles SET entities_version = NULL WHERE n = new.n;
        DELETE FROM article_entities WHERE article_id = new.id;
    END;

    -- NULL: the article's date is to be worked out (again) from its copies.
    CREATE INDEX articles_date_pending ON articles(n) WHERE date_evidence IS NULL;
    CREATE TRIGGER copies_date_ai AFTER INSERT ON copies BEGIN
        UPDATE articles SET date_evidence = NULL WHERE id = new.article_id;
    END;
    CREATE TRIGGER copies_date_ad AFTER DELETE ON copies BEGIN
        UPDATE articles SET date_evidence = NULL WHERE id = old.article_id;
    END;

    -- NULL: the article is to be placed in a story (again).
    ALTER TABLE articles ADD COLUMN story_version TEXT;
    CREATE INDEX articles_story_pending ON articles(n) WHERE story_version IS NULL;
    CREATE TRIGGER articles_story_stale AFTER UPDATE OF title, text, date, entities_version
    ON articles
    WHEN old.title IS NOT new.title OR old.text IS NOT new.text OR old.date IS NOT new.date
        OR old.entities_version IS NOT new.entities_version BEGIN
        UPDATE articles SET story_version = NULL WHERE n = new.n;
    END;
    -- A story that lost an article is looked at again (its title, dates, and whether it
    -- still holds together).
    CREATE TABLE stories_pending (story_id TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TRIGGER articles_story_ad AFTER DELETE ON articles WHEN old.story_id IS NOT NULL
    BEGIN
        INSERT OR IGNORE INTO stories_pending (story_id) VALUES (old.story_id);
    END;

    -- Each article's hashed term weights (title and body), and how many articles hold
    -- each term, for TF-IDF that does not depend on the order articles came in.
    CREATE TABLE article_terms (
        article_id TEXT PRIMARY KEY,   -- no foreign key: a deleted article's terms are
                                       -- taken out of term_df by the next build
        key TEXT NOT NULL,             -- xxh3 of the title and text vectorised
        terms BLOB NOT NULL,           -- int32 term hashes, ascending
        weights BLOB NOT NULL,         -- float32 sublinear term frequencies
        mentioned TEXT                 -- the latest full date the text mentions (ISO)
    ) WITHOUT ROWID;
    CREATE TABLE term_df (term INTEGER PRIMARY KEY, df INTEGER NOT NULL);
    """,
    # Articles: the match state of each copy (`wirecopy.archive.articles`), so new copies
    # are matched against old ones without hashing them again: passage fingerprints
    # (winnowing) beside the MinHash signature, the paragraph count, and the group
    # (connected component of matching copies) each copy belongs to; and each group's
    # fingerprints, indexed for look-up (a group's copies share most of theirs).
    """
    ALTER TABLE signatures ADD COLUMN fingerprints BLOB;  -- sorted unique uint64 hashes
    ALTER TABLE signatures ADD COLUMN paragraphs INTEGER;
    ALTER TABLE signatures ADD COLUMN component INTEGER;
    CREATE INDEX signatures_component ON signatures(component);
    CREATE INDEX bands_copy ON bands(page_id, seq);
    CREATE TABLE fingerprints (        -- the passage fingerprints of each group, once
        hash INTEGER NOT NULL,
        component INTEGER NOT NULL,
        PRIMARY KEY (hash, component)
    ) WITHOUT ROWID;
    CREATE INDEX fingerprints_component ON fingerprints(component);

    -- Archives built before article grouping: the next build segments their pages again,
    -- and so signs and groups every copy.
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """,
    # Segmentation keeps in each block's evidence which thresholds its counts reach, not the
    # counts, and a build segments a page again only when one of its counts crosses one. The
    # index finds the lines of a site whose share of its pages crosses a threshold as the
    # site grows (lines on one page, most of them, cross none); the next build segments
    # every page again, so its blocks hold the new evidence.
    """
    CREATE INDEX IF NOT EXISTS line_counts_shares ON line_counts(site, pages) WHERE pages >= 2;
    INSERT OR IGNORE INTO segment_queue (page_id)
        SELECT page_id FROM counted_pages;
    """,
    # Exact or near copies (`wirecopy.stages.articles`): each copy's printed form (body with
    # white space normalised, title, caption, date, source), hashed, and its printed words,
    # so `similarity` says how close what a copy printed is to the canonical copy. Archives
    # from before: the match state is dropped and every page queued, so the next build signs
    # and groups every copy again.
    """
    ALTER TABLE signatures ADD COLUMN printed TEXT;   -- printed_hash of the printed form
    ALTER TABLE signatures ADD COLUMN words BLOB;     -- sorted unique uint64 printed words
    DELETE FROM bands;
    DELETE FROM fingerprints;
    DELETE FROM signatures;
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """,
    # Segmentation finds tables of figures (`wirecopy.stages.tables`), syndicated headlines
    # and stories a site printed twice: the next build segments every page again.
    """
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """,
    # A build segments a page again only when a count crossing changes the answer to a
    # question its segmentation asked (``line_keys.asked``: bits, one per site mark and one
    # for the key's corpus threshold, `wirecopy.stages.evidence.MARK_BITS`; 15, every
    # question, for pages segmented before). When only the site marks a block's evidence
    # shows change, they are brought up to date from the keys of the block's line
    # (``blocks.line_key`` and ``head_key``; a page with NULL there is segmented again).
    """
    ALTER TABLE line_keys ADD COLUMN asked INTEGER NOT NULL DEFAULT 15;
    ALTER TABLE blocks ADD COLUMN line_key INTEGER;
    ALTER TABLE blocks ADD COLUMN head_key INTEGER;
    """,
    # Segmentation reads long paragraphs, lists, in-body insertions, other languages' quotes
    # and scripts without case or spaces, joins lines that markup broke mid-sentence (so a
    # page's lines, and what the counts count, change), and gives the page's metadata to the
    # copy the page is about. The counts are dropped: the next build counts every page again
    # (as for an archive built before segmentation) and segments it again.
    _COUNT_AND_SEGMENT_AGAIN,
    # Segmentation steps over lists with no colon before them, passages and credits printed
    # again between paragraphs, quotations and in-body links; the page's title printed as a
    # line heads that run rather than the first; ``>`` is a separator (breadcrumbs, menus).
    # As for migration 9, the counts are dropped and every page counted and segmented again
    # by the next build, not only queued as by migration 7: the counts count lines as
    # `wirecopy.stages.lines.split_lines` joins them, and since migration 9 a heading is no
    # longer joined to the line after it: counts kept from then would count lines (heading
    # and paragraph glued) that this version never sees.
    _COUNT_AND_SEGMENT_AGAIN,
    # A story's representative is its most printed article: an article whose copies change
    # is placed again (`wirecopy.archive.articles.group_articles`), which looks at its story
    # again. Before, a build that only added a copy of an article kept the story's old
    # title, and a build in parts could differ from one at once: the next build looks at
    # every story once.
    """
    INSERT OR IGNORE INTO stories_pending (story_id)
        SELECT DISTINCT story_id FROM articles WHERE story_id IS NOT NULL;
    """,
    # Segmentation keeps more of real articles: lists a sentence or a colon announces, fact
    # boxes, text tables and blocks of code between paragraphs, numbered section headings,
    # a sentence closed by a pictograph. A bullet alone on its line is joined to its item's
    # text, so lines split differently again: counted and segmented again, as for 9 and 10.
    _COUNT_AND_SEGMENT_AGAIN,
    # Copies are hashed as `wirecopy dedup` hashes texts: each character of a script written
    # without spaces is a word (in shingles and printed words), zero-width spaces and word
    # joiners are dropped. Only the match state of copies holding such characters changes:
    # it is dropped and their pages segmented again, so the next build signs those copies
    # and groups them again.
    f"""
    CREATE TEMP TABLE resign AS
        SELECT DISTINCT page_id FROM copies WHERE text GLOB '{_RESIGNED}';
    DELETE FROM bands WHERE page_id IN (SELECT page_id FROM temp.resign);
    DELETE FROM signatures WHERE page_id IN (SELECT page_id FROM temp.resign);
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT page_id FROM temp.resign;
    DROP TABLE temp.resign;
    """,
    # Date lines and datelines in German, French, Spanish, Italian, Portuguese and Dutch
    # (month and weekday names are language data, `wirecopy/data/segment.json`), after a
    # place in ordinary case (``Berlin, 17. Mai 2024``, ``Hamburg, 17. Mai 2024 (NPA) -``),
    # and in small letters under a headline (``le 3 mars 2024``, no longer joined to it): the
    # next build segments every page again, so blocks and dates are what a fresh build gives.
    # A copy is `full` by its share of the canonical text's words too: the match state is
    # dropped, so that build also signs and groups every copy again (a page segmented into
    # the same copies keeps them and their state otherwise).
    """
    DELETE FROM bands;
    DELETE FROM fingerprints;
    DELETE FROM signatures;
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """,
    # Date lines as Chinese, Japanese and Korean print them (``2024年5月17日``): the pages
    # whose text may hold one are segmented again by the next build (a few more than hold one
    # is no harm: a page segmented again into the same copies keeps them).
    f"""
    INSERT OR IGNORE INTO segment_queue (page_id)
        SELECT id FROM pages WHERE status = 'ok' AND text GLOB '{_CJK_DATED}';
    """,
    # A line opening with a word in mixed case (``iOS 13's third beta ...``) is no longer
    # joined to the line before as a sentence that markup broke: under a headline it is the
    # lede. Lines split differently: counted and segmented again, as for 9 and 10.
    _COUNT_AND_SEGMENT_AGAIN,
    # A copyright notice (``© 2013 Cable News Network ...``) is no running text, however
    # long: the pages that may print one are segmented again.
    """
    INSERT OR IGNORE INTO segment_queue (page_id)
        SELECT id FROM pages WHERE status = 'ok'
            AND (text LIKE '%©%' OR text LIKE '%(c)%' OR text LIKE '%copyright%');
    """,
    # A credit printed under each picture (``AP``) is stepped over between paragraphs and its
    # caption titles nothing; nor does a line ending with a comma or a semicolon, or a link
    # with its label glued on (``More:Headline``); the copy a page is about takes the earlier
    # of its date line and the page's metadata date: the next build segments every page
    # again (lines split as before, so the counts stand).
    """
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """,
    # The same again for archives built at schema 18 before its date rule and its narrower
    # credit rule (an archive older than 18 has every page queued already: no second pass).
    """
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """,
    # And for those built at 19 before a page's metadata date had to be written in its
    # markup to beat a date line (`wirecopy.records.DATE_IN_MARKUP`).
    """
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """,
    # Date stamps are date lines (``Updated May 1, 2019 6:33 AM CDT``: label words are
    # language data), a byline and date line between a standfirst and its body no longer
    # part the article, and a call to action (``Sign up to our daily newsletter``) titles
    # nothing and stays out of the article: the next build segments every page again.
    """
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """,
    # A standfirst's head may hold up to four lines (captions, counters such as ``2 min
    # read``), labelled as a head's lines, and a caption may close with a credit in square
    # brackets (``[AFP]``): every page again.
    """
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """,
    # An advertisement's slot (``Advertisement``, ``Anzeige``: language data) is no source
    # name and ends no article, however often the page prints it: every page again.
    """
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """,
    # Narrower forms of 21-23: a stamp's small words need its label (``On March 7`` is a
    # heading), a call to action names what it offers (a newsletter), a head's caption and a
    # bracketed credit describe a scene (eight words or more), the next article's dateline
    # is no body under a standfirst, and a dated paragraph is an article only when it holds
    # two thirds of the page's running text: every page again.
    """
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """,
    # A link box's label (``READ MORE``, ``Lesen Sie auch``) is a slot's label as an
    # advertisement's is: no source name, stepped over in a body. Every page again.
    """
    INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
