"""`dedup` end to end: clusters, output lines, problems, formats, workers."""

from __future__ import annotations

import ctypes
import gzip
import io
import itertools
import json
import os
import random
import select
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dedup_helpers import VOCAB, edit, random_words, run_on, write_lines

from wirecopy.dedup import (
    DedupConfig,
    DedupError,
    DedupProgress,
    DedupUsageError,
    dedup,
    memory,
)
from wirecopy.dedup import run as run_module
from wirecopy.dedup.index import DedupIndex
from wirecopy.dedup.parse import InputRecord, Problem
from wirecopy.dedup.report import print_summary
from wirecopy.dedup.stages import held_signals, sign_unit
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
        str(by_line[10]) == 'in.jsonl:10: id "ok" was already used on line 1 of in.jsonl; '
        'this record is named "in.jsonl#10"'
    )
    for line in (2, 3, 4, 5, 6, 9):  # kept out: each its own cluster
        assert rows[line - 1]["duplicate_of"] is None
    assert rows[5]["id"] == "in.jsonl#6"
    assert rows[7]["duplicate_of"] == rows[7]["cluster"] == "short1"  # short, but an exact copy
    # The id repeats: the first record keeps it, the second is named by its file and line.
    assert [rows[0]["id"], rows[9]["id"]] == ["ok", "in.jsonl#10"]
    assert [rows[0]["cluster"], rows[9]["cluster"]] == ["ok", "in.jsonl#10"]
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
    return (*state, index.problems, dict(index.problem_counts)), sum(taken)


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


# ---- names, refusals, problem counts ------------------------------------------------------


def test_a_repeated_id_is_renamed_everywhere_it_appears(tmp_path: Path) -> None:
    text = "the same five words and more"
    first = write_lines(
        tmp_path / "d.jsonl",
        [
            {"id": "x", "text": text},
            {"id": "y", "text": text},
            {"id": "x", "text": "another text of several other words"},
            {"id": "d.jsonl#5", "text": "an id that looks like a label of this file"},
            {"text": "no id: its label d.jsonl#5 is taken, so it gets another"},
        ],
    )
    second = write_lines(
        tmp_path / "e.jsonl",
        [{"id": "y", "text": text}, {"id": 1, "text": "a numeric id"}, {"id": 1, "text": "again"}],
    )
    summary, rows = run_on([first, second], tmp_path / "out.jsonl")
    ids = [r["id"] for r in rows]
    assert ids == ["x", "y", "d.jsonl#3", "d.jsonl#5", "d.jsonl#5~2", "e.jsonl#1", 1, "e.jsonl#3"]
    assert len({json.dumps(i) for i in ids}) == len(ids)  # every output id names one record
    for row in rows:  # every cluster and duplicate_of is an id of the output
        assert row["cluster"] in ids and row["duplicate_of"] in [None, *ids]
    assert [rows[1]["duplicate_of"], rows[5]["duplicate_of"]] == ["x", "x"]
    assert rows[2]["cluster"] == "d.jsonl#3"
    repeated = [str(p) for p in summary.problems if p.kind == "duplicate_id"]
    assert repeated[0] == 'd.jsonl:3: id "x" was already used on line 1 of d.jsonl; ' + (
        'this record is named "d.jsonl#3"'
    )
    assert 'e.jsonl:1: id "y" was already used on line 2 of d.jsonl' in repeated[2]


def test_the_output_file_may_not_be_an_input(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "in.jsonl", [{"id": "a", "text": "some words here"}])
    before = path.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(path)
    hard = tmp_path / "hard.jsonl"
    hard.hardlink_to(path)
    for output in (path, tmp_path / "." / "in.jsonl", link, hard):
        with pytest.raises(DedupUsageError, match="is the input"):
            dedup([path], output=output, workers=1)
    assert path.read_bytes() == before


def test_output_dash_is_standard_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_lines(tmp_path / "in.jsonl", [{"id": "a", "text": "some words here"}])
    dedup([path], output=Path("-"), workers=1)
    assert json.loads(capsys.readouterr().out) == {"id": "a", "cluster": "a", "duplicate_of": None}
    assert not Path("-").exists()


def test_a_text_field_no_record_has_is_refused_and_nothing_written(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "in.jsonl",
        [{"id": i, "text": f"words {i}"} for i in range(30)] + ["{broken"],
    )
    out = tmp_path / "out.jsonl"
    with pytest.raises(DedupUsageError) as err:
        dedup([path], field="nosuch", output=out, workers=1)
    assert str(err.value).startswith("no 'nosuch' field in any of the 30 records")
    assert "in.jsonl:1: no 'nosuch' field (its fields: 'id', 'text')" in str(err.value)
    assert not out.exists()


def test_problems_are_counted_all_but_kept_ten_of_a_kind(tmp_path: Path) -> None:
    lines: list[object] = [{"id": "ok", "text": "one good record with enough words"}]
    lines += [{"id": f"n{i}", "text": None} for i in range(25)] + ["{broken"] * 3
    summary, rows = run_on([write_lines(tmp_path / "in.jsonl", lines)], tmp_path / "out.jsonl")
    assert len(rows) == 29
    assert summary.problem_counts == {"not_string": 25, "broken_json": 3}
    assert [p.line for p in summary.problems if p.kind == "not_string"] == list(range(2, 12))
    assert summary.unshown_problems == {"not_string": 15}
    assert summary.excluded == 28 and not summary.failed
    assert summary.to_dict()["problem_counts"] == {"not_string": 25, "broken_json": 3}
    out = io.StringIO()
    print_summary(summary, out)
    assert "28 problems (the first 13 named above); 28 records kept out" in out.getvalue()
    assert out.getvalue().endswith("… and 15 more records whose text is not a string\n")


def test_a_run_where_no_record_can_be_used_has_failed(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "in.jsonl", ['"just a string"', "{broken", {"text": ""}])
    summary, rows = run_on([path], tmp_path / "out.jsonl")
    assert len(rows) == 3 and summary.failed and summary.to_dict()["failed"] is True
    empty = write_lines(tmp_path / "empty.jsonl", [])
    assert not run_on([empty], tmp_path / "out2.jsonl")[0].failed  # nothing wrong, nothing read


def test_the_summary_counts_in_the_singular(tmp_path: Path) -> None:
    text = "one story told in a few words"
    path = write_lines(
        tmp_path / "in.jsonl", [{"id": "a", "text": text}, {"id": "b", "text": text}, "{"]
    )
    summary, _ = run_on([path], tmp_path / "out.jsonl")
    out = io.StringIO()
    print_summary(summary, out)
    lines = out.getvalue().splitlines()
    assert lines[1] == "2 clusters; 1 duplicate (1 exact, 0 near)"
    assert lines[3].startswith("1 problem named above; 1 record kept out")


# ---- scripts without spaces, invisible characters ------------------------------------------

# Written for this test: a short report in Chinese, a copy with two one-character edits, and
# an unrelated report in the same script.
ZH = (
    "市气象台今天上午发布暴雨黄色预警，预计未来六小时内全市大部分地区将出现强降雨。"
    "交通部门提醒司机减速慢行，注意避开积水路段。多所学校已经通知家长提前接孩子回家。"
    "防汛指挥部表示，各区排水设备已全部到位，抢险队伍二十四小时待命。"
    "气象专家指出，这次降雨过程将持续到周末，累计雨量可能超过一百毫米。"
    "市民如遇紧急情况，可拨打防汛热线求助。"
)
ZH_EDITED = ZH.replace("六小时", "八小时").replace("周末", "周日")
ZH_OTHER = (
    "本届读书节在市图书馆开幕，主办方准备了三百多场讲座和展览。"
    "一位退休教师带着孙女前来参加活动，她说希望孩子从小养成阅读的习惯。"
    "图书馆馆长介绍，今年新增了盲文书籍专区，并延长了周末的开放时间。"
    "活动将持续一个月，所有场次均免费向公众开放。"
)


def test_chinese_near_duplicates_are_grouped_and_unrelated_texts_are_not(
    tmp_path: Path,
) -> None:
    docs = [
        {"id": "zh", "text": ZH},
        {"id": "zh-edited", "text": ZH_EDITED},
        {"id": "zh-other", "text": ZH_OTHER},
    ]
    _, rows = run_on([write_lines(tmp_path / "in.jsonl", docs)], tmp_path / "out.jsonl")
    assert [r["cluster"] for r in rows] == ["zh", "zh", "zh-other"]
    assert rows[1]["duplicate_of"] == "zh"


def test_zero_width_characters_inside_words_do_not_split_them(tmp_path: Path) -> None:
    rng = random.Random(5)
    words = [w + "abcdefgh" for w in random_words(rng, 60)]  # long words, as in the report
    docs = [{"id": "plain", "text": " ".join(words)}]
    for k, mark in enumerate(["\u200b", "\u2060", "\ufeff", "\u00ad"]):
        marked = [w[:4] + mark + w[4:] if i % 2 else w for i, w in enumerate(words)]
        docs.append({"id": f"marked{k}", "text": " ".join(marked)})
    _, rows = run_on([write_lines(tmp_path / "in.jsonl", docs)], tmp_path / "out.jsonl")
    assert {r["cluster"] for r in rows} == {"plain"}


# ---- SIGTERM ---------------------------------------------------------------------------------

CHILD = """
import signal
import sys
from pathlib import Path

from wirecopy.dedup import DedupConfig, DedupTerminated, dedup, sigterm_stops


def progress(p):
    if p.stage == "read":
        print("signing", flush=True)  # a unit came back from a worker: the pool is running


if __name__ == "__main__":
    # Ctrl+C as a terminal's foreground job has it: a background job of a shell script (a CI
    # runner's, say) starts with it ignored, and this process would inherit that.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:  # standard input is not measured, so it gets the worker processes asked for
        with sigterm_stops():  # as the CLI does
            dedup([Path("-")], workers=2, output=Path(sys.argv[1]), progress=progress,
                  config=DedupConfig(batch_size=50))
    except KeyboardInterrupt as stop:
        terminated = isinstance(stop, DedupTerminated)
        print("terminated" if terminated else "interrupted", flush=True)
        sys.exit(143 if terminated else 130)
"""


def _children(pid: int) -> set[int]:
    """Every process descended from `pid`, from /proc."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        parent[int(stat.parent.name)] = int(fields[1])
    found, todo = set(), [pid]
    while todo:
        up = todo.pop()
        kids = {p for p, pp in parent.items() if pp == up}
        found |= kids
        todo += kids
    return found


def _exited(pidfd: int) -> bool:
    """Whether the process has exited: its pidfd becomes readable then (no polling loop).

    The timeout only keeps a regression (a process that never exits) from hanging the test.
    """
    return bool(select.select([pidfd], [], [], 60)[0])


_MASKS = """
{setup}
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(int(status["SigBlk"], 16), int(status["SigIgn"], 16))
"""


def _masks(setup: str = "") -> tuple[int, int]:
    """The (held, ignored) signal masks of a new Python process, after ``setup``."""
    out = subprocess.run(
        [sys.executable, "-c", _MASKS.format(setup=setup)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    held, ignored = (int(mask) for mask in out.split())
    return held, ignored


STOPS = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_a_worker_starting_up_cannot_be_stopped_half_way() -> None:
    # Ctrl+C reaching a worker while it imported its modules stopped it with a traceback
    # (one run in three of the test below on a loaded machine): a process started while
    # the pool starts workers holds Ctrl+C and SIGTERM from birth ...
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with held_signals():
        held, _ignored = _masks()
    assert held & STOPS == STOPS
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before  # this thread as it was
    # ... until `setup_worker` ignores them: then none is held, none can stop it.
    with held_signals():
        held, ignored = _masks("from wirecopy.dedup.stages import setup_worker; setup_worker()")
    assert held & STOPS == 0
    assert ignored & STOPS == STOPS


@pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or not hasattr(os, "pidfd_open"),
    reason="reads /proc, waits with pidfd_open (Linux)",
)
@pytest.mark.parametrize(
    ("how", "status", "said"),
    [
        ("SIGTERM to the main process", 143, "terminated"),
        ("SIGTERM to all", 143, "terminated"),
        ("Ctrl+C to all", 130, "interrupted"),
    ],
)
def test_sigterm_and_ctrl_c_stop_the_workers(
    tmp_path: Path, how: str, status: int, said: str
) -> None:
    # Ctrl+C signals the whole process group, workers too: one stopped half way through
    # sending a result used to leave the pool waiting for ever.
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    read_end, write_end = os.pipe()  # our end stays open: the child waits for more input
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "out.jsonl")],
        stdin=read_end,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a shell's job
    )
    os.close(read_end)
    try:
        rng = random.Random(2)
        lines = [
            json.dumps({"id": i, "text": " ".join(random_words(rng, 40))}) for i in range(8000)
        ]
        with os.fdopen(os.dup(write_end), "w") as feed:  # over 1 MB: a first read returns
            feed.write("\n".join(lines) + "\n")
        assert proc.stdout is not None
        assert proc.stdout.readline() == "signing\n"
        workers = _children(proc.pid)
        assert workers  # the pool's processes (and multiprocessing's resource tracker)
        pidfds = [os.pidfd_open(pid) for pid in workers]  # before any can exit and be reused
        if how == "SIGTERM to the main process":
            proc.send_signal(signal.SIGTERM)
        else:  # as a shell or a job scheduler signals a job's process group
            os.killpg(proc.pid, signal.SIGTERM if how.startswith("SIGTERM") else signal.SIGINT)
        # The signal may reach one of the child's threads while its main thread waits for
        # input: Python runs the handler once that read returns, so end the input too.
        os.close(write_end)
        write_end = -1
        # The timeout only keeps a regression (workers holding the pipes) from hanging.
        out, err = proc.communicate(timeout=120)
    finally:
        if write_end >= 0:
            os.close(write_end)
        if proc.poll() is None:  # a regression: end the child's workers with it
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == status, err
    assert out.splitlines()[-1] == said
    try:
        assert all(_exited(fd) for fd in pidfds)  # no worker left behind
    finally:
        for fd in pidfds:
            os.close(fd)
    assert "leaked" not in err and "Traceback" not in err, err
    assert not (tmp_path / "out.jsonl").exists()
