"""Full-text search: the query grammar, ranking, filters, snippets, any query at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirecopy.archive.db import Archive
from wirecopy.archive.entities import replace_article_entities
from wirecopy.archive.queries import entity_mentions, fuller_names
from wirecopy.build import build
from wirecopy.search import SearchError, _expression, _unspaced, parse_query, search, to_fts
from wirecopy.stages.entities import EntityCount

# (id, title, date, source, story, text)
ARTICLES = [
    (
        "a-sadr",
        "Envoy cautions Sadr over rifts",
        "2022-01-12",
        "Meridian Press",
        "s-iraq",
        "Harbour envoy Esmail Qaani met Moqtada al-Sadr in Najaf.\n\n"
        "Qaani returned to Baghdad on Wednesday.",
    ),
    (
        "a-la",
        "Marines reach Los Angeles",
        "2025-06-10",
        "MPA",
        "s-la",
        "A battalion of Marines reached Los Angeles once President Donald Trump sent "
        "them there. Governor Gavin Newsom objected.",
    ),
    (
        "a-la2",
        "Protests go on",
        "2025-06-11",
        "Tidewater Wire",
        "s-la",
        "Protesters gathered downtown for a fifth night. The city's mayor said Los Angeles "
        "would recover, and a café owner in the Arts District counted the damage.",
    ),
    (
        "a-ar",
        "الصدر يلتقي قاآني",
        "2022-01-12",
        "وكالة ميريديان",
        "s-iraq",
        "التقى مقتدى الصدر المبعوث إسماعيل قاآني في النجف.",
    ),
    (
        "a-ru",
        "Протесты в Лос-Анджелесе",
        None,
        "ТАСС",
        None,
        "Морские пехотинцы прибыли в Лос-Анджелес после протестов.",
    ),
    (
        "a-zh",
        "洛杉矶抗议",
        "2025-06-12",
        "新华社",
        None,
        "特朗普 派遣 海军陆战队 前往 洛杉矶。",
    ),
    (
        "a-trump",
        "Trump, Trump and Trump",
        "2025-06-09",
        "MPA",
        None,
        "Trump said Trump would act. Trump again.",
    ),
]


def fill(archive: Archive) -> None:
    with archive.transaction() as conn:
        conn.execute("INSERT INTO stories (id, title) VALUES ('s-iraq', 'Iraq'), ('s-la', 'LA')")
        for n, (article_id, title, day, source, story, text) in enumerate(ARTICLES, start=1):
            conn.execute(
                "INSERT INTO articles (n, id, title, date, source, story_id, text, text_hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (n, article_id, title, day, source, story, text, f"h{n}"),
            )
        # a-la2 was also printed on a page of another outlet.
        conn.execute(
            "INSERT INTO pages (id, site, source, format, content_hash, size, status, seq) "
            "VALUES ('p.html', 'latimes.com', 'Los Angeles Times', 'html', 'x', 1, 'ok', 1)"
        )
        conn.execute(
            "INSERT INTO copies (page_id, seq, article_id, kind, similarity, text, text_hash) "
            "VALUES ('p.html', 0, 'a-la2', 'full', 1.0, '', 'h3')"
        )
        replace_article_entities(
            conn,
            "a-la",
            [
                EntityCount("Donald Trump", "PERSON", 1, ("Donald Trump",)),
                EntityCount("Los Angeles", "GPE", 1, ("Los Angeles",)),
            ],
        )
        replace_article_entities(
            conn, "a-sadr", [EntityCount("Moqtada al-Sadr", "PERSON", 1, ("Moqtada al-Sadr",))]
        )


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    with Archive.open(tmp_path_factory.mktemp("search") / "a.db") as opened:
        fill(opened)
        yield opened


def ids(archive: Archive, query: str, **filters: str | None) -> list[str]:
    return [hit.id for hit in search(archive.conn, query, **filters)]  # type: ignore[arg-type]


# The grammar ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expression"),
    [
        ("los angeles", '"los" AND "angeles"'),
        ('"los angeles" trump', '"los angeles" AND "trump"'),
        ("“los angeles”", '"los angeles"'),
        ("a OR b c", '("a" OR "b") AND "c"'),
        ("-foo bar", '("bar") NOT ("foo")'),
        ('x NOT y -"z w"', '("x") NOT ("y" OR "z w")'),
        ("trump*", '"trump"*'),
        ('"los ang"*', '"los ang"*'),
        ("title:foo (bar", '"title:foo" AND "bar"'),
        ("NEAR(a b)", '"NEAR" AND "a" AND "b"'),
        ('"unbalanced phrase', '"unbalanced phrase"'),
        ('say "hi"" there', '"say" AND "hi" AND "there"'),
        ("x OR", '"x"'),
        ("OR x AND y", '"x" AND "y"'),
        ("or and not", '"or" AND "and" AND "not"'),
        ('"OR"', '"OR"'),
        ("Paris - London", '"Paris" AND "London"'),
        ("a\x00b", '"a" AND "b"'),
        ("^start +plus", '"^start" AND "plus"'),
        ("Лос-Анджелес", '"Лос-Анджелес"'),
        # A possessive stands for its word, unless quoted.
        ("Okafor's strike", '"Okafor" AND "strike"'),
        ("Okafor’S", '"Okafor"'),
        ('"Okafor\'s"', '"Okafor\'s"'),
        ("'s", '"\'s"'),
        ("it's", '"it\'s"'),  # in small letters: a contraction as likely
    ],
)
def test_query_translation(query: str, expression: str) -> None:
    assert to_fts(query) == expression


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("***", "nothing to look for"),
        ('""', "nothing to look for"),
        ("( ) : ^", "nothing to look for"),
        ("AND OR NOT", "nothing to look for"),
        ("NOT trump", "only excludes"),
        ("-trump -newsom", "only excludes"),
        (" ".join(["word"] * 65), "too many terms"),
    ],
)
def test_queries_with_nothing_to_find_are_refused(query: str, message: str) -> None:
    with pytest.raises(SearchError, match=message):
        to_fts(query)


# Searching ------------------------------------------------------------------------------------


def test_words_are_anded_and_phrases_kept_in_order(archive: Archive) -> None:
    assert set(ids(archive, "los angeles")) == {"a-la", "a-la2"}
    assert ids(archive, '"angeles los"') == []
    assert ids(archive, "marines newsom") == ["a-la"]
    assert set(ids(archive, "newsom OR qaani")) == {"a-la", "a-sadr"}
    assert set(ids(archive, "angeles -newsom")) == {"a-la2"}
    assert set(ids(archive, "prote*")) == {"a-la2"}


def test_matching_ignores_case_and_latin_diacritics(archive: Archive) -> None:
    assert ids(archive, "CAFE") == ["a-la2"]
    assert ids(archive, "café") == ["a-la2"]


def test_hyphenated_and_possessive_words(archive: Archive) -> None:
    assert ids(archive, "al-sadr") == ["a-sadr"]
    assert ids(archive, "city's") == ["a-la2"]
    assert ids(archive, "Mayor's") == ["a-la2"]  # printed without the 's


def test_ranking_prefers_more_and_title_matches(archive: Archive) -> None:
    hits = search(archive.conn, "trump")
    assert [hit.id for hit in hits] == ["a-trump", "a-la"]
    assert hits[0].score > hits[1].score > 0
    # A match in the title weighs more than one in the text.
    assert ids(archive, "marines")[0] == "a-la"


def test_snippets_mark_the_matches_with_the_callers_markers(archive: Archive) -> None:
    (hit,) = search(archive.conn, "newsom")
    assert "[Newsom]" in hit.snippet
    (hit,) = search(archive.conn, "newsom", marks=("**", "**"))
    assert "**Newsom**" in hit.snippet
    (hit,) = search(archive.conn, "qaani", marks=("<b>", "</b>"), snippet_words=4)
    assert "<b>" in hit.snippet
    assert "…" in hit.snippet


def test_a_hit_carries_the_article_fields(archive: Archive) -> None:
    (hit,) = search(archive.conn, "newsom")
    assert hit.to_dict() == {
        "id": "a-la",
        "title": "Marines reach Los Angeles",
        "date": "2025-06-10",
        "source": "MPA",
        "story": "s-la",
        "score": hit.score,
        "snippet": hit.snippet,
        "title_marked": "Marines reach Los Angeles",
    }
    (hit,) = search(archive.conn, "newsom marines", marks=("<", ">"))
    assert hit.title_marked == "<Marines> reach Los Angeles"
    assert "<Marines> reached" in hit.snippet


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("الصدر", "a-ar"),
        ("قاآني النجف", "a-ar"),
        ("лос-анджелес", "a-ru"),
        ("ПРОТЕСТЫ", "a-ru"),
        ("洛杉矶抗议", "a-zh"),
        ("洛杉矶*", "a-zh"),
        ("海军陆战队", "a-zh"),
    ],
)
def test_non_latin_queries_find_non_latin_articles(
    archive: Archive, query: str, expected: str
) -> None:
    assert expected in ids(archive, query)


def test_words_inside_runs_of_scripts_without_spaces_are_found(archive: Archive) -> None:
    # unicode61 indexes 洛杉矶抗议 and 海军陆战队 as one word each: parts of them are found.
    assert ids(archive, "抗议") == ["a-zh"]
    assert ids(archive, "陆战") == ["a-zh"]
    assert ids(archive, "抗议 特朗普") == ["a-zh"]
    assert ids(archive, "抗议 trump") == []  # every word is still required
    assert ids(archive, "抗议 -陆战") == []
    assert set(ids(archive, "抗议 OR marines")) == {"a-zh", "a-la"}
    assert ids(archive, "北京") == []


def test_matches_inside_runs_are_marked_on_the_word_in_the_original_text(
    archive: Archive,
) -> None:
    [hit] = search(archive.conn, "抗议 陆战", marks=("<", ">"))
    assert hit.title_marked == "洛杉矶<抗议>"
    assert hit.snippet == "特朗普 派遣 海军<陆战>队 前往 洛杉矶。"


def test_scripts_without_spaces_split_by_marks_thai(tmp_path: Path) -> None:
    """Thai tone marks split unicode61's words (ภาษาไทยง่ายมาก is ภาษาไทยง + ายมาก): a
    term across one is a phrase of the word ending the first part and the next's start."""
    with Archive.open(tmp_path / "th.db") as opened, opened.transaction() as conn:
        conn.execute(
            "INSERT INTO articles (id, title, text, text_hash) VALUES "
            "('a-th', 'ข่าว', 'ภาษาไทยง่ายมาก และ สนุก', 'h'), "
            "('a-th2', 'อื่น', 'ไทยงาน', 'h2')"
        )
    with Archive.open(tmp_path / "th.db", readonly=True) as archive:
        assert ids(archive, "ง่าย") == ["a-th"]
        assert set(ids(archive, "ไทย")) == {"a-th", "a-th2"}
        [hit] = search(archive.conn, "ง่าย")
        assert hit.snippet == "ภาษาไทย[ง่าย]มาก และ สนุก"


def test_control_characters_in_the_text_are_not_taken_for_marks(tmp_path: Path) -> None:
    # JSONL feeds carry STX/ETX into archives: a match must be marked where it is only.
    with Archive.open(tmp_path / "ctl.db") as opened, opened.transaction() as conn:
        conn.execute(
            "INSERT INTO articles (id, title, text, text_hash) VALUES "
            "('a-ctl', NULL, '洛杉矶抗议活动\x02持续第三天\x03，抗议者聚集。', 'h')"
        )
    with Archive.open(tmp_path / "ctl.db", readonly=True) as archive:
        [hit] = search(archive.conn, "抗议")
        assert hit.snippet == "洛杉矶[抗议]活动\x02持续第三天\x03，[抗议]者聚集。"


def test_latin_results_and_their_order_are_unchanged_by_the_expansion(
    archive: Archive,
) -> None:
    """Only terms of scripts without spaces are looked up in the vocabulary: the expression
    of any other query is what FTS5 ran before, so hits, scores and marks are too."""
    for query in ("trump OR angeles", "angeles -marines", '"los angeles"', "lo*"):
        groups, excluded = parse_query(query)
        assert not any(_unspaced(t.text) for t in [*excluded, *(t for g in groups for t in g)])
        assert _expression(query, _never) == to_fts(query)


def _never(word: str, ending: bool) -> list[str]:
    raise AssertionError(f"{word!r} was looked up")


def test_filter_by_story(archive: Archive) -> None:
    assert ids(archive, "qaani OR marines", story="s-iraq") == ["a-sadr"]
    assert set(ids(archive, "angeles", story="s-la")) == {"a-la", "a-la2"}
    assert ids(archive, "angeles", story="s-iraq") == []


def test_filter_by_entity_text_or_merged_form(archive: Archive) -> None:
    assert ids(archive, "angeles", entity="donald trump") == ["a-la"]
    assert ids(archive, "angeles", entity="Los Angeles") == ["a-la"]
    assert ids(archive, "qaani", entity="moqtada al-sadr") == ["a-sadr"]
    with pytest.raises(SearchError, match="no entity 'Nobody'"):
        ids(archive, "angeles", entity="Nobody")


def test_a_merged_form_finds_every_article_naming_its_entity(tmp_path: Path) -> None:
    # "Trump" was merged into "Donald Trump" in a-trump; a-la names "Donald Trump" only.
    with Archive.open(tmp_path / "forms.db") as opened:
        fill(opened)
        with opened.transaction() as conn:
            replace_article_entities(
                conn, "a-trump", [EntityCount("Donald Trump", "PERSON", 3, ("Trump",))]
            )
    with Archive.open(tmp_path / "forms.db", readonly=True) as archive:
        assert set(ids(archive, "trump", entity="trump")) == {"a-trump", "a-la"}
        assert set(ids(archive, "trump", entity="Donald Trump")) == {"a-trump", "a-la"}


def test_an_acronym_finds_its_dotted_and_merged_forms_and_no_surname(tmp_path: Path) -> None:
    with Archive.open(tmp_path / "acronyms.db") as opened:
        fill(opened)
        with opened.transaction() as conn:
            replace_article_entities(
                conn, "a-trump", [EntityCount("U.S.", "GPE", 1, ("U.S.",))]
            )  # fmt: skip
            replace_article_entities(
                conn,
                "a-la",
                [
                    EntityCount("United States", "GPE", 2, ("United States", "US")),
                    EntityCount("Kim Jong Un", "PERSON", 1, ("Kim Jong Un",)),
                ],
            )
    with Archive.open(tmp_path / "acronyms.db", readonly=True) as archive:
        assert set(ids(archive, "trump", entity="US")) == {"a-trump", "a-la"}
        assert set(ids(archive, "trump", entity="U.S.")) == {"a-trump", "a-la"}
        assert ids(archive, "trump", entity="Un") == ["a-la"]  # a surname, in small letters
        with pytest.raises(SearchError, match="no entity 'UN'"):
            ids(archive, "trump", entity="UN")  # no person's surname in capitals


def test_an_acronym_and_the_name_an_article_merged_it_with_are_one_entity(
    tmp_path: Path,
) -> None:
    with Archive.open(tmp_path / "aliases.db") as opened:
        fill(opened)
        with opened.transaction() as conn:
            replace_article_entities(
                conn,
                "a-trump",
                [EntityCount("United Nations", "ORG", 2, ("United Nations", "U.N."))],
            )
            replace_article_entities(conn, "a-la", [EntityCount("UN", "ORG", 1, ("UN",))])
    with Archive.open(tmp_path / "aliases.db", readonly=True) as archive:
        assert set(ids(archive, "trump", entity="United Nations")) == {"a-trump", "a-la"}
        assert set(ids(archive, "trump", entity="UN")) == {"a-trump", "a-la"}


def test_a_name_in_capitals_still_finds_it_and_a_shared_acronym_joins_no_names(
    tmp_path: Path,
) -> None:
    with Archive.open(tmp_path / "shared.db") as opened:
        fill(opened)
        with opened.transaction() as conn:
            replace_article_entities(
                conn, "a-trump", [EntityCount("United Nations", "ORG", 2, ("United Nations", "UN"))]
            )
            replace_article_entities(
                conn,
                "a-la",
                [
                    EntityCount("University of Nevada", "ORG", 2, ("University of Nevada", "UN")),
                    EntityCount("China", "GPE", 1, ("China",)),
                ],
            )
    with Archive.open(tmp_path / "shared.db", readonly=True) as archive:
        assert ids(archive, "trump", entity="CHINA") == ["a-la"]  # capitals, not an acronym
        # "UN" stands for the university in a-la: it makes a-la no article of the UN.
        assert ids(archive, "trump", entity="United Nations") == ["a-trump"]
        assert ids(archive, "trump", entity="University of Nevada") == ["a-la"]
        assert set(ids(archive, "trump", entity="UN")) == {"a-trump", "a-la"}


def test_filter_by_source_of_the_article_or_of_any_copy(archive: Archive) -> None:
    assert set(ids(archive, "trump", source="mpa")) == {"a-trump", "a-la"}
    assert ids(archive, "angeles", source="Los Angeles Times") == ["a-la2"]
    assert ids(archive, "angeles", source="latimes.com") == ["a-la2"]
    assert ids(archive, "angeles", source="Tidewater Wire") == ["a-la2"]


def test_filter_by_date_range(archive: Archive) -> None:
    assert ids(archive, "angeles", since="2025-06-11") == ["a-la2"]
    assert ids(archive, "angeles", until="2025-06-10") == ["a-la"]
    assert set(ids(archive, "angeles", since="2025-06", until="2025-06")) == {"a-la", "a-la2"}
    assert ids(archive, "angeles", until="2024") == []
    hits = search(
        archive.conn, "trump OR angeles", since=date(2025, 6, 10), until=date(2025, 6, 10)
    )
    assert [hit.id for hit in hits] == ["a-la"]
    # An article with no date is left out by a date filter.
    assert ids(archive, "лос-анджелес", since="1900") == []


@pytest.mark.parametrize("bad", ["yesterday", "2025-13", "2025-02-30", "25-06-01", ""])
def test_a_bad_date_is_refused(archive: Archive, bad: str) -> None:
    with pytest.raises(SearchError, match="not a date"):
        search(archive.conn, "trump", since=bad)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"story": "s-nope"}, "no story 's-nope' in the archive"),
        ({"entity": "Nobody"}, "no entity 'Nobody' in the archive"),
        ({"source": "Nope"}, "no source or site 'Nope' in the archive"),
        ({"story": "s-nope", "entity": "Donald Trump"}, "no story 's-nope'"),
    ],
)
def test_a_filter_value_the_archive_lacks_is_named(
    archive: Archive, filters: dict[str, str], message: str
) -> None:
    with pytest.raises(SearchError, match=re.escape(message)):
        search(archive.conn, "angeles", **filters)  # type: ignore[arg-type]
    with pytest.raises(SearchError, match=re.escape(message)):
        search(archive.conn, "抗议", **filters)  # type: ignore[arg-type]


def test_known_filter_values_with_no_hit_give_no_hit(archive: Archive) -> None:
    assert ids(archive, "qaani", story="s-la") == []
    assert ids(archive, "qaani", entity="donald trump") == []  # any case
    assert ids(archive, "qaani", source="latimes.com") == []  # a page's site


@pytest.mark.parametrize(
    ("since", "until"),
    [("2025-07", "2025-06"), ("2026", "2025-12-31"), ("2025-06-12", "2025-06-11")],
)
def test_since_after_until_is_refused(archive: Archive, since: str, until: str) -> None:
    with pytest.raises(SearchError, match="is after until"):
        search(archive.conn, "angeles", since=since, until=until)


def test_since_and_until_in_one_period_are_fine(archive: Archive) -> None:
    assert ids(archive, "angeles", since="2025-06-10", until="2025-06") == ["a-la", "a-la2"]


def test_limit(archive: Archive) -> None:
    assert len(search(archive.conn, "trump OR angeles", limit=1)) == 1
    with pytest.raises(SearchError, match="limit"):
        search(archive.conn, "trump", limit=0)
    # A limit past what SQLite can hold asks for every hit.
    every = search(archive.conn, "trump OR angeles", limit=10**30)
    assert [h.id for h in every] == ids(archive, "trump OR angeles")


def test_search_a_built_archive(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "harbour.txt").write_text(
        "The harbour council of Brindlemoor voted to rebuild the swing bridge.\n"
        "Councillor Edda Varn said work would begin before the spring tides.\n",
        encoding="utf-8",
    )
    (pages / "other.txt").write_text("Nothing about bridges here at all.\n", encoding="utf-8")
    db = tmp_path / "a.db"
    build([pages], db)
    with Archive.open(db, readonly=True) as archive:
        hits = search(archive.conn, '"swing bridge" varn')
        assert len(hits) == 1
        assert "[swing bridge]. Councillor Edda [Varn]" in hits[0].snippet


# Any query ------------------------------------------------------------------------------------

_query_chars = st.sampled_from(
    [*"\"“”„«»()[]{}*-+^:.,;!?'\\/&|~`%$#@", "OR", "AND", "NOT", "NEAR", " ", "\x00"]
)
_queries = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    st.lists(
        st.one_of(
            _query_chars,
            st.sampled_from(["trump", "los", "angeles", "الصدر", "洛杉矶", "лос", "title", "x"]),
            st.text(min_size=1, max_size=3),
        ),
        max_size=12,
    ).map("".join),
    st.lists(st.sampled_from(["trump", "OR", "NOT", "-x", '"', "(", ")", "*"]), max_size=8).map(
        " ".join
    ),
    st.just("\ud800 lone surrogate"),
)


@given(query=_queries)
@settings(max_examples=400, deadline=None)
def test_any_query_gives_hits_or_a_search_error(archive: Archive, query: str) -> None:
    try:
        expression = to_fts(query)
    except SearchError as error:
        assert str(error)
        return
    # Outside its quoted strings, the expression holds only operators: nothing typed is raw.
    outside = re.sub(r'"(?:[^"]|"")*"\*?', " S ", expression)
    words = outside.replace("(", " ( ").replace(")", " ) ").split()
    assert set(words) <= {"S", "AND", "OR", "NOT", "(", ")"}
    # What to_fts accepts, FTS5 runs: never a syntax error, never another exception.
    hits = search(archive.conn, query, limit=5)
    assert len(hits) <= 5


def test_an_entitys_page_names_the_people_a_search_for_it_also_finds(archive: Archive) -> None:
    # "Trump" alone names no entity here; a search for the entity finds Donald Trump's
    # articles, and the entity's record says whose they are.
    assert ids(archive, "trump", entity="Trump") == ids(archive, "trump", entity="Donald Trump")
    assert fuller_names(archive.conn, "Trump") == [{"text": "Donald Trump", "articles": 1}]
    assert fuller_names(archive.conn, "trump%") == []  # the name is no pattern
    found = entity_mentions(archive.conn, "Donald Trump")
    assert found is not None and found["people"] == []
    # No entity "Trump": the record says whose articles a search for it finds.
    alone = entity_mentions(archive.conn, "Trump")
    assert alone is not None and alone["article_count"] == 0
    assert alone["people"] == [{"text": "Donald Trump", "articles": 1}]
    assert entity_mentions(archive.conn, "Nobody") is None
