"""The language guess: English, or the language whose function words an article is made of."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from wirecopy.stages.languages import ENGLISH, MIN_WORDS, guess, is_english, stop_words

TEXTS = json.loads(
    (Path(__file__).parents[1] / "data" / "other_languages.json").read_text(encoding="utf-8")
)


def text(name: str) -> str:
    title, body = TEXTS[name]
    return f"{title}\n{body}"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("de_bakery", "de"),
        ("de_coach", "de"),
        ("fr_library", "fr"),
        ("es_market", "es"),
        ("en_harbour", ENGLISH),
    ],
)
def test_prose_is_guessed_by_its_function_words(name: str, code: str) -> None:
    assert guess(text(name)) == code
    assert is_english(text(name)) == (code == ENGLISH)


def test_one_letter_marks_of_a_table_are_not_words_of_a_language() -> None:
    # Its "A", "B", "H" and "L" are function words of several languages' lists.
    assert len(text("table").split()) > 2 * MIN_WORDS
    assert guess(text("table")) == ENGLISH


def test_too_few_words_or_none_of_a_list_are_english() -> None:
    assert guess("Die Bahn und der Bus") == ENGLISH
    assert guess("") == ENGLISH
    assert guess("中美合作共赢符合国际社会利益 " * 40) == ENGLISH


def test_stop_words_are_scikit_learns_for_english_and_spacys_for_the_others() -> None:
    assert stop_words(ENGLISH) == ENGLISH_STOP_WORDS
    assert {"und", "der", "nicht"} <= stop_words("de")
    assert {"les", "avec"} <= stop_words("fr")
    assert stop_words("no-such-language") == frozenset()


@given(st.text(max_size=400))
@settings(max_examples=200, deadline=None, derandomize=True, database=None)
def test_any_text_gets_a_language_with_a_list(value: str) -> None:
    code = guess(value)
    assert code == guess(value)
    assert code == ENGLISH or stop_words(code)
