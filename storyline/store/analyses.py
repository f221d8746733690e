"""Analyses, entities across the store, quotes and speakers."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from storyline.analysis.gazetteer import (
    ACTOR_LABELS,
    GENERATIONS,
    absorbed_by,
    is_company_name,
    match_entity,
    name_key,
    store_kinds,
)
from storyline.analysis.rows import analysis_rows
from storyline.records import ANALYZED_LANGUAGES, Analysis, Article
from storyline.store.articles import ArticleQueries
from storyline.store.base import IN_CHUNK, now_iso

#: Mentions counted at most for each holder of an alias (``entity_by_alias``).
ALIAS_COUNT_BOUND = 1000


class AnalysisQueries(ArticleQueries):
    # -- analysis ----------------------------------------------------------------------------

    def pending_analysis(self) -> Iterator[Article]:
        """The articles of :meth:`pending_analysis_ids`, read as they are reached."""
        return self.stream_articles(self.pending_analysis_ids())

    def pending_analysis_ids(self) -> list[str]:
        """Canonical articles in an analysed language (:func:`~storyline.records.is_analyzed`)
        without a stored analysis, in ingestion order.

        Copies are not analysed: they share their canonical article's analysis.
        """
        languages = ", ".join(f"'{language}'" for language in sorted(ANALYZED_LANGUAGES))
        rows = self.conn.execute(
            "SELECT a.id FROM articles a"
            " LEFT JOIN analyses x ON x.article_id = a.id"
            " LEFT JOIN duplicates d ON d.article_id = a.id"
            " WHERE x.article_id IS NULL AND d.article_id IS NULL"
            f" AND (a.language IS NULL OR a.language IN ({languages}))"
            " ORDER BY a.rowid"
        ).fetchall()
        return [str(row[0]) for row in rows]

    def save_analysis(self, analysis: Analysis) -> None:
        """Store (or replace) one article's analysis, its entity mentions and its quotes
        atomically (the rows of :func:`storyline.analysis.rows.analysis_rows`)."""
        article = self.get_article(analysis.article_id)
        rows = analysis_rows(analysis, article.text if article is not None else "")
        with self.transaction() as conn:
            before = self._drop_mentions(analysis.article_id)
            conn.execute(
                "INSERT OR REPLACE INTO analyses (article_id, stages, data, analyzed_at)"
                " VALUES (?, ?, ?, ?)",
                (analysis.article_id, ",".join(analysis.stages), rows.analysis, now_iso()),
            )
            # One lookup per name and kind of the article, not per mention.
            entities: dict[tuple[str, str], tuple[int, str]] = {}
            for mention in rows.mentions:
                name, kind = mention["canonical"], mention["entity_label"]
                if (name, kind) not in entities:
                    entity_id = self._entity_id(name, kind)
                    key = conn.execute("SELECT key FROM entities WHERE id = ?", (entity_id,))
                    entities[name, kind] = (entity_id, str(key.fetchone()[0]))
                entity_id = entities[name, kind][0]
                self._add_alias(entity_id, mention["text"])
                conn.execute(
                    "INSERT OR IGNORE INTO mentions"
                    " (article_id, start, end, text, label, entity_id, kind)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        analysis.article_id,
                        mention["start"],
                        mention["end"],
                        mention["text"],
                        mention["label"],
                        entity_id,
                        kind,
                    ),
                )
            given = {(key, kind) for (_, kind), (_, key) in entities.items()}
            self._count_kinds(before, {pair for pair in given if pair[1] in ACTOR_LABELS})
            conn.execute("DELETE FROM quotes WHERE article_id = ?", (analysis.article_id,))
            for quote in rows.quotes:
                self._save_quote(analysis.article_id, quote)
            if analysis.telling_sentences:
                self.save_sentences(
                    analysis.article_id, [(s.start, s.end) for s in analysis.telling_sentences]
                )

    def forget_analysis(self, article_id: str) -> None:
        self._count_kinds(self._drop_mentions(article_id), set())
        super().forget_analysis(article_id)

    # -- a name's kind by the store's evidence (gazetteer.store_kinds) -------------------------

    def _drop_mentions(self, article_id: str) -> set[tuple[str, str]]:
        """Delete an article's mentions; returns the (name key, kind) pairs they gave."""
        given = self.conn.execute(
            "SELECT DISTINCT e.key, COALESCE(m.kind, e.label) FROM mentions m"
            " JOIN entities e ON e.id = m.entity_id WHERE m.article_id = ?",
            (article_id,),
        ).fetchall()
        self.conn.execute("DELETE FROM mentions WHERE article_id = ?", (article_id,))
        return {(str(key), str(kind)) for key, kind in given if kind in ACTOR_LABELS}

    def _count_kinds(self, before: set[tuple[str, str]], after: set[tuple[str, str]]) -> None:
        """One article's evidence replaced: ``before`` taken back, ``after`` counted, and the
        names whose evidence changed stored under the kinds it now gives them."""
        for key, kind in before - after:
            self.conn.execute(
                "UPDATE name_kinds SET articles = articles - 1 WHERE key = ? AND kind = ?",
                (key, kind),
            )
        for key, kind in after - before:
            self.conn.execute(
                "INSERT INTO name_kinds (key, kind, articles, stored_as) VALUES (?, ?, 1, ?)"
                " ON CONFLICT (key, kind) DO UPDATE SET articles = articles + 1",
                (key, kind, kind),
            )
        for key in sorted({key for key, _ in before ^ after}):
            self._settle_kinds(key)

    def settle_kinds(self) -> int:
        """Store under their kinds the names a migration left to decide (``kinds_pending``);
        returns how many names were decided."""
        keys = [str(row[0]) for row in self.conn.execute("SELECT key FROM kinds_pending")]
        if not keys:
            return 0  # every run asks: no write lock when there is nothing to do
        with self.transaction():
            for key in keys:
                self._settle_kinds(key)
            self.conn.execute("DELETE FROM kinds_pending")
        return len(keys)

    def _stored_kind(self, key: str, kind: str) -> str:
        row = self.conn.execute(
            "SELECT stored_as FROM name_kinds WHERE key = ? AND kind = ?", (key, kind)
        ).fetchone()
        return kind if row is None else str(row[0])

    def _settle_kinds(self, key: str) -> None:
        """Move the mentions of each kind of one name to the entity of the kind the store's
        evidence gives them (:func:`store_kinds`), back again when the evidence turns. An
        entity left without mentions hands its aliases, and its quotes if the kind it went to
        can speak, to that entity, and is deleted once nothing refers to it."""
        rows: list[tuple[str, int, str]] = self.conn.execute(
            "SELECT kind, articles, stored_as FROM name_kinds WHERE key = ?", (key,)
        ).fetchall()
        if len(rows) == 1 and rows[0][0] == rows[0][2]:
            return  # one kind, stored as itself: nothing to decide
        actors = ", ".join(f"'{label}'" for label in sorted(ACTOR_LABELS))
        of_key = f"SELECT id FROM entities WHERE key = ? AND label IN ({actors})"
        names = self.conn.execute(
            f"SELECT alias FROM entity_aliases WHERE entity_id IN ({of_key})"
            f" UNION SELECT canonical FROM entities WHERE id IN ({of_key})",
            (key, key),
        )
        company = any(is_company_name(str(name)) for (name,) in names)
        kinds = store_kinds({kind: n for kind, n, _ in rows if n > 0}, company=company)
        changed = [
            (kind, target)
            for kind, _, stored in rows
            if (target := kinds.get(kind, kind)) != stored
        ]
        if not changed:
            return
        for kind, target in changed:
            target_id = self._kind_entity(key, target, kind)
            self.conn.execute(
                "UPDATE mentions SET entity_id = ?,"
                " kind = COALESCE(kind, (SELECT label FROM entities WHERE id = entity_id))"
                f" WHERE entity_id IN ({of_key}) AND entity_id != ?"
                " AND COALESCE(kind, (SELECT label FROM entities WHERE id = entity_id)) = ?",
                (target_id, key, target_id, kind),
            )
            self.conn.execute(
                "UPDATE name_kinds SET stored_as = ? WHERE key = ? AND kind = ?",
                (target, key, kind),
            )
        self.conn.execute("DELETE FROM name_kinds WHERE key = ? AND articles <= 0", (key,))
        empty = self.conn.execute(
            f"SELECT id, label, canonical FROM entities WHERE id IN ({of_key})"
            " AND NOT EXISTS (SELECT 1 FROM mentions WHERE entity_id = entities.id)",
            (key,),
        ).fetchall()
        for entity_id, label, canonical in empty:
            target = kinds.get(str(label), str(label))
            if target == label:
                continue
            target_id = self._kind_entity(key, target, str(label))
            self._add_alias(target_id, str(canonical))
            self.conn.execute(
                "INSERT OR IGNORE INTO entity_aliases (entity_id, alias, key)"
                " SELECT ?, alias, key FROM entity_aliases WHERE entity_id = ?",
                (target_id, entity_id),
            )
            if target in _SPEAKER_LABELS.values():
                self.conn.execute(
                    "UPDATE quotes SET entity_id = ? WHERE entity_id = ?", (target_id, entity_id)
                )
            quoted = "SELECT 1 FROM quotes WHERE entity_id = ?"
            if self.conn.execute(quoted, (entity_id,)).fetchone():
                continue  # a place's entity keeps a person's quotes: places are no speakers
            self.conn.execute("DELETE FROM entity_aliases WHERE entity_id = ?", (entity_id,))
            self.conn.execute("DELETE FROM entities WHERE id = ?", (entity_id,))

    def _kind_entity(self, key: str, label: str, named_as: str) -> int:
        """The entity of ``label`` under ``key``; a new one named as the ``named_as`` entity of
        that key is, if there is none."""
        found = self.entity_by_key(label, key)
        if found is not None:
            return found[0]
        named = (
            self.entity_by_key(named_as, key)
            or self.conn.execute(
                "SELECT id, canonical FROM entities WHERE key = ? ORDER BY id LIMIT 1", (key,)
            ).fetchone()
        )
        canonical = str(named[1]) if named is not None else key
        cursor = self.conn.execute(
            "INSERT INTO entities (canonical, label, key) VALUES (?, ?, ?)", (canonical, label, key)
        )
        return int(cursor.lastrowid or 0)

    def _entity_id(self, name: str, label: str) -> int:
        """The stored entity a name means (the rule is :func:`match_entity`'s); else a new one.
        The name goes under the kind the store's evidence gives it (:meth:`_settle_kinds`)."""
        if label in ACTOR_LABELS:
            label = self._stored_kind(name_key(name), label)
        found = match_entity(self, name, label)
        if found is not None:
            if name != found[1]:
                self._add_alias(found[0], name)
                if named_in_mixed_case(found[1], name, label):
                    self.conn.execute(
                        "UPDATE OR IGNORE entities SET canonical = ? WHERE id = ?",
                        (name, found[0]),
                    )
            return found[0]
        key = name_key(name)
        if label == "PERSON":
            for word in absorbed_by(key):
                taken = self._take_over(name, key, word)
                if taken is not None:
                    return taken
        cursor = self.conn.execute(
            "INSERT INTO entities (canonical, label, key) VALUES (?, ?, ?)", (name, label, key)
        )
        return int(cursor.lastrowid or 0)

    def _take_over(self, name: str, key: str, word: str) -> int | None:
        """The person stored under ``word`` alone, renamed ``name``, when no other person has
        that word as surname or first name (:func:`absorbed_by`); else None."""
        row = self.conn.execute(
            "SELECT id, canonical FROM entities WHERE label = 'PERSON' AND key = ?", (word,)
        ).fetchone()
        if row is None or self.people_with_surname(word, 1):
            return None
        if self.people_with_first_name(word, 1):
            return None
        entity_id = int(row[0])
        self.conn.execute(
            "UPDATE entities SET canonical = ?, key = ? WHERE id = ?", (name, key, entity_id)
        )
        # The articles that named the person by that word now count for the full name.
        self.conn.execute(
            "INSERT INTO name_kinds (key, kind, articles, stored_as)"
            " SELECT ?, kind, articles, kind FROM name_kinds WHERE key = ? AND kind = 'PERSON'"
            " ON CONFLICT (key, kind) DO UPDATE SET articles = articles + excluded.articles",
            (key, word),
        )
        self.conn.execute("DELETE FROM name_kinds WHERE key = ? AND kind = 'PERSON'", (word,))
        self._add_alias(entity_id, str(row[1]))
        return entity_id

    # -- the entity index match_entity reads --------------------------------------------------

    def entity_by_key(self, label: str, key: str) -> tuple[int, str] | None:
        row = self.conn.execute(
            "SELECT id, canonical FROM entities WHERE label = ? AND key = ? ORDER BY id LIMIT 1",
            (label, key),
        ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def entity_by_alias(self, label: str, key: str) -> tuple[int, str] | None:
        """The entity of ``label`` known by an alias of this key; of several, the most mentioned.

        An alias of one word is what articles called the person they named in full ("Obama"
        for Barack Obama, and in one article for Michelle Obama; "Jackson" for the singer in
        hundreds, for an official in a few). Another article's "Jackson" that names nobody
        of that name in full goes to the holder the store names most: the earliest stored,
        as before, gave every such "Jackson" to whoever the store met first. The count reads
        the mentions index for the few holders of one alias, and stops at
        ``ALIAS_COUNT_BOUND`` (the most named person of a big store has hundreds of thousands
        of mentions; past the bound, the earliest stored wins).
        """
        row = self.conn.execute(
            "SELECT DISTINCT e.id, e.canonical, (SELECT COUNT(*) FROM (SELECT 1 FROM mentions m"
            f" WHERE m.entity_id = e.id LIMIT {ALIAS_COUNT_BOUND})) AS named"
            " FROM entity_aliases a JOIN entities e ON e.id = a.entity_id"
            " WHERE a.key = ? AND e.label = ? ORDER BY named DESC, e.id LIMIT 1",
            (key, label),
        ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def people_with_surname(self, key: str, limit: int) -> list[tuple[int, str]]:
        # The surname last, or before a generational suffix ("henri paulson jr").
        suffixed = " OR ".join("key LIKE ?" for _ in GENERATIONS)
        rows = self.conn.execute(
            "SELECT id, canonical FROM entities WHERE label = 'PERSON'"
            f" AND (key LIKE ? OR {suffixed}) LIMIT ?",
            ("% " + key, *(f"% {key} {suffix}" for suffix in sorted(GENERATIONS)), limit),
        ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def people_with_first_name(self, key: str, limit: int) -> list[tuple[int, str]]:
        rows = self.conn.execute(
            "SELECT id, canonical FROM entities WHERE label = 'PERSON' AND key LIKE ? LIMIT ?",
            (key + " %", limit),
        ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def _add_alias(self, entity_id: int, alias: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO entity_aliases (entity_id, alias, key) VALUES (?, ?, ?)",
            (entity_id, alias, name_key(alias)),
        )

    def _save_quote(self, article_id: str, quote: dict[str, Any]) -> None:
        entity_id = None
        if quote["speaker_name"] and quote["speaker_kind"] in _SPEAKER_LABELS:
            entity_id = self._entity_id(
                quote["speaker_name"], _SPEAKER_LABELS[quote["speaker_kind"]]
            )
        self.conn.execute(
            "INSERT INTO quotes (article_id, n, kind, content, speaker_text, speaker_name, role,"
            " affiliation, entity_id, spans, cue) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article_id,
                quote["n"],
                quote["kind"],
                quote["content"],
                quote["speaker_text"],
                quote["speaker_name"],
                quote["role"],
                quote["affiliation"],
                entity_id,
                quote["spans"],
                quote["cue"],
            ),
        )

    def speakers(self, *, limit: int = 20) -> list[dict[str, Any]]:
        """Who is quoted most: name, kind, number of quotes and articles, roles seen."""
        rows = self.conn.execute(
            "SELECT e.id, e.canonical, e.label, COUNT(*), COUNT(DISTINCT q.article_id),"
            " GROUP_CONCAT(DISTINCT q.role), GROUP_CONCAT(DISTINCT q.affiliation)"
            " FROM quotes q JOIN entities e ON e.id = q.entity_id"
            " GROUP BY e.id ORDER BY COUNT(*) DESC, e.canonical LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            {
                "entity_id": r[0],
                "name": r[1],
                "label": r[2],
                "quotes": r[3],
                "articles": r[4],
                "roles": sorted(set((r[5] or "").split(",")) - {""}),
                "affiliations": sorted(set((r[6] or "").split(",")) - {""}),
            }
            for r in rows
        ]

    def find_entities(self, name: str) -> list[tuple[int, str, str]]:
        """(id, canonical, label) of the entities a user's name means: the same key as the
        canonical name or an alias, else a surname ("Lavrov")."""
        key = name_key(name)
        rows = self.conn.execute(
            "SELECT id, canonical, label FROM entities WHERE key = ?"
            " UNION SELECT e.id, e.canonical, e.label FROM entity_aliases a"
            " JOIN entities e ON e.id = a.entity_id WHERE a.key = ?",
            (key, key),
        ).fetchall()
        if not rows:
            rows = self.conn.execute(
                "SELECT id, canonical, label FROM entities WHERE key LIKE ? AND label = 'PERSON'",
                ("% " + key.replace("%", ""),),
            ).fetchall()
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def quotes_by(
        self,
        entity_ids: list[int],
        *,
        limit: int = 50,
        offset: int = 0,
        min_confidence: float = 0.0,
    ) -> list[dict[str, Any]]:
        """Quotes of these entities across the store, newest article first; ``min_confidence``
        keeps those the quote model is at least that sure of (layout-found quotes always pass)."""
        if not entity_ids:
            return []
        marks = ", ".join("?" for _ in entity_ids)
        rows = self.conn.execute(
            f"SELECT {_QUOTE_FIELDS}, a.id, a.title, a.outlet, a.published FROM quotes q"
            f" JOIN articles a ON a.id = q.article_id WHERE q.entity_id IN ({marks})"
            f" AND {_CONFIDENT}"
            " ORDER BY a.published IS NULL, a.published DESC, a.rowid DESC, q.n LIMIT ? OFFSET ?",
            (*entity_ids, min_confidence, limit, offset),
        ).fetchall()
        keys = (*_QUOTE_KEYS, "article_id", "title", "outlet", "published")
        return [_with_dates(dict(zip(keys, row, strict=True))) for row in rows]

    def article_quotes(
        self, article_id: str, *, min_confidence: float = 0.0
    ) -> list[dict[str, Any]]:
        """An article's quotes in order; ``entity`` is the stored person or organisation the
        speaker is (None when the speaker is no entity of the store), the name its page is
        found by."""
        rows = self.conn.execute(
            f"SELECT {_QUOTE_FIELDS}, e.canonical FROM quotes q"
            " LEFT JOIN entities e ON e.id = q.entity_id WHERE q.article_id = ?"
            f" AND {_CONFIDENT} ORDER BY q.n",
            (article_id, min_confidence),
        ).fetchall()
        return [_speaker_quote(row) for row in rows]

    def story_quotes(
        self, story_id: str, *, min_confidence: float = 0.0, brief: bool = False
    ) -> dict[str, list[dict[str, Any]]]:
        """:meth:`article_quotes` of every article of a story, by article id, in one
        statement: a story page of 400 articles made 400 lookups. ``brief``: only what groups
        them by speaker and finds repeats (``n``, content, speaker, role, affiliation, entity):
        a page showing a few quotes of each speaker reads those with :meth:`quotes_at`."""
        fields = _QUOTE_FIELDS if not brief else _BRIEF_FIELDS
        rows = self.conn.execute(
            f"SELECT q.article_id, {fields}, e.canonical FROM story_articles s"
            " JOIN quotes q ON q.article_id = s.article_id"
            " LEFT JOIN entities e ON e.id = q.entity_id WHERE s.story_id = ?"
            f" AND {_CONFIDENT} ORDER BY q.article_id, q.n",
            (story_id, min_confidence),
        ).fetchall()
        quotes: dict[str, list[dict[str, Any]]] = {}
        for article_id, *row in rows:
            quote = dict(zip(_BRIEF_KEYS, row, strict=True)) if brief else _speaker_quote(row)
            quotes.setdefault(article_id, []).append(quote)
        return quotes

    def quotes_at(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], dict[str, Any]]:
        """The quotes at these (article id, n), as :meth:`article_quotes` gives them."""
        found: dict[tuple[str, int], dict[str, Any]] = {}
        for start in range(0, len(keys), IN_CHUNK // 2):  # two bound values a key
            chunk = keys[start : start + IN_CHUNK // 2]
            pairs = ", ".join("(?, ?)" for _ in chunk)
            # Joined from the keys (each one a primary-key lookup); "(a, n) IN (VALUES ...)"
            # made SQLite read the quotes table instead.
            rows = self.conn.execute(
                f"WITH wanted (article_id, n) AS (VALUES {pairs})"
                f" SELECT q.article_id, q.n, {_QUOTE_FIELDS}, e.canonical FROM wanted w"
                " CROSS JOIN quotes q ON q.article_id = w.article_id AND q.n = w.n"
                " LEFT JOIN entities e ON e.id = q.entity_id",
                [value for key in chunk for value in key],
            ).fetchall()
            for article_id, n, *row in rows:
                found[article_id, n] = _speaker_quote(row)
        return found

    def named_with(self, entity_ids: list[int], *, limit: int = 10) -> list[tuple[str, str, int]]:
        """The people, organisations and places most often named in the same articles as these
        entities: (canonical name, label, articles)."""
        if not entity_ids:
            return []
        marks = ", ".join("?" for _ in entity_ids)
        rows = self.conn.execute(
            "SELECT e.canonical, e.label, COUNT(DISTINCT m.article_id) AS n FROM mentions m"
            " JOIN entities e ON e.id = m.entity_id"
            f" WHERE m.article_id IN (SELECT article_id FROM mentions WHERE entity_id IN ({marks}))"
            f" AND m.entity_id NOT IN ({marks}) AND e.label IN ('PERSON', 'ORG', 'GPE', 'LOC')"
            " GROUP BY e.id ORDER BY n DESC, COUNT(*) DESC, e.canonical LIMIT ?",
            (*entity_ids, *entity_ids, limit),
        ).fetchall()
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    def get_analysis(self, article_id: str) -> Analysis | None:
        row = self.conn.execute(
            "SELECT data FROM analyses WHERE article_id = ?", (article_id,)
        ).fetchone()
        return None if row is None else Analysis.from_dict(json.loads(row[0]))

    def top_entities(self, *, limit: int = 10) -> list[tuple[str, str, int]]:
        """(canonical name, label, number of articles naming it), most widely named first
        (then most often)."""
        rows = self.conn.execute(
            "SELECT e.canonical, e.label, COUNT(DISTINCT m.article_id) AS n"
            " FROM mentions m JOIN entities e ON e.id = m.entity_id"
            " WHERE e.label IN ('PERSON', 'ORG', 'GPE', 'LOC')"
            " GROUP BY e.id ORDER BY n DESC, COUNT(*) DESC, e.canonical LIMIT ?",
            (limit,),
        ).fetchall()
        return [(str(name), str(label), int(n)) for name, label, n in rows]


#: Which entity label a quote's speaker kind is stored under. A place that "said" something
#: ("Russia said ...") keeps its name on the quote but is no speaker of the store: a place
#: speaks through people and bodies, and a place among the top speakers reads as junk.
_SPEAKER_LABELS = {"person": "PERSON", "organisation": "ORG"}


#: The dates a stored quote refers to, from the quote's JSON (quotes stored before the times
#: stage dated them have none).
_QUOTE_DATES = "COALESCE(json_extract(q.spans, '$.dates'), '[]')"
#: What every quote listing shows, read from the columns and the quote's JSON (``spans``).
_QUOTE_FIELDS = (
    "q.content, q.kind, q.speaker_name, q.role, q.affiliation, q.speaker_text,"
    f" {_QUOTE_DATES}, json_extract(q.spans, '$.confidence'),"
    " COALESCE(json_extract(q.spans, '$.polarity'), 'said'), q.cue"
)
_QUOTE_KEYS = (
    "content",
    "kind",
    "speaker",
    "role",
    "affiliation",
    "mention",
    "dates",
    "confidence",
    "polarity",
    "cue",
)
#: What groups a story's quotes by speaker (:meth:`AnalysisQueries.story_quotes`, ``brief``).
_BRIEF_FIELDS = "q.n, q.content, q.speaker_name, q.role, q.affiliation"
_BRIEF_KEYS = ("n", "content", "speaker", "role", "affiliation", "entity")
#: A quote the quote model is sure enough of (parameter: the least confidence); quotes found by
#: their layout, and quotes stored before confidences were, have none and always pass.
_CONFIDENT = "COALESCE(json_extract(q.spans, '$.confidence'), 1.0) >= ?"


def _speaker_quote(row: Sequence[Any]) -> dict[str, Any]:
    """A quote as listed with its speaker's entity (``_QUOTE_FIELDS``, ``e.canonical``)."""
    return _with_dates(dict(zip((*_QUOTE_KEYS, "entity"), row, strict=True)))


def _with_dates(row: dict[str, Any]) -> dict[str, Any]:
    # Most quotes name no date: no JSON parser for those (a fifth of a big story page's time).
    row["dates"] = [] if row["dates"] == "[]" else json.loads(row["dates"])
    return row


def named_in_mixed_case(canonical: str, name: str, label: str) -> bool:
    """Whether an entity named ``canonical`` is better named ``name``: the same name, with
    the entity's in capitals (first seen in a dateline or a transcript's label, "PORT ALBA")
    or, for a person, one word of it ("DICK Cheney"), and this one in mixed case. A short
    acronym of an organisation ("NATO", not "Nato") and a person's initials ("WH Auden") stay.
    Migration 16 applies the rule for names wholly in capitals to an older store."""
    if name.casefold() != canonical.casefold() or name == canonical:
        return False
    if canonical.isupper() and not name.isupper():
        return not (label == "ORG" and " " not in canonical and len(canonical) <= 5)
    # A word of the name in capitals where this spelling has it in mixed case ("DICK Cheney",
    # from a page that wrote first names in capitals): the mixed case is the name as written.
    pairs = zip(canonical.split(), name.split(), strict=False)
    return label == "PERSON" and any(
        old.isupper() and len(old) > 2 and not new.isupper() for old, new in pairs
    )
