"""Normalisation, tokens and shingle hashes (wirecopy.textnorm)."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirecopy import textnorm as tn

# Characters that exercise every rule: letters, digits, joiners, white space of all kinds,
# curly quotes, dashes, soft hyphens, non-ASCII letters and punctuation, controls.
TRICKY = (
    "aZ09_ '.,-\t\n\r\x0b\x0c\x1c\x00\u00a0\u2003\u3000\u2028\u0085\u1680"
    "\u2018\u2019\u201c\u201d\u2032\u2033\u2013\u2014\u2212\u00ad\ufeff"
    "éÉßİıﬁ½²«»¿×÷…•\u0301\u0345ΐ\u2e2e、。日本\u3042\uff21\uff07\ufe58"
    "\ud800"
)
texts = st.text(alphabet=st.sampled_from(TRICKY), max_size=60) | st.text(max_size=40)
SETTINGS = settings(derandomize=True, max_examples=300, deadline=None)


def reference_fold(text: str) -> str:
    """`_fold_case` as first defined: NFKC before anything else, then the folding rules."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text.lower()
    for char, plain in tn._FOLD:
        text = text.replace(char, plain)
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKC", text.casefold())


@SETTINGS
@given(texts | st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_fold_case_skips_nfkc_only_where_it_changes_nothing(text: str) -> None:
    assert tn._fold_case(text) == reference_fold(text)


def test_every_ascii_character_is_nfkc_stable() -> None:
    ascii_chars = "".join(map(chr, range(128)))
    assert unicodedata.normalize("NFKC", ascii_chars) == ascii_chars
    assert tn._fold_case(ascii_chars) == ascii_chars.lower()


def test_normalize_folds_quotes_dashes_case_and_space() -> None:
    text = "  \u201cDon\u2019t\u201d  STOP\u2014now\t\n\u2018ok\u2019 \u2013 fine\u00a0 "
    assert tn.normalize(text) == "\"don't\" stop-now 'ok' - fine"


def test_normalize_nfkc_and_casefold() -> None:
    assert tn.normalize("\uff21\uff22\uff23 ﬁne Straße ½") == "abc fine strasse 1\u20442"


def test_normalize_removes_soft_hyphens() -> None:
    assert tn.normalize("inter\u00adnational") == "international"


@SETTINGS
@given(texts)
def test_normalize_is_idempotent(text: str) -> None:
    once = tn.normalize(text)
    assert tn.normalize(once) == once


@SETTINGS
@given(texts)
def test_normalized_white_space_is_single_spaces(text: str) -> None:
    out = tn.normalize(text)
    assert out == out.strip()
    assert "  " not in out
    assert not any(c.isspace() and c != " " for c in out)
    assert not set(out) & set("\u2018\u2019\u201c\u201d\u2013\u2014")


def test_tokens_keep_numbers_and_inner_apostrophes() -> None:
    text = "It\u2019s 3.5% of 1,000 \u2018quoted\u2019 l\u2019\u00e9t\u00e9 rock'n'roll a''b x. 2.b"
    assert tn.tokens(text) == [
        "it's",
        "3.5",
        "of",
        "1,000",
        "quoted",
        "l'été",
        "rock'n'roll",
        "a",
        "b",
        "x",
        "2",
        "b",
    ]


def test_tokens_split_on_non_ascii_punctuation() -> None:
    assert tn.tokens("«Bonjour»—¿Qué? 日本語、テスト") == ["bonjour", "qué", "日本語", "テスト"]


@SETTINGS
@given(st.lists(texts, max_size=4))
def test_hash_tokens_matches_reference(batch: list[str]) -> None:
    got = tn.hash_tokens(batch)
    assert len(got) == len(batch)
    for i, text in enumerate(batch):
        assert got.doc(i).tolist() == [tn.token_hash(t) for t in tn.tokens(text)]


@SETTINGS
@given(st.lists(st.text(alphabet=st.characters(max_codepoint=127), max_size=60), max_size=4), texts)
def test_hash_tokens_of_an_ascii_batch(batch: list[str], other: str) -> None:
    """An all-ASCII batch (lower-cased at once) hashes each text as a mixed batch does."""
    alone, mixed = tn.hash_tokens(batch), tn.hash_tokens([*batch, other + "\u00e9"])
    for i, text in enumerate(batch):
        expected = [tn.token_hash(t) for t in tn.tokens(text)]
        assert alone.doc(i).tolist() == expected == mixed.doc(i).tolist()


def test_token_hash_of_long_tokens() -> None:
    words = ["a" * k for k in range(1, 40)]
    got = tn.hash_tokens([" ".join(words)])
    assert got.values.tolist() == [tn.token_hash(w) for w in words]
    assert len(set(got.values.tolist())) == len(words)


def reference_shingles(text: str, n: int) -> set[int]:
    """Shingle hashes from the definition, in plain Python."""
    mask = (1 << 64) - 1
    t = [tn.token_hash(w) for w in tn.tokens(text)]
    grams = [t[i : i + n] for i in range(len(t) - n + 1)] or ([t] if t else [])
    out = set()
    for gram in grams:
        acc = len(gram) * tn._COUNT_MUL
        for k, h in enumerate(gram):
            acc += h * tn._NGRAM_MUL[k]
        out.add(tn.mix64_int(acc & mask))
    return out


@SETTINGS
@given(st.lists(texts, max_size=4), st.integers(1, 6))
def test_shingle_matches_reference(batch: list[str], n: int) -> None:
    got = tn.shingle(tn.hash_tokens(batch), n)
    for i, text in enumerate(batch):
        assert set(got.doc(i).tolist()) == reference_shingles(text, n)


def test_shingle_counts() -> None:
    got = tn.shingle(tn.hash_tokens(["", "one two", "a b c d e", "a b c d e f g"]), 5)
    assert got.counts.tolist() == [0, 1, 1, 3]


def test_shingle_hashes_is_sorted_unique() -> None:
    h = tn.shingle_hashes("the cat sat on the mat " * 3, n=2)
    assert h.dtype == np.uint64
    assert np.all(h[1:] > h[:-1])
    assert len(h) == 6  # the cat, cat sat, sat on, on the, the mat, mat the: repeats collapse


def test_shingles_depend_on_order_and_ignore_case_and_quotes() -> None:
    a = tn.shingle_hashes("Alpha beta gamma delta epsilon")
    assert np.array_equal(a, tn.shingle_hashes("ALPHA  beta, gamma; delta\u2014epsilon."))
    assert not np.array_equal(a, tn.shingle_hashes("beta alpha gamma delta epsilon"))


def test_short_text_shingle_is_its_words_not_an_ngram() -> None:
    short = tn.shingle_hashes("a b c d", n=5)
    assert len(short) == 1
    assert short[0] not in tn.shingle_hashes("a b c d a b c d", n=5)
    assert np.array_equal(short, tn.shingle_hashes("a b c d", n=4))  # the same 4 words


def test_shingle_rejects_bad_n() -> None:
    with pytest.raises(ValueError, match="n-gram size"):
        tn.shingle(tn.hash_tokens(["x"]), 0)


@SETTINGS
@given(st.lists(st.integers(0, 2**64 - 1), max_size=20))
def test_mix64_inplace_is_the_murmur_finaliser(values: list[int]) -> None:
    x = np.array(values, dtype=np.uint64)
    tn.mix64_inplace(x, np.empty_like(x))
    assert x.tolist() == [tn.mix64_int(v) for v in values]


# ---- scripts written without spaces, and invisible characters (dedup's options) ----------

# Han, kana, Thai, Lao, Myanmar, Khmer, a Han extension, Hangul, Latin, joiners, punctuation.
SPLIT_TRICKY = (
    "中文日本\u3042\u30a2\u0e01\u0e31\u0e81\u1000\u1780\U00020000\u2e80\uf900"
    "한글aé1 '.,、。\u3000\u200b"
)
split_texts = st.text(alphabet=st.sampled_from(SPLIT_TRICKY + TRICKY), max_size=60) | st.text(
    max_size=40
)


@SETTINGS
@given(st.lists(split_texts, max_size=6))
def test_split_scripts_hash_tokens_matches_reference(batch: list[str]) -> None:
    got = tn.hash_tokens(batch, split_scripts=True)
    assert len(got) == len(batch)
    for i, text in enumerate(batch):
        expected = [tn.token_hash(t) for t in tn.tokens(text, split_scripts=True)]
        assert got.doc(i).tolist() == expected, text


@SETTINGS
@given(st.lists(split_texts | st.text(alphabet=st.characters(max_codepoint=127)), max_size=6))
def test_split_scripts_changes_only_texts_with_such_characters(batch: list[str]) -> None:
    split, plain = tn.hash_tokens(batch, split_scripts=True), tn.hash_tokens(batch)
    for i, text in enumerate(batch):
        if not re.search(tn._SPLIT, tn._fold_case(text)):
            assert split.doc(i).tolist() == plain.doc(i).tolist()


def test_split_scripts_cuts_han_kana_and_thai_into_characters_not_hangul() -> None:
    text = "央行周三宣布，カタカナ ภาษา 한국어 문장 don't 中'文 3.5中"
    assert tn.tokens(text, split_scripts=True) == [
        *"央行周三宣布",
        *"カタカナ",
        *"ภาษา",
        "한국어",
        "문장",
        "don't",
        "中",  # an apostrophe joins no character that stands alone
        "文",
        "3.5",
        "中",
    ]
    assert tn.tokens("央行周三宣布") == ["央行周三宣布"]  # the default is as before


def test_an_ascii_batch_hashes_the_same_with_split_scripts() -> None:
    batch = ["Plain ASCII text, don't change 3.5 1,000", "", "x"]
    split, plain = tn.hash_tokens(batch, split_scripts=True), tn.hash_tokens(batch)
    assert split.values.tobytes() == plain.values.tobytes()
    assert split.offsets.tolist() == plain.offsets.tolist()


@pytest.mark.parametrize("invisible", ["\u200b", "\u2060", "\ufeff", "\u00ad"])
def test_invisible_characters_inside_words_are_ignored(invisible: str) -> None:
    text = f"inter{invisible}national caf{invisible}é"
    assert tn.tokens(text, drop_invisible=True) == ["international", "café"]
    assert (
        tn.hash_tokens([text], drop_invisible=True).values.tolist()
        == tn.hash_tokens(["international café"]).values.tolist()
    )


@pytest.mark.parametrize("invisible", ["\u200b", "\u2060"])
def test_what_archives_store_keeps_zero_width_characters(invisible: str) -> None:
    # normalize() and the default hashing make the line keys and hashes archives store:
    # without a migration they must not change (only soft hyphens and BOMs are dropped).
    text = f"inter{invisible}national"
    assert tn.normalize(text) == text
    assert tn.tokens(text) == ["inter", "national"]
