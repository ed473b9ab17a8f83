"""`dedup` end to end: clusters, output lines, problems, formats, workers."""

from __future__ import annotations

import ctypes
import gzip
import itertools
import json
import random
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dedup_helpers import VOCAB, edit, random_words, run_on, write_lines

from wirecopy.dedup import DedupConfig, DedupError, DedupProgress, dedup, memory
from wirecopy.dedup import run as run_module
from wirecopy.dedup.index import DedupIndex
from wirecopy.dedup.parse import InputRecord, Problem
from wirecopy.dedup.stages import sign_unit
from wirecopy.textnorm import shingle_hashes


def jaccard(a: str, b: str) -> float:
    sa, sb = set(shingle_hashes(a).tolist()), set(shingle_hashes(b).tolist())
    return len(sa & sb) / len(sa | sb)


def corpus() -> list[dict[str, str]]:
    rng = random.Random(7)
    a, b, c = random_words(rng, 120), random_words(rng, 80), random_words(rng, 60)
    a_near = edit(rng, a, 2)
    a_copy = "\n\n  " + "  ".join(a).upper().replace("W1", "\u201cW1") + " "
    return [
        {"id": "a", "text": " ".join(a)},
        {"id": "b", "text": " ".join(b)},
        {"id": "a-near", "text": " ".join(a_near)},
        {"id": "b-far", "text": " ".join(edit(rng, b, 6))},
        {"id": "a-copy", "text": a_copy},
        {"id": "c", "text": " ".join(c)},
    ]


def test_near_and_exact_copies_cluster(tmp_path: Path) -> None:
    docs = corpus()
    assert (
        jaccard(docs[0]["text"], docs[2]["text"]) >= 0.8 > jaccard(docs[1]["text"], docs[3]["text"])
    )
    summary, rows = run_on([write_lines(tmp_path / "in.jsonl", docs)], tmp_path / "out.jsonl")
    assert [r["id"] for r in rows] == [d["id"] for d in docs]
    assert rows[2] == {"id": "a-near", "cluster": "a", "duplicate_of": "a"}
    assert rows[4] == {"id": "a-copy", "cluster": "a", "duplicate_of": "a"}
    assert rows[0] == {"id": "a", "cluster": "a", "duplicate_of": None}
    assert {r["cluster"] for r in rows} == {"a", "b", "b-far", "c"}
    assert (summary.records, summary.clusters, summary.duplicates) == (6, 4, 2)
    assert (summary.exact_duplicates, summary.near_duplicates) == (1, 1)
    assert summary.problems == ()


def test_threshold_decides(tmp_path: Path) -> None:
    rng = random.Random(3)
    words = random_words(rng, 120)
    docs = [
        {"id": "x", "text": " ".join(words)},
        {"id": "y", "text": " ".join(edit(rng, words, 4))},
    ]
    assert 0.6 < jaccard(docs[0]["text"], docs[1]["text"]) < 0.8
    path = write_lines(tmp_path / "in.jsonl", docs)
    _, strict_rows = run_on([path], tmp_path / "o1.jsonl")
    _, loose_rows = run_on([path], tmp_path / "o2.jsonl", threshold=0.6)
    assert [r["cluster"] for r in strict_rows] == ["x", "y"]
    assert [r["cluster"] for r in loose_rows] == ["x", "x"]


BAD = [
    {"id": "ok", "text": "a perfectly good text of several words"},
    {"id": "no-text"},
    {"id": "null", "text": None},
    {"id": "number", "text": 3},
    {"id": "empty", "text": ""},
    '{"id": "broken", "text": "oops',
    {"id": "short1", "text": "Breaking news"},
    {"id": "short2", "text": "BREAKING   news!"},
    {"id": "symbols", "text": "!!! ???"},
    {"id": "ok", "text": "another good text that is not like the first"},
]


def test_every_bad_record_gets_a_line_and_a_message(tmp_path: Path) -> None:
    summary, rows = run_on([write_lines(tmp_path / "in.jsonl", BAD)], tmp_path / "out.jsonl")
    assert len(rows) == len(BAD)
    by_line = {p.line: p for p in summary.problems}
    expected = {
        2: "no_text",
        3: "not_string",
        4: "not_string",
        5: "empty_text",
        6: "broken_json",
        7: "short_text",
        8: "short_text",
        9: "no_words",
        10: "duplicate_id",
    }
    assert {line: p.kind for line, p in by_line.items()} == expected
    assert str(by_line[6]).startswith("in.jsonl:6: broken JSON line")
    assert (
        str(by_line[10])
        == 'in.jsonl:10: id "ok" was already used on line 1 of in.jsonl; both records are kept'
    )
    for line in (2, 3, 4, 5, 6, 9):  # kept out: each its own cluster
        assert rows[line - 1]["duplicate_of"] is None
    assert rows[5]["id"] == "in.jsonl#6"
    assert rows[7]["duplicate_of"] == rows[7]["cluster"] == "short1"  # short, but an exact copy
    assert [rows[0]["cluster"], rows[9]["cluster"]] == ["in.jsonl#1", "in.jsonl#10"]  # ids repeat
    assert summary.excluded == 6
    assert len({r["cluster"] for r in rows}) == len(rows) - 1


def test_strict_stops_at_the_first_problem(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "in.jsonl", BAD)
    with pytest.raises(DedupError, match=r"in\.jsonl:2: no 'text' field") as err:
        run_on([path], tmp_path / "out.jsonl", strict=True)
    assert err.value.problem.kind == "no_text"
    with pytest.raises(DedupError, match="cannot open"):
        run_on([tmp_path / "missing.jsonl"], tmp_path / "out.jsonl", strict=True)


def test_missing_file_is_reported_and_the_rest_goes_on(tmp_path: Path) -> None:
    good = write_lines(tmp_path / "in.jsonl", corpus())
    summary, rows = run_on([tmp_path / "missing.jsonl", good], tmp_path / "out.jsonl")
    assert len(rows) == 6
    assert [p.kind for p in summary.problems] == ["unreadable"]


def test_jsonl_gz_and_parquet_give_the_same_output(tmp_path: Path) -> None:
    docs = corpus()
    plain = write_lines(tmp_path / "in.jsonl", docs)
    packed = tmp_path / "in.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    table = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(docs), table, row_group_size=2)
    outputs = [
        run_on([p], tmp_path / f"out{i}.jsonl")[1] for i, p in enumerate([plain, packed, table])
    ]
    assert outputs[0] == outputs[1] == outputs[2]


def test_several_inputs_and_generated_ids(tmp_path: Path) -> None:
    docs = [{"text": d["text"]} for d in corpus()]
    first = write_lines(tmp_path / "one.jsonl", docs[:3])
    second = write_lines(tmp_path / "two.jsonl", docs[3:])
    _, rows = run_on([first, second], tmp_path / "out.jsonl")
    assert [r["id"] for r in rows] == [f"one.jsonl#{i}" for i in (1, 2, 3)] + [
        f"two.jsonl#{i}" for i in (1, 2, 3)
    ]
    assert rows[4]["duplicate_of"] == "one.jsonl#1"


def test_worker_processes_give_the_same_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_module, "POOL_MIN_BYTES", 0)
    rng = random.Random(11)
    docs = []
    for i in range(40):
        words = random_words(rng, 50 + i)
        docs += [
            {"id": f"d{i}", "text": " ".join(words)},
            {"id": f"e{i}", "text": " ".join(edit(rng, words, 1))},
        ]
    path = write_lines(tmp_path / "in.jsonl", docs)
    config = DedupConfig(batch_size=7)
    _, one = run_on([path], tmp_path / "o1.jsonl", config=config)
    summary, two = run_on([path], tmp_path / "o2.jsonl", config=config, workers=2)
    assert summary.workers == 2
    assert one == two
    assert all(r["duplicate_of"] == f"d{i // 2}" for i, r in enumerate(one) if i % 2)


def test_progress_and_standard_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[DedupProgress] = []
    path = write_lines(tmp_path / "in.jsonl", corpus())
    summary = dedup([path], workers=1, progress=seen.append, config=DedupConfig(batch_size=2))
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [d["id"] for d in corpus()]
    assert [p.stage for p in seen] == ["read"] * 3 + ["cluster", "write"]
    assert (
        seen[-1].records == 6
        and seen[-1].input_bytes == seen[-1].total_bytes == path.stat().st_size
    )
    assert summary.input_bytes == path.stat().st_size


def test_a_chain_of_similar_texts_is_one_cluster(tmp_path: Path) -> None:
    rng = random.Random(5)
    chain = [random_words(rng, 200)]
    for _ in range(6):  # each step about J 0.9 from the last; the ends far apart
        words = list(chain[-1])
        for _ in range(2):
            words[rng.randrange(len(words))] = rng.choice(VOCAB)
        chain.append(words)
    texts = [" ".join(w) for w in chain]
    assert jaccard(texts[0], texts[-1]) < 0.8
    assert all(jaccard(a, b) >= 0.8 for a, b in itertools.pairwise(texts))
    docs = [{"id": f"v{i}", "text": t} for i, t in enumerate(texts)]
    _, rows = run_on([write_lines(tmp_path / "in.jsonl", docs)], tmp_path / "out.jsonl")
    assert {r["cluster"] for r in rows} == {"v0"}


def test_an_output_in_a_missing_folder_fails_before_reading(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": "1", "text": "one two three four five six"}\n', encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        dedup([corpus], output=tmp_path / "missing" / "out.jsonl")
    assert not (tmp_path / "missing").exists()


def bookkeeping(units: list[list[InputRecord]], bulk: bool) -> tuple[tuple[Any, ...], int]:
    """Everything `DedupIndex.account` leaves behind for `units`, with or without its bulk path;
    and how many units the bulk path took."""
    config = DedupConfig()
    index = DedupIndex(config)
    taken = []
    plain = index._plain

    def spy(*args: Any) -> bool:
        taken.append(bulk and plain(*args))
        return taken[-1]

    index._plain = spy  # type: ignore[method-assign,assignment]
    returned = [
        index.account(sign_unit(unit, "text", "id", config, index.first_by_key)) for unit in units
    ]
    state = (returned, index.ids, index._exact_of.tolist(), index.exact_duplicates)
    return (*state, index.problems, index._repeated_ids), sum(taken)


def test_bulk_bookkeeping_equals_the_record_by_record_loop() -> None:
    rng = random.Random(3)
    texts = [" ".join(random_words(rng, rng.choice([3, 40, 60]))) for _ in range(30)]
    records = []
    for line in range(1, 301):
        rid = f"r{rng.randrange(2000) if line % 50 else 5}"  # "r5" repeats; others rarely
        text: str | None = rng.choice(texts) if rng.random() < 0.5 else None
        if text is None:
            text = " ".join(random_words(rng, 50))
        if line % 97 == 0:  # a record with a problem
            problem = Problem("f", line, "no_text", "no 'text' field")
            records.append(InputRecord("f", line, json.dumps(rid), None, problem))
            continue
        records.append(InputRecord("f", line, json.dumps(rid), text, None))
    long_only = [r for r in records if r.text is not None and len(r.text.split()) >= 5]
    units = [long_only[k : k + 7] for k in range(0, 140, 7)] + [
        records[k : k + 20] for k in range(0, 300, 20)
    ]
    (bulk, taken), (loop, never) = bookkeeping(units, True), bookkeeping(units, False)
    assert bulk == loop
    assert taken >= 5 and never == 0  # both paths ran
    assert bulk[3] > 0 and bulk[5]  # exact copies and repeated ids among them


def test_freed_memory_is_retained_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []

    class Libc:
        def mallopt(self, param: int, value: int) -> int:
            calls.append((param, value))
            return 1

    monkeypatch.setattr(memory, "_retaining", False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(ctypes, "CDLL", lambda _name: Libc())
    memory.retain_freed_memory()
    memory.retain_freed_memory()  # a second run: nothing more to set
    assert calls == [
        (memory._M_MMAP_THRESHOLD, memory._MMAP_THRESHOLD),
        (memory._M_TRIM_THRESHOLD, memory._TRIM_THRESHOLD),
    ]
    assert memory._retaining


def test_freed_memory_is_left_alone_where_mallopt_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Musl:  # a stub that changes nothing and says so
        def mallopt(self, param: int, value: int) -> int:
            return 0

    monkeypatch.setattr(memory, "_retaining", False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(ctypes, "CDLL", lambda _name: Musl())
    memory.retain_freed_memory()
    assert not memory._retaining
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(ctypes, "CDLL", lambda _name: 1 / 0)  # never asked
    memory.retain_freed_memory()
    assert not memory._retaining
