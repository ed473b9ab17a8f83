"""The archive's schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied. A migration is never
edited once released: a change to the schema is a new entry at the end.

The tables follow the data flow: pages → blocks → copies → articles → stories, with
entities attached to articles. Tables that later stages fill (signatures, bands,
stories, entities) exist from the start so the archive's shape is stable.
"""

from __future__ import annotations

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
]

SCHEMA_VERSION = len(MIGRATIONS)
