"""The schema: append-only migrations, applied one per transaction.

The schema version is SQLite's ``PRAGMA user_version``; migration N brings it from N to N+1.
"""

from __future__ import annotations

import sqlite3

from storyline.errors import StoreError

#: Keys computed again by the current ``storyline_name_key`` (registered by open_store), and
#: entities that now share a label and key become the first of them, the others' names kept
#: as its aliases. Run whenever the name key changes (migrations 10, 14 and 17).
_REKEY_ENTITIES = """
    UPDATE entities SET key = storyline_name_key(canonical);
    UPDATE entity_aliases SET key = storyline_name_key(alias);
    CREATE TEMP TABLE entity_merges AS
        SELECT e.id AS old_id,
            (SELECT MIN(f.id) FROM entities f WHERE f.label = e.label AND f.key = e.key) AS new_id
        FROM entities e;
    DELETE FROM entity_merges WHERE old_id = new_id;
    UPDATE mentions SET entity_id = (SELECT new_id FROM entity_merges WHERE old_id = entity_id)
        WHERE entity_id IN (SELECT old_id FROM entity_merges);
    UPDATE quotes SET entity_id = (SELECT new_id FROM entity_merges WHERE old_id = entity_id)
        WHERE entity_id IN (SELECT old_id FROM entity_merges);
    INSERT OR IGNORE INTO entity_aliases (entity_id, alias, key)
        SELECT m.new_id, a.alias, a.key FROM entity_aliases a
        JOIN entity_merges m ON m.old_id = a.entity_id;
    INSERT OR IGNORE INTO entity_aliases (entity_id, alias, key)
        SELECT m.new_id, e.canonical, e.key FROM entities e JOIN entity_merges m ON m.old_id = e.id;
    DELETE FROM entity_aliases WHERE entity_id IN (SELECT old_id FROM entity_merges);
    DELETE FROM entities WHERE id IN (SELECT old_id FROM entity_merges);
    DROP TABLE entity_merges;
    """

#: Append-only: migration N brings the schema from version N to N+1. Never edit a shipped one.
MIGRATIONS: tuple[str, ...] = (
    # 1: articles, full-text index, near-duplicate links, analyses, entities, problems.
    """
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        url TEXT,
        outlet TEXT,
        title TEXT,
        author TEXT,
        published TEXT,
        published_source TEXT NOT NULL DEFAULT 'none',
        language TEXT,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        origin TEXT NOT NULL,
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX articles_url ON articles(url);
    CREATE INDEX articles_content_hash ON articles(content_hash);
    CREATE INDEX articles_published ON articles(published);

    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='rowid', tokenize='porter unicode61'
    );
    CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
    END;
    CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.rowid, old.title, old.text);
    END;

    CREATE TABLE minhashes (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        signature BLOB NOT NULL
    );

    CREATE TABLE duplicates (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        canonical_id TEXT NOT NULL REFERENCES articles(id),
        similarity REAL NOT NULL,
        method TEXT NOT NULL
    );
    CREATE INDEX duplicates_canonical ON duplicates(canonical_id);

    CREATE TABLE analyses (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        stages TEXT NOT NULL,
        data TEXT NOT NULL,
        analyzed_at TEXT NOT NULL
    );

    CREATE TABLE entities (
        id INTEGER PRIMARY KEY,
        canonical TEXT NOT NULL,
        label TEXT NOT NULL,
        UNIQUE (canonical, label)
    );
    CREATE TABLE mentions (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        text TEXT NOT NULL,
        label TEXT NOT NULL,
        entity_id INTEGER NOT NULL REFERENCES entities(id),
        PRIMARY KEY (article_id, start, end)
    );
    CREATE INDEX mentions_entity ON mentions(entity_id);

    CREATE TABLE problems (
        id INTEGER PRIMARY KEY,
        stage TEXT NOT NULL,
        origin TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
    );
    """,
    # 2: one entity across articles (a spelling-insensitive key, aliases) and quotes.
    """
    ALTER TABLE entities ADD COLUMN key TEXT NOT NULL DEFAULT '';
    UPDATE entities SET key = storyline_name_key(canonical);
    CREATE INDEX entities_key ON entities(label, key);
    CREATE TABLE entity_aliases (
        entity_id INTEGER NOT NULL REFERENCES entities(id),
        alias TEXT NOT NULL,
        key TEXT NOT NULL,
        PRIMARY KEY (entity_id, alias)
    );
    CREATE INDEX entity_aliases_key ON entity_aliases(key);
    CREATE TABLE quotes (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        kind TEXT NOT NULL,
        content TEXT NOT NULL,
        speaker_text TEXT,
        speaker_name TEXT,
        role TEXT,
        affiliation TEXT,
        entity_id INTEGER REFERENCES entities(id),
        spans TEXT NOT NULL,
        PRIMARY KEY (article_id, n)
    );
    CREATE INDEX quotes_entity ON quotes(entity_id);
    """,
    # 3: stories, their articles, and the ids of merged stories.
    """
    CREATE TABLE story_articles (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        story_id TEXT NOT NULL,
        similarity REAL NOT NULL,
        assigned_at TEXT NOT NULL
    );
    CREATE INDEX story_articles_story ON story_articles(story_id);
    CREATE TABLE story_redirects (
        old_id TEXT PRIMARY KEY,
        new_id TEXT NOT NULL
    );
    """,
    # 4: what each story says (headline, digest, timeline), made from `articles` articles.
    """
    CREATE TABLE story_tellings (
        story_id TEXT PRIMARY KEY,
        headline TEXT,
        digest TEXT NOT NULL,
        timeline TEXT NOT NULL,
        articles INTEGER NOT NULL,
        made_at TEXT NOT NULL
    );
    """,
    # 5: the story clusterer's state, so a run starts from it instead of replaying the store.
    """
    CREATE TABLE story_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        covered INTEGER NOT NULL,
        state BLOB NOT NULL,
        saved_at TEXT NOT NULL
    );
    """,
    # 6: stories that split off another (a story that turned out to be two).
    """
    CREATE TABLE story_splits (
        to_id TEXT PRIMARY KEY,
        from_id TEXT NOT NULL,
        articles INTEGER NOT NULL,
        split_at TEXT NOT NULL
    );
    CREATE INDEX story_splits_from ON story_splits(from_id);
    """,
    # 7: a problem is recorded once per stage, origin and reason: rerunning a batch does not
    # record its problems again.
    """
    DELETE FROM problems WHERE id NOT IN (
        SELECT MIN(id) FROM problems GROUP BY stage, origin, reason
    );
    CREATE UNIQUE INDEX problems_once ON problems(stage, origin, reason);
    """,
    # 8: subscribed feeds and what the last poll of each learned (storyline feeds, watch).
    """
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        title TEXT,
        added_at TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_poll TEXT,
        status TEXT,
        articles_added INTEGER NOT NULL DEFAULT 0,
        next_poll TEXT,
        failures INTEGER NOT NULL DEFAULT 0
    );
    """,
    # 9: page furniture as marked spans of the stored text, and each outlet's line counts that
    # teach it (storyline.ingest.furniture). Articles stored before this migration are marked
    # by the next analysis run (furniture_marked = 0).
    """
    CREATE TABLE outlet_lines (
        outlet TEXT NOT NULL,
        key INTEGER NOT NULL,
        articles INTEGER NOT NULL,
        PRIMARY KEY (outlet, key)
    ) WITHOUT ROWID;
    CREATE TABLE furniture (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        kind TEXT NOT NULL,
        PRIMARY KEY (article_id, start)
    ) WITHOUT ROWID;
    ALTER TABLE articles ADD COLUMN furniture_marked INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX articles_unmarked ON articles(furniture_marked) WHERE furniture_marked = 0;
    """,
    # 10: the name key folds more spellings (al-/el-, middle initials, possessives, a company's
    # legal form, q/k, gh/g, dh/d, ou/u): keys are computed again, and entities that now share
    # a label and key become the first of them, the others' names kept as its aliases.
    _REKEY_ENTITIES,
    # 11: the LSH band keys of every signature, so that ingestion finds a copy's candidates
    # by index instead of holding every signature of the store in memory (memory grew with
    # the store: about 9 KB an article). ``storyline_band_key`` is registered by open_store.
    """
    -- No foreign key, so no second index to keep: a band row whose article is gone finds
    -- no signature to join (copy_candidates joins minhashes) and is harmless.
    CREATE TABLE minhash_bands (
        key INTEGER NOT NULL,
        article_id TEXT NOT NULL,
        PRIMARY KEY (key, article_id)
    ) WITHOUT ROWID;
    WITH RECURSIVE bands(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM bands WHERE n < 24)
    INSERT OR IGNORE INTO minhash_bands (key, article_id)
        SELECT storyline_band_key(m.signature, bands.n), m.article_id FROM minhashes m, bands;
    """,
    # 12: each article's sentences as a story's telling reads them (start and end offsets,
    # little-endian uint32 pairs), so a growing story is not split again each time it is
    # told. Filled by analysis, and by telling for the articles analysis never sees (copies);
    # an older store's articles get theirs the first time their story is told again.
    """
    CREATE TABLE sentence_spans (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        spans BLOB NOT NULL
    ) WITHOUT ROWID;
    """,
    # 13: which articles print each line an outlet has not yet learned (their rowids, comma
    # separated), so that learning a line marks them again by key instead of a phrase search
    # over the whole store (that search grew with the store: 57 ms a learned line at 363k
    # articles). NULL (every row of an older store, or a list that grew past its bound) says
    # "not known": the phrase search is used then, as before.
    """
    ALTER TABLE outlet_lines ADD COLUMN printers TEXT;
    """,
    # 14: the name key keeps a regnal number after a name as written ("Abdullah II" is not
    # "Abdullah I", whose doubled letter the key folded): keys are computed again.
    _REKEY_ENTITIES,
    # 15: a name's kind by the store's evidence (issue 21): each mention keeps the kind its
    # article gave the name (NULL in older rows: its entity's label, the same thing before
    # this migration), ``name_kinds`` counts the articles giving each name each kind and says
    # which kind's entity its mentions are stored under; the names seen under several kinds
    # wait in ``kinds_pending`` for the next run to decide (Store.settle_kinds).
    """
    ALTER TABLE mentions ADD COLUMN kind TEXT;
    CREATE TABLE name_kinds (
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        articles INTEGER NOT NULL,
        stored_as TEXT NOT NULL,
        PRIMARY KEY (key, kind)
    ) WITHOUT ROWID;
    INSERT INTO name_kinds (key, kind, articles, stored_as)
        SELECT e.key, e.label, COUNT(DISTINCT m.article_id), e.label
        FROM mentions m JOIN entities e ON e.id = m.entity_id
        WHERE e.label IN ('FAC', 'GPE', 'LOC', 'ORG', 'PERSON')
        GROUP BY e.key, e.label;
    CREATE TABLE kinds_pending (key TEXT PRIMARY KEY) WITHOUT ROWID;
    INSERT INTO kinds_pending SELECT key FROM name_kinds GROUP BY key HAVING COUNT(*) > 1;
    """,
    # 16: a name first seen in capitals (a dateline's "PORT ALBA") is named as the articles
    # spell it in mixed case, when they do (store.analyses.named_in_mixed_case): the most
    # frequent such spelling of its mentions. Short acronyms of organisations stay.
    """
    UPDATE OR IGNORE entities SET canonical = COALESCE((
        SELECT m.text FROM mentions m
        WHERE m.entity_id = entities.id AND lower(m.text) = lower(entities.canonical)
            AND m.text <> upper(m.text)
        GROUP BY m.text ORDER BY COUNT(*) DESC, m.text LIMIT 1
    ), canonical)
    WHERE canonical = upper(canonical) AND canonical <> lower(canonical)
        AND NOT (label = 'ORG' AND instr(canonical, ' ') = 0 AND length(canonical) <= 5);
    """,
    # 17: the name key folds British and American spellings ("World Health Organisation" and
    # "Organization"): keys are computed again, entities that now share a label and key merge.
    _REKEY_ENTITIES,
    # 18: the band index and the outlets' line counts in levels (storyline.store.articles.
    # LEVEL_ROWS): one B-tree of random keys costs a page written per key once it outgrows
    # what a commit's keys share (47 pages an article at 400,000 articles,
    # bench/store_scale.py); new keys now go to a small level and reach the larger ones in
    # sorted merges. Band rows hold the article's rowid (articles are never deleted, so a
    # rowid names one article for good), a third of the size of an id. The old tables
    # become the top levels.
    """
    CREATE TABLE index_levels (
        name TEXT NOT NULL,
        level INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        PRIMARY KEY (name, level)
    ) WITHOUT ROWID;
    CREATE TABLE bands_0 (key INTEGER NOT NULL, article INTEGER NOT NULL,
        PRIMARY KEY (key, article)) WITHOUT ROWID;
    CREATE TABLE bands_1 (key INTEGER NOT NULL, article INTEGER NOT NULL,
        PRIMARY KEY (key, article)) WITHOUT ROWID;
    CREATE TABLE bands_2 (key INTEGER NOT NULL, article INTEGER NOT NULL,
        PRIMARY KEY (key, article)) WITHOUT ROWID;
    CREATE TABLE bands_3 (key INTEGER NOT NULL, article INTEGER NOT NULL,
        PRIMARY KEY (key, article)) WITHOUT ROWID;
    -- The old index's rows in their order, each article's rowid looked up by its id (a join
    -- could be planned the other way round, every article scanning the whole index).
    INSERT INTO bands_3 (key, article)
        SELECT key, article FROM (
            SELECT b.key, (SELECT a.rowid FROM articles a WHERE a.id = b.article_id) AS article
            FROM minhash_bands b
        ) WHERE article IS NOT NULL ORDER BY key, article;
    DROP TABLE minhash_bands;
    CREATE TABLE lines_0 (outlet TEXT NOT NULL, key INTEGER NOT NULL,
        articles INTEGER NOT NULL, printers TEXT, PRIMARY KEY (outlet, key)) WITHOUT ROWID;
    CREATE TABLE lines_1 (outlet TEXT NOT NULL, key INTEGER NOT NULL,
        articles INTEGER NOT NULL, printers TEXT, PRIMARY KEY (outlet, key)) WITHOUT ROWID;
    CREATE TABLE lines_2 (outlet TEXT NOT NULL, key INTEGER NOT NULL,
        articles INTEGER NOT NULL, printers TEXT, PRIMARY KEY (outlet, key)) WITHOUT ROWID;
    ALTER TABLE outlet_lines RENAME TO lines_3;
    INSERT INTO index_levels (name, level, rows) VALUES
        ('bands', 0, 0), ('bands', 1, 0), ('bands', 2, 0),
        ('bands', 3, (SELECT COUNT(*) FROM bands_3)),
        ('lines', 0, 0), ('lines', 1, 0), ('lines', 2, 0),
        ('lines', 3, (SELECT COUNT(*) FROM lines_3));
    """,
    # 19: a quote keeps its cue's words ("said", "denied", "pleaded not guilty"), which the
    # pages show before reported speech: without them "any wrongdoing" or "to testify" says
    # nothing, and reported speech shown alone reads as the speaker's own words. Filled from
    # the article's text at the cue's offsets (stored text never changes: they stay valid).
    """
    ALTER TABLE quotes ADD COLUMN cue TEXT;
    UPDATE quotes SET cue = (
        SELECT substr(a.text, json_extract(quotes.spans, '$.cue.start') + 1,
            json_extract(quotes.spans, '$.cue.end') - json_extract(quotes.spans, '$.cue.start'))
        FROM articles a WHERE a.id = quotes.article_id
    ) WHERE json_extract(spans, '$.cue.start') IS NOT NULL;
    -- Kept without the spaces and punctuation around them (a cue "says:" is kept "says": the
    -- pages add the one colon), as storyline.analysis.rows.cue_words keeps them; a cue of
    -- punctuation alone (a headline's "NAME: words") has no words to show.
    UPDATE quotes SET cue = rtrim(ltrim(cue, ' ' || char(9) || char(10)),
        ' ' || char(9) || char(10) || ':,;-' || char(8211) || char(8212)) WHERE cue IS NOT NULL;
    UPDATE quotes SET cue = NULL WHERE cue NOT GLOB '*[A-Za-z]*';
    """,
)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date, one migration per transaction. Returns the new version.

    The version is read again inside each migration's write transaction: two processes
    opening a new store at once (two ``ingest`` runs) would otherwise both read version 0 and
    the second would fail creating tables the first had just made. A store that is up to date
    takes no write lock at all (every web request opens the store, and must not wait for an
    ingest's transaction).
    """
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version == len(MIGRATIONS):
        return version
    while True:
        # executescript() commits first, so run the statements one by one inside our own
        # transaction: a migration applies completely, with its version bump, or not at all.
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"database schema version {version} is newer than this Storyline"
                    f" ({len(MIGRATIONS)}); upgrade Storyline"
                )
            if version == len(MIGRATIONS):
                conn.execute("COMMIT")
                return version
            for statement in _split_sql(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (trigger bodies hold ``;`` so use sqlite3's parser)."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
