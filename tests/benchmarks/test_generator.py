"""The syndication generator: deterministic, complete truth, honest Jaccard, edits applied."""

from __future__ import annotations

import gzip
import json
import multiprocessing
from collections import Counter
from dataclasses import replace
from pathlib import Path
from random import Random

import pytest
from bench_support import reuters_dir
from benchmarks.generate_syndication import (
    Generator,
    GeneratorConfig,
    Shuffle,
    default_truth,
    main,
    plan_clusters,
    write_corpus,
)
from benchmarks.reuters import ReutersStory, parse_sgml
from benchmarks.syndication import (
    Source,
    Words,
    build_pool,
    jaccard,
    make_outlets,
    shingles,
    tokens,
)
from benchmarks.syndication_edits import (
    make_variant,
    sentence_case,
    title_case,
    to_curly,
    to_straight,
)

CONFIG = GeneratorConfig(docs=400, seed=7)
Record = dict[str, object]


@pytest.fixture(scope="module")
def stories() -> list[ReutersStory]:
    raw = (reuters_dir() / "reut2-000.sgm").read_bytes().decode("latin-1")
    return list(parse_sgml(raw))


@pytest.fixture(scope="module")
def pool(stories: list[ReutersStory]) -> list[Source]:
    return build_pool(stories)[0]


@pytest.fixture(scope="module")
def words() -> Words:
    return Words.load()


@pytest.fixture(scope="module")
def corpus(pool: list[Source], words: Words) -> list[tuple[Record, Record]]:
    return list(Generator(pool, CONFIG, words))


def test_deterministic_for_a_seed(
    pool: list[Source], words: Words, corpus: list[tuple[Record, Record]]
) -> None:
    assert list(Generator(pool, CONFIG, words)) == corpus
    other = list(Generator(pool, replace(CONFIG, seed=8), words))
    assert [r["text"] for r, _ in other] != [r["text"] for r, _ in corpus]


def test_any_position_alone(
    pool: list[Source], words: Words, corpus: list[tuple[Record, Record]]
) -> None:
    generator = Generator(pool, CONFIG, words)
    for position in (399, 0, 123):
        assert generator.document(position) == corpus[position]


def test_truth_covers_every_id(corpus: list[tuple[Record, Record]]) -> None:
    ids = [record["id"] for record, _ in corpus]
    assert len(set(ids)) == CONFIG.docs
    assert [truth["id"] for _, truth in corpus] == ids
    originals = {truth["id"] for _, truth in corpus if truth["id"] == truth["cluster"]}
    assert {truth["cluster"] for _, truth in corpus} == originals
    for record, truth in corpus:
        assert set(record) == {"id", "text", "source", "published", "url"}
        if truth["id"] == truth["cluster"]:
            assert truth["edit_ops"] == [] and truth["jaccard_to_original"] == 1.0
            assert record["source"] == "Reuters"
    # one original per cluster, each from a different Reuters story
    newids = Counter(t["newid"] for _, t in corpus if t["id"] == t["cluster"])
    assert len(newids) == len(originals) and max(newids.values()) == 1


def test_recorded_jaccard_matches_recomputation(corpus: list[tuple[Record, Record]]) -> None:
    texts = {record["id"]: str(record["text"]) for record, _ in corpus}
    for record, truth in corpus:
        original = shingles(texts[str(truth["cluster"])])
        score = jaccard(shingles(str(record["text"])), original)
        assert truth["jaccard_to_original"] == pytest.approx(score, abs=1e-6)


SHARE_TOLERANCE = 0.05  # absolute, on shares of ~300 variants (binomial sd ~0.023 at 0.2)
IN_BAND = 0.8  # least share of variants whose true Jaccard lands in the band aimed at


def test_jaccard_is_realistic(corpus: list[tuple[Record, Record]]) -> None:
    """The configured mix: ``heavy_share`` of variants aimed at Jaccard 0.5-0.8, the rest at
    0.8-0.98; edits stop at an estimate, so a few land outside their band."""
    variants = [t for _, t in corpus if t["id"] != t["cluster"]]
    assert len(variants) >= 200
    heavy = [float(str(t["jaccard_to_original"])) for t in variants if t["heavy"] is True]
    light = [float(str(t["jaccard_to_original"])) for t in variants if t["heavy"] is False]
    assert len(heavy) + len(light) == len(variants)
    assert len(heavy) / len(variants) == pytest.approx(CONFIG.heavy_share, abs=SHARE_TOLERANCE)
    assert sum(1 for s in heavy if 0.5 <= s < 0.8) >= IN_BAND * len(heavy)
    assert sum(1 for s in light if s >= 0.8) >= IN_BAND * len(light)
    middle = sum(1 for t in variants if 0.5 <= float(str(t["jaccard_to_original"])) < 0.8)
    assert middle / len(variants) == pytest.approx(CONFIG.heavy_share, abs=SHARE_TOLERANCE)


def test_edit_ops_are_applied(corpus: list[tuple[Record, Record]]) -> None:
    texts = {record["id"]: str(record["text"]) for record, _ in corpus}
    seen: Counter[str] = Counter()
    for record, truth in corpus:
        if truth["id"] == truth["cluster"]:
            continue
        text, original = str(record["text"]), texts[str(truth["cluster"])]
        ops = truth["edit_ops"]
        assert isinstance(ops, list) and ops, "every variant is edited"
        assert text != original
        for op in ops:
            seen[op["op"]] += 1
            _check_op(op, text, original)
    assert set(seen) >= {
        "add_boilerplate",
        "edit_words",
        "restyle_quotes",
        "retitle",
        "add_dateline",
        "flatten_paragraphs",
        "truncate",
        "drop_paragraphs",
    }


def _check_op(op: dict[str, object], text: str, original: str) -> None:
    kind = op["op"]
    if kind in ("add_dateline", "add_byline", "add_caption", "prefix_title"):
        assert to_straight(str(op["text"])) in to_straight(text)
    elif kind == "restyle_quotes":
        assert '"' not in text and "'" not in text
        assert any(c in text for c in "\u2018\u2019\u201c\u201d")
    elif kind == "flatten_paragraphs":  # the body paragraphs that are left share one line
        title, *paragraphs = to_straight(original).split("\n\n")
        lines = [x for x in to_straight(text).split("\n") if not x.lower().endswith(title.lower())]
        starts = [p[:25] for p in paragraphs]
        found = {i for start in starts for i, line in enumerate(lines) if start in line}
        assert len(found) <= 1
    elif kind == "truncate":
        assert len(text) < len(original) + 2000
        last = original.split("\n\n")[-1]
        assert len(last) < 40 or to_straight(last) not in to_straight(text)
    elif kind == "retitle":  # the title is printed in other capitals (its echo may not be)
        title = to_straight(original.split("\n\n")[0])
        lines = to_straight(text).split("\n")
        assert any(line.lower().endswith(title.lower()) and line != title for line in lines)
    elif kind == "edit_words":
        total = sum(int(str(op[k])) for k in ("replaced", "inserted", "deleted"))
        assert total >= 1


def test_variant_words_are_the_tokens_of_its_text(pool: list[Source], words: Words) -> None:
    outlets = make_outlets(words, 40, seed=1)
    for i, src in enumerate(pool[:200]):
        rng = Random(i)
        variant = make_variant(src, outlets[i % 40], rng, words, "OTHER STORY", heavy=i % 3 == 0)
        assert variant.words == tokens(variant.text)


def test_write_corpus_is_byte_identical(pool: list[Source], words: Words, tmp_path: Path) -> None:
    config = replace(CONFIG, docs=150)
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b" / "a.jsonl.gz"
    stats = write_corpus(Generator(pool, config, words), first, default_truth(first))
    write_corpus(Generator(pool, config, words), second, default_truth(second))
    assert first.read_bytes() == second.read_bytes()
    assert default_truth(first).read_bytes() == default_truth(second).read_bytes()
    assert default_truth(first).name == "a.truth.jsonl"
    with gzip.open(first, "rt", encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == stats.docs == 150
    assert sum(stats.jaccard_buckets.values()) == 150 - stats.clusters


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="workers need fork"
)
def test_workers_do_not_change_the_output(pool: list[Source], words: Words, tmp_path: Path) -> None:
    config = replace(CONFIG, docs=2500)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    write_corpus(Generator(pool, config, words), one, default_truth(one), workers=1)
    write_corpus(Generator(pool, config, words), two, default_truth(two), workers=2)
    assert one.read_bytes() == two.read_bytes()
    assert default_truth(one).read_bytes() == default_truth(two).read_bytes()


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus_dir = tmp_path / "reuters"
    corpus_dir.mkdir()
    (corpus_dir / "reut2-000.sgm").write_bytes((reuters_dir() / "reut2-000.sgm").read_bytes())
    out, truth = tmp_path / "synd.jsonl", tmp_path / "truth.jsonl"
    args = ["--docs", "60", "--seed", "3", "--out", str(out), "--truth", str(truth)]
    assert main([*args, "--corpus", str(corpus_dir), "--workers", "1"]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    answers = [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(answers) == 60
    assert "wrote 60 documents" in capsys.readouterr().err


def test_pool_leaves_out_duplicates(stories: list[ReutersStory]) -> None:
    with_body = [s for s in stories if s.body][:50]
    first = with_body[0]
    words = first.body.split(" ")
    words[len(words) // 2] = "altered"
    near = replace(first, newid=99999, body=" ".join(words))
    pool, stats = build_pool([*with_body, first, near])
    assert stats.exact_duplicates >= 1 and stats.near_duplicates >= 1
    assert [s.newid for s in pool].count(first.newid) == 1
    assert 99999 not in {s.newid for s in pool}
    for a in pool[:20]:
        for b in pool[:20]:
            if a is not b:
                assert jaccard(shingles(a.text), shingles(b.text)) < 0.3


def test_plan_sizes() -> None:
    small = plan_clusters(1000, GeneratorConfig(docs=400, variants_mean=3.0))
    assert small.starts[-1] == 400 and len(small.sources) == 100
    big = plan_clusters(50, GeneratorConfig(docs=5000))
    assert big.starts[-1] == 5000 and len(big.sources) == 50  # every original, many variants
    assert len(set(big.sources)) == 50
    tiny = plan_clusters(50, GeneratorConfig(docs=1))
    assert tiny.starts == [0, 1]
    assert big.locate(0) == (0, 0)
    assert big.locate(big.starts[1]) == (1, 0)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 64, 65, 1000])
def test_shuffle_is_a_bijection(n: int) -> None:
    shuffle = Shuffle(n, seed=5)
    out = [shuffle(i) for i in range(n)]
    assert sorted(out) == list(range(n))
    assert [shuffle.inverse(j) for j in out] == list(range(n))


def test_shingles() -> None:
    assert shingles("Three short words") == {("three", "short", "words")}
    assert shingles("") == set()
    straight = "He said \"it's 1,000.5 dlrs\" on Monday, the company's officials said."
    assert shingles(straight) == shingles(to_curly(straight))
    assert shingles(straight) == shingles(straight.upper().replace("\n", " "))
    assert ("it's", "1,000.5", "dlrs", "on", "monday") in shingles(straight)
    assert jaccard(set(), set()) == 1.0


def test_house_style_helpers() -> None:
    assert to_curly("\"Yes,\" he said. '90s ('quoted')") == (
        "\u201cYes,\u201d he said. \u201890s (\u2018quoted\u2019)"
    )
    known = {"nsw": "NSW", "chuquicamata": "Chuquicamata"}
    assert title_case("NSW PORTS TO REOPEN <ABC> IN 1987", known) == (
        "NSW Ports to Reopen <ABC> in 1987"
    )
    assert sentence_case("NO QUAKE DAMAGE AT CHUQUICAMATA", known) == (
        "No quake damage at Chuquicamata"
    )
