"""`wirecopy dedup` on the command line: the output contract, bad input, strict mode, JSON."""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from dedup_helpers import edit, random_words, write_lines

from wirecopy.cli import cli

BASE = "Officials said on Monday that the bridge over the river would close for repairs in May"
BAD: list[object] = [
    {"id": "a", "text": BASE},
    {"id": "b", "text": BASE.upper() + " !"},  # an exact copy, once normalised
    {"id": "c", "body": "the text is under another field"},
    {"id": "d", "text": None},
    {"id": "e", "text": ["not", "a", "string"]},
    {"id": "f", "text": "   "},
    "{broken json",
    {"id": "g", "text": "two words"},
    {"id": "a", "text": "A different text that reuses the id of the first record here"},
]
MESSAGES = {
    3: "no 'text' field",
    4: "'text' is null",
    5: "'text' is an array, not text",
    6: "'text' is empty",
    7: "broken JSON line",
    8: "fewer than one 5-word shingle",
    9: 'id "a" was already used on line 1 of in.jsonl; this record is named "in.jsonl#9"',
}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["dedup", *args])
    return result.exit_code, result.stdout, result.stderr


def test_each_bad_line_is_named_and_every_record_is_written(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "in.jsonl", BAD)
    code, out, err = invoke(str(path))
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == len(BAD)  # nothing dropped, in input order
    ids = ["a", "b", "c", "d", "e", "f", "in.jsonl#7", "g", "in.jsonl#9"]  # the id repeats
    assert [r["id"] for r in rows] == ids
    assert rows[1]["duplicate_of"] == rows[0]["cluster"] == "a"
    assert rows[0]["duplicate_of"] is None
    for line, message in MESSAGES.items():
        named = [m for m in err.splitlines() if m.startswith(f"in.jsonl:{line}: ")]
        assert named and message in named[0], (line, err)
    for line in (3, 4, 5, 6, 7):  # kept out of matching: a cluster of its own
        assert rows[line - 1]["duplicate_of"] is None
    assert "9 records" in err and "8 clusters" in err  # the summary, on standard error


def test_strict_stops_with_status_1_and_writes_nothing(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "in.jsonl", BAD)
    out = tmp_path / "out.jsonl"
    code, _, err = invoke(str(path), "--strict", "-o", str(out))
    assert code == 1
    assert "in.jsonl:3: no 'text' field" in err and "--strict" in err
    assert "Traceback" not in err
    assert not out.exists() or out.read_text() == ""


def test_truncated_gzip_keeps_the_lines_before_and_says_where(tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "text": f"text number {i} " * 20}) for i in range(300)]
    data = gzip.compress("\n".join(lines).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    code, out, err = invoke(str(path))  # problems are named unless -q
    assert code == 1  # as `zcat` does: what was read is written, the status says input was lost
    rows = out.splitlines()
    assert 0 < len(rows) < 300
    assert f"cut.jsonl.gz:{len(rows)}: gzip stream ends early after line {len(rows)}" in err
    assert "1 input was not read whole" in err
    code, out, err = invoke(str(path), "-q", "--json", "-o", str(tmp_path / "out.jsonl"))
    assert code == 1 and json.loads(out)["files_lost"] == 1 and "not read whole" in err
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == len(rows)
    code, _, err = invoke(str(path), "--strict", "-q")
    assert code == 1 and "gzip stream ends early" in err


def test_json_summary_and_output_file(tmp_path: Path) -> None:
    import random

    rng = random.Random(1)
    words = random_words(rng, 60)
    docs = [{"id": f"d{k}", "text": " ".join(edit(rng, words, 1))} for k in range(5)]
    docs += [{"id": "other", "text": " ".join(random_words(rng, 60))}]
    path = write_lines(tmp_path / "in.jsonl", docs)
    out = tmp_path / "clusters.jsonl"
    code, stdout, _ = invoke(str(path), "-o", str(out), "--json", "--threshold", "0.7")
    assert code == 0
    summary = json.loads(stdout)
    assert summary["records"] == 6 and summary["clusters"] == 2
    assert summary["engine"] == "local" and summary["problems"] == []
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["cluster"] for r in rows] == ["d0"] * 5 + ["other"]
    assert [r["duplicate_of"] for r in rows] == [None, "d0", "d0", "d0", "d0", None]


def test_quiet_prints_no_summary_and_bad_options_are_usage_errors(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "in.jsonl", [{"id": 1, "text": BASE}])
    code, out, err = invoke(str(path), "-q")
    assert code == 0 and err == ""
    assert json.loads(out) == {"id": 1, "cluster": 1, "duplicate_of": None}
    assert invoke(str(path), "--threshold", "0")[0] == 2
    assert invoke(str(path), "--engine", "spark")[0] == 2
    code, _, err = invoke(str(tmp_path / "missing.jsonl"))
    assert code == 2 and "does not exist" in err


def test_other_fields_and_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"url": ["u1", "u2", "u3"], "content": [BASE, BASE + " today", None]})
    path = tmp_path / "in.parquet"
    pq.write_table(table, path)
    code, out, err = invoke(str(path), "--field", "content", "--id-field", "url")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["u1", "u2", "u3"]
    assert "in.parquet:3: 'content' is null" in err


def test_ray_engine_without_ray_is_a_clean_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails, as if not installed
    path = write_lines(tmp_path / "in.jsonl", [{"id": 1, "text": BASE}])
    code, _, err = invoke(str(path), "--engine", "ray")
    assert code == 1
    assert "pip install 'wirecopy[ray]'" in err and "Traceback" not in err


def test_user_mistakes_are_one_line_errors(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "in.jsonl", [{"id": i, "text": f"words {i}"} for i in range(20)])
    before = path.read_bytes()
    code, _, err = invoke(str(path), "-o", str(path))
    assert code == 1 and "is the input" in err and "Traceback" not in err
    assert path.read_bytes() == before  # the corpus is untouched
    code, out, err = invoke(str(path), "--field", "nosuch")
    assert code == 1 and "Traceback" not in err and out == ""
    assert err.startswith("Error: no 'nosuch' field in any of the 20 records")
    assert len(err.splitlines()) == 1  # not a message per record


def test_no_usable_record_is_an_error_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text("just words, not JSON\nmore words\n")
    code, out, err = invoke(str(path))
    assert code == 1
    assert len(out.splitlines()) == 2  # every record still has its output line
    assert err.rstrip().endswith("Error: no record could be used (see the problems above)")
    code, _, err = invoke(str(path), "-q")  # the problems are not shown: it says how to see them
    assert code == 1 and err.strip() == "Error: no record could be used (leave out -q to see why)"


def test_json_summary_alone_on_its_stream(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "in.jsonl", BAD)
    code, _, err = invoke(str(path), "--json")
    assert code == 0
    summary = json.loads(err)  # nothing but the summary: the problems are inside it
    assert summary["problems"]


def test_an_unreachable_ray_cluster_is_not_a_write_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*args: object, **kwargs: object) -> None:
        raise ConnectionError("Could not find any running Ray instance")

    monkeypatch.setattr("wirecopy.cli.dedup", unreachable)
    path = write_lines(tmp_path / "in.jsonl", BAD)
    code, _, err = invoke(str(path), "--engine", "ray", "-o", str(tmp_path / "out.jsonl"))
    assert code == 1
    assert "cannot reach the Ray cluster" in err and "cannot write" not in err


def test_a_closed_pipe_is_no_ray_error(tmp_path: Path) -> None:
    import subprocess

    path = write_lines(tmp_path / "in.jsonl", BAD)
    read, write = os.pipe()
    os.close(read)  # the reader is gone, as `| head -c1` once done
    try:
        result = subprocess.run(
            [sys.executable, "-m", "wirecopy", "dedup", str(path), "-q"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write)
    assert result.returncode == 1
    assert "Ray" not in result.stderr and "Traceback" not in result.stderr


def test_bytes_that_are_not_utf8_are_replaced_and_the_record_still_matches(
    tmp_path: Path,
) -> None:
    # A stray Latin-1 byte in a scraped text, and a byte-order mark opening a later line
    # (two files joined with `cat`): neither loses its record.
    latin1 = json.dumps({"id": "a", "text": f"{BASE} caf\u00e9"}, ensure_ascii=False)
    lines = [
        latin1.encode("latin-1"),
        b"\xef\xbb\xbf" + json.dumps({"id": "b", "text": f"{BASE} caf\ufffd"}).encode(),
        json.dumps(
            {"id": "c", "text": "Another story altogether about the harbour and its fish"}
        ).encode(),
    ]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    code, out, err = invoke(str(path))
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["id"], r["duplicate_of"]) for r in rows] == [("a", None), ("b", "a"), ("c", None)]
    assert "in.jsonl:1: not valid UTF-8 (byte " in err and "read as U+FFFD" in err
    assert "in its id" not in err
    assert "in.jsonl:2" not in err and "broken JSON" not in err
    # A bad byte in the id: the id written is not the input's, and the note says so.
    path.write_bytes(b'{"id": "caf\xe9", "text": "' + BASE.encode() + b'"}\n')
    code, out, err = invoke(str(path))
    assert code == 0 and json.loads(out)["id"] == "caf\ufffd"
    assert "in its id too: it is written so" in err


def test_a_utf16_file_is_read_as_its_byte_order_mark_says(tmp_path: Path) -> None:
    docs = [{"id": "a", "text": f"{BASE} café"}, {"id": "b", "text": f"{BASE} café"}]
    text = "\r\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\r\n"
    for encoding in ("utf-16", "utf-16-be", "utf-32"):
        path = tmp_path / f"{encoding}.jsonl"
        data = text.encode(encoding)  # "utf-16" and "utf-32" write their marks
        path.write_bytes(b"\xfe\xff" + data if encoding == "utf-16-be" else data)
        code, out, err = invoke(str(path))
        assert code == 0, err
        rows = [json.loads(line) for line in out.splitlines()]
        assert [(r["id"], r["duplicate_of"]) for r in rows] == [("a", None), ("b", "a")]


def test_ray_address_with_the_local_engine_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_lines(tmp_path / "in.jsonl", [{"id": "a", "text": BASE}])
    code, _, err = invoke(str(path), "--ray-address", "auto")
    assert code == 2 and "--ray-address is for --engine ray" in err
    monkeypatch.setenv("RAY_ADDRESS", "auto")  # set for other tools: the local engine runs
    code, out, _ = invoke(str(path), "-q")
    assert code == 0 and json.loads(out)["id"] == "a"


def test_the_summary_of_a_run_with_only_warnings_says_every_record_matched(
    tmp_path: Path,
) -> None:
    path = write_lines(tmp_path / "in.jsonl", [{"id": None, "text": BASE}])
    code, _, err = invoke(str(path))
    assert code == 0 and "1 problem named above; every record matched" in err
    assert "0 records kept out" not in err
