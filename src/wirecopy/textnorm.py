"""Text normalisation, word tokens and word n-gram shingle hashes.

Shared by every stage that compares texts (deduplication now, segmentation later), so the
rules live in one place:

- `normalize`: Unicode NFKC; curly quotes, apostrophes and primes folded to ``'`` and ``"``;
  dashes and the minus sign to ``-``; soft hyphens and byte-order marks removed; case folded;
  white space collapsed to single spaces and stripped. (Segmentation's line keys and the
  archive's text hashes are made with it: a change here changes what archives store.)
- `tokens`: the words of the normalised text. A word is a run of word characters: ASCII
  letters, digits and ``_``, and every non-ASCII character outside the punctuation and space
  blocks (U+0080-U+00BF, U+00D7, U+00F7, U+1680, U+2000-U+206F, U+2E00-U+2E7F,
  U+3000-U+303F). An apostrophe between two word characters stays inside the word
  (``don't``, ``l'été``); a ``.`` or ``,`` between two digits too (``3.5``, ``1,000``).
  With ``split_scripts``, each character of a script written without spaces between words
  (Han, Hiragana, Katakana, CJK radicals and Bopomofo, Thai, Lao, Myanmar, Khmer: see
  `_SPLIT`) is a word by itself, so n-gram shingles become character n-grams there; Hangul
  is left whole (Korean puts spaces between words). With ``drop_invisible``, zero-width
  spaces and word joiners are removed too (invisible, they split words where scrapers leave
  them). Deduplication and the grouping of copies into articles ask for both; other
  callers keep the defaults, under which such a run is one word.
- `pair_unspaced`: text with each run of those scripts' characters replaced by its
  overlapping pairs of characters ("盐田港" → "盐田 田港"), the usual terms for comparing
  such text by words (story similarity).
- `printed_pieces`: a printed word (text between spaces) cut into its characters of those
  scripts and the runs of other characters between them, as printed (nothing folded).
- `shingle_hashes`: the set of hashed word n-grams (default n = 5). A text of fewer than n
  words (but at least one) gives one shingle of all its words, so short texts still match
  their exact copies; a text with no word gives none.

Speed: `hash_tokens` works on a whole batch of texts at once. Python only normalises each
text (C-level string methods); the byte buffer of the batch is then tokenised and hashed with
NumPy: each token is read 8 bytes at a time through an unaligned ``uint64`` view and mixed
with the MurmurHash3 finaliser, so no Python code runs per token or per shingle. `token_hash`
is the same hash in plain Python, kept as the executable definition for tests.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

U64 = NDArray[np.uint64]
I64 = NDArray[np.int64]

_MASK64 = (1 << 64) - 1

# Applied after NFKC, which has already turned double primes into two primes (so '').
_FOLD = tuple(
    [(c, "'") for c in "\u2018\u2019\u201a\u201b\u2032\u2035\u02bc"]
    + [(c, '"') for c in "\u201c\u201d\u201e\u201f"]
    + [(c, "-") for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212"]
    + [(c, "") for c in "\u00ad\ufeff"]  # soft hyphen, byte-order mark
)

# Word characters, as a regular expression; the NumPy path in `_word_mask` implements the
# same rule on UTF-8 bytes, and a property test holds the two together.
_WORD = (
    r"[0-9a-z_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u167f\u1681-\u1fff"
    r"\u2070-\u2dff\u2e80-\u2fff\u3040-\U0010ffff]"
)
_TOKEN = re.compile(rf"{_WORD}+(?:(?:'|(?<=[0-9])[.,](?=[0-9])){_WORD}+)*")
# Word characters of scripts written without spaces: each is a word with `split_scripts`.
# (U+3000-U+303F inside the range are not word characters to begin with.) `_split_leads`
# implements the same ranges on UTF-8 bytes.
_SPLIT = (
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u9fff\uf900-\ufaff"
    r"\U00020000-\U0003ffff]"
)
_OTHER = rf"(?:(?!{_SPLIT}){_WORD})"
_PRINTED_PIECES = re.compile(rf"{_SPLIT}|(?:(?!{_SPLIT})\S)+")
_UNSPACED_RUN = re.compile(rf"(?:(?={_WORD}){_SPLIT})+")
_TOKEN_SPLIT = re.compile(
    rf"(?:(?={_WORD}){_SPLIT}|{_OTHER}+(?:(?:'|(?<=[0-9])[.,](?=[0-9])){_OTHER}+)*)"
)


def _fold_case(text: str) -> str:
    """`normalize` without the white-space collapse (tokens do not see white space)."""
    if text.isascii():  # the common case: NFKC and folding cannot change ASCII
        return text.lower()
    text = unicodedata.normalize("NFKC", text)
    for char, plain in _FOLD:
        if char in text:  # str.replace is many times faster than str.translate here
            text = text.replace(char, plain)
    if text.isascii():  # only curly quotes and dashes were not ASCII
        return text.lower()
    # NFKC again after case folding: folding can leave a string that is not in NFKC.
    return unicodedata.normalize("NFKC", text.casefold())


def normalize(text: str) -> str:
    """Return `text` normalised for comparison (see the module docstring)."""
    return " ".join(_fold_case(text).split())


_INVISIBLE = str.maketrans("", "", "\u200b\u2060")  # zero-width space, word joiner


def tokens(text: str, split_scripts: bool = False, drop_invisible: bool = False) -> list[str]:
    """Return the word tokens of `text`, normalised (see the module docstring)."""
    folded = _fold_case(text)
    if drop_invisible:
        folded = folded.translate(_INVISIBLE)
    return (_TOKEN_SPLIT if split_scripts else _TOKEN).findall(folded)


# ---- hashing -------------------------------------------------------------------------------


def pair_unspaced(text: str) -> str:
    """``text`` with each run of characters of scripts written without spaces replaced by
    its overlapping character pairs, space-separated (a run of one character stays)."""
    if text.isascii():
        return text
    return _UNSPACED_RUN.sub(_pairs, text)


def _pairs(match: re.Match[str]) -> str:
    run = match.group()
    if len(run) < 2:
        return run
    return " " + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + " "


def printed_pieces(word: str) -> list[str]:
    """A printed word (no white space in it) cut as the module's notes say: "《中国日报》，"
    gives "《", its four characters, "》" (CJK punctuation is in the range) and "，"; a Latin
    word stays whole."""
    if word.isascii():
        return [word]
    return _PRINTED_PIECES.findall(word)


def _splitmix(i: int) -> int:
    """Deterministic 64-bit constants, so no magic numbers need to be trusted."""
    z = (i * 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


_LEN_MUL = _splitmix(1) | 1
_NGRAM_MUL = [_splitmix(100 + k) | 1 for k in range(64)]
_COUNT_MUL = _splitmix(2) | 1
_BYTE_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [_MASK64], dtype=np.uint64)


def mix64_int(x: int) -> int:
    """The MurmurHash3 64-bit finaliser on a Python int (reference for `mix64`)."""
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & _MASK64
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & _MASK64
    return x ^ (x >> 33)


def mix64(x: U64) -> U64:
    """The MurmurHash3 64-bit finaliser, vectorised (a bijection of uint64; returns a new array)."""
    x = x ^ (x >> np.uint64(33))
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xC4CEB9FE1A85EC53)
    x ^= x >> np.uint64(33)
    return x


def mix64_inplace(x: U64, scratch: U64) -> None:
    """`mix64` of `x` into `x` itself, with `scratch` (as long) as working memory."""
    shift = np.uint64(33)
    for mul in (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)):
        np.right_shift(x, shift, out=scratch)
        x ^= scratch
        x *= mul
    np.right_shift(x, shift, out=scratch)
    x ^= scratch


def token_hash(token: str) -> int:
    """64-bit hash of one token: its UTF-8 bytes, 8 at a time, mixed into its length."""
    data = token.encode("utf-8", "surrogatepass")
    h = (len(data) * _LEN_MUL) & _MASK64
    for i in range(0, len(data), 8):
        h = mix64_int(h ^ int.from_bytes(data[i : i + 8], "little"))
    return h


@dataclass(frozen=True, slots=True)
class DocHashes:
    """Hashes of a batch of documents, one run per document, in document order.

    Document ``i`` owns ``values[offsets[i]:offsets[i + 1]]``.
    """

    values: U64
    offsets: I64

    @property
    def counts(self) -> I64:
        return np.diff(self.offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def doc(self, i: int) -> U64:
        return self.values[self.offsets[i] : self.offsets[i + 1]]


def _word_mask(
    a: NDArray[np.uint8], ascii_only: bool = False, split: NDArray[np.bool_] | None = None
) -> NDArray[np.bool_]:
    """Word-character bytes of a buffer of normalised UTF-8 text (see `_WORD`).

    `ascii_only`: the caller knows every byte is below 0x80 (no pass looks for others).
    `split`: bytes of characters that are words by themselves (`_split_bytes`), which an
    apostrophe does not join.
    """
    w: NDArray[np.bool_] = ((a - np.uint8(97)) < 26) | ((a - np.uint8(48)) < 10) | (a == 95)
    lead = np.zeros(0, dtype=np.int64) if ascii_only else np.flatnonzero(a >= 0xC2)
    if len(lead):
        w |= a >= 0x80
        # Non-ASCII punctuation and spaces: find their lead bytes, clear the whole sequence.
        v, b1, b2 = a[lead], a[lead + 1], a[lead + 2]
        two = (v == 0xC2) | ((v == 0xC3) & ((b1 == 0x97) | (b1 == 0xB7)))
        three = (
            ((v == 0xE1) & (b1 == 0x9A) & (b2 == 0x80))
            | ((v == 0xE2) & ((b1 == 0x80) | ((b1 == 0x81) & (b2 < 0xB0))))
            | ((v == 0xE2) & ((b1 == 0xB8) | (b1 == 0xB9)))
            | ((v == 0xE3) & (b1 == 0x80))
        )
        for start, width in ((lead[two], 2), (lead[three], 3)):
            for k in range(width):
                w[start + k] = False
    # Joiners: an apostrophe between word bytes, a '.' or ',' between ASCII digits.
    joiner = np.flatnonzero((a == 39) | (a == 46) | (a == 44))
    is_ap = a[joiner] == 39
    ap, sep = joiner[is_ap], joiner[~is_ap]
    joins = w if split is None else w & ~split
    w[ap[joins[ap - 1] & joins[ap + 1]]] = True
    digit_before = (a[sep - 1] - np.uint8(48)) < 10
    digit_after = (a[sep + 1] - np.uint8(48)) < 10
    w[sep[digit_before & digit_after]] = True
    return w


def _split_bytes(a: NDArray[np.uint8]) -> NDArray[np.bool_] | None:
    """The bytes of `_SPLIT` characters in a UTF-8 buffer; None if it has none."""
    lead = np.flatnonzero(a >= 0xC2)
    v, b1, b2 = a[lead], a[lead + 1], a[lead + 2]
    three = (
        ((v == 0xE0) & (b1 >= 0xB8) & (b1 <= 0xBB))  # Thai, Lao
        | ((v == 0xE1) & ((b1 <= 0x81) | ((b1 == 0x82) & (b2 <= 0x9F))))  # Myanmar
        | ((v == 0xE1) & ((b1 == 0x9E) | (b1 == 0x9F)))  # Khmer
        | ((v == 0xE2) & (b1 >= 0xBA))  # CJK radicals, Kangxi, description characters
        | ((v >= 0xE3) & (v <= 0xE9))  # U+3000-U+9FFF: kana, Bopomofo, Han
        | ((v == 0xEF) & (b1 >= 0xA4) & (b1 <= 0xAB))  # CJK compatibility ideographs
    )
    four = (v == 0xF0) & (b1 >= 0xA0)  # U+20000-U+3FFFF: Han extensions
    if not (three.any() or four.any()):
        return None
    s = np.zeros(len(a), dtype=bool)
    for start, width in ((lead[three], 3), (lead[four], 4)):
        for k in range(width):
            s[start + k] = True
    return s


def hash_tokens(
    texts: Sequence[str], split_scripts: bool = False, drop_invisible: bool = False
) -> DocHashes:
    """Hash the tokens of each text; equal to ``[token_hash(t) for t in tokens(text)]``.

    `split_scripts`, `drop_invisible`: as `tokens` (a batch without such characters hashes
    as without them).
    """
    # A NUL before each text keeps tokens apart; 8 NULs at the end keep 8-byte reads in bounds.
    ascii_only = all(map(str.isascii, texts))
    if ascii_only:  # the common batch: `_fold_case` of ASCII is its lower case, done at once
        buf = "\x00".join(["", *texts, "\x00" * 7]).lower().encode()
        sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    else:
        parts = [
            t.lower().encode()
            if t.isascii()
            else (_fold_case(t).translate(_INVISIBLE) if drop_invisible else _fold_case(t)).encode(
                "utf-8", "surrogatepass"
            )
            for t in texts
        ]
        buf = b"\x00".join([b"", *parts, b"\x00" * 7])  # one copy, not three
        sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    a = np.frombuffer(buf, dtype=np.uint8)
    doc_start = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(sizes, out=doc_start[1:])
    doc_start[1:] += np.arange(1, len(texts) + 1)

    split = _split_bytes(a) if split_scripts and not ascii_only else None
    w = _word_mask(a, ascii_only, split)
    if split is None:
        edges = np.flatnonzero(w[1:] != w[:-1])  # alternately a token's start and its end, - 1
        edges += 1
        starts, ends = edges[0::2], edges[1::2]
    else:
        # A token starts after a non-word byte, at a split character's first byte, and
        # after a split character's last byte; it ends before the next start or non-word byte.
        first = np.zeros(len(a), dtype=bool)
        first[1:] = ~w[:-1] | (split[:-1] & ~split[1:])
        first |= split & (a >= 0xC0)
        first &= w
        starts = np.flatnonzero(first)
        ends = np.flatnonzero(w[:-1] & (~w[1:] | first[1:])) + 1
    lens = ends - starts

    # In place where NumPy allows: at this size fresh memory costs as much as the arithmetic.
    wide = np.ndarray(shape=(len(buf) - 7,), dtype="<u8", buffer=buf, strides=(1,))
    h = lens.astype(np.uint64)
    h *= np.uint64(_LEN_MUL)
    head = wide[starts]
    head &= _BYTE_MASKS.take(np.minimum(lens, 8))
    h ^= head
    mix64_inplace(h, head)
    chunk = 8
    longer = np.flatnonzero(lens > chunk)
    while len(longer):  # few tokens are longer than 8 bytes; fewer than 16
        rest = lens[longer] - chunk
        h[longer] = mix64(
            h[longer] ^ (wide[starts[longer] + chunk] & _BYTE_MASKS[np.minimum(rest, 8)])
        )
        longer = longer[rest > 8]
        chunk += 8
    offsets = np.searchsorted(starts, doc_start).astype(np.int64)
    return DocHashes(h, offsets)


def shingle(tokens: DocHashes, n: int = 5) -> DocHashes:
    """Hash the word n-grams of each document (in order, repeats kept).

    A document of k words, 0 < k < n, gives one shingle of its k words; a document with no
    word gives none. The word count is mixed in, so such a shingle never equals an n-gram.
    """
    if not 1 <= n <= len(_NGRAM_MUL):
        raise ValueError(f"n-gram size must be between 1 and {len(_NGRAM_MUL)}, not {n}")
    t, off = tokens.values, tokens.offsets
    counts = np.diff(off)
    m = max(len(t) - n + 1, 0)
    acc = np.full(m, (n * _COUNT_MUL) & _MASK64, dtype=np.uint64)
    term = np.empty(m, dtype=np.uint64)
    for k in range(n):  # in place: at this size fresh memory costs as much as the arithmetic
        np.multiply(t[k : k + m], np.uint64(_NGRAM_MUL[k]), out=term)
        acc += term
    # An n-gram starting in the last n - 1 words of a document would run into the next one.
    valid = np.ones(m, dtype=bool)
    for k in range(1, n):
        last = off[1:] - k
        valid[last[(last >= off[:-1]) & (last < m)]] = False
    full = acc[valid]

    short = np.flatnonzero((counts > 0) & (counts < n))
    per_doc = np.maximum(counts - n + 1, 0)
    per_doc[short] = 1
    out_off = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(per_doc, out=out_off[1:])
    values = np.empty(int(out_off[-1]), dtype=np.uint64)
    if len(short):
        sacc = counts[short].astype(np.uint64) * np.uint64(_COUNT_MUL)
        for k in range(n - 1):
            has = counts[short] > k
            sacc[has] += t[off[short[has]] + k] * np.uint64(_NGRAM_MUL[k])
        is_short = np.zeros(len(values), dtype=bool)
        is_short[out_off[short]] = True
        values[is_short] = sacc
        values[~is_short] = full
    else:
        values = full
    mix64_inplace(values, term[: len(values)] if m >= len(values) else np.empty_like(values))
    return DocHashes(values, out_off)


def shingle_hashes(text: str, n: int = 5) -> U64:
    """Sorted unique hashes of the word n-grams of `text` (see `shingle`)."""
    return np.unique(shingle(hash_tokens([text]), n).values)
