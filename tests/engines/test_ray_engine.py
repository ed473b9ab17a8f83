"""Both Ray engines give the same clusters as the local engine, on a local Ray cluster.

`ray` (Ray tasks) and `ray-data` (Ray Data's Dataset API over the same functions) run each
identity test. One Ray session for the module (starting Ray costs seconds); nothing here
depends on timing. Small sign tasks (`RECORDS_PER_TASK`, read by both engines) and units
(`batch_size`) make these few thousand documents travel through several tasks or blocks of
every kind, as a large corpus does.
"""

from __future__ import annotations

import json
import random
import shutil
import socket
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "dedup"))
sys.path.insert(0, str(REPO / "tests" / "benchmarks"))

from bench_support import reuters_dir  # noqa: E402
from dedup_helpers import edit, partition, random_words, run_on, write_lines  # noqa: E402

from wirecopy.dedup import DedupConfig, DedupError, dedup  # noqa: E402
from wirecopy.engines import ray as ray_engine  # noqa: E402
from wirecopy.engines import ray_data as ray_data_engine  # noqa: E402
from wirecopy.engines import ray_stages  # noqa: E402

ray = pytest.importorskip("ray")
ray_data = pytest.importorskip("ray.data")
RAY_ENGINES = ("ray", "ray-data")
RUN_MODULES = {"ray": ray_engine, "ray-data": ray_data_engine}


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, address="local")
    try:
        yield
    finally:
        ray.shutdown()


def both_engines(
    paths: list[Path], tmp: Path, engine: str, same_checks: bool = True, **kw: object
) -> tuple[str, str]:
    """Run the local engine and a Ray one; `same_checks` False where a candidate component
    is cut for Ray."""
    local = run_on(paths, tmp / "local.jsonl", workers=1, **kw)[0]
    on_ray = run_on(paths, tmp / "ray.jsonl", engine=engine, workers=2, **kw)[0]
    assert on_ray.engine == engine and on_ray.records == local.records
    assert on_ray.clusters == local.clusters and on_ray.duplicates == local.duplicates
    assert sorted(map(str, on_ray.problems)) == sorted(map(str, local.problems))
    assert on_ray.candidate_pairs == local.candidate_pairs
    # The same pairs checked, in the same order, within each candidate component that one
    # task checks whole; a component cut between tasks costs more checks.
    if same_checks:
        assert on_ray.checked_pairs == local.checked_pairs
        assert on_ray.similar_pairs == local.similar_pairs
    else:
        assert on_ray.checked_pairs > local.checked_pairs
    assert ray.is_initialized()  # a cluster the engine did not connect to is left as it was
    return (tmp / "local.jsonl").read_text(), (tmp / "ray.jsonl").read_text()


@pytest.fixture(scope="module")
def syndication(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 documents from the syndication generator, on two Reuters files."""
    from benchmarks.generate_syndication import main

    tmp = tmp_path_factory.mktemp("synd")
    corpus = tmp / "reuters"
    corpus.mkdir()
    for name in ("reut2-000.sgm", "reut2-001.sgm"):
        shutil.copy(reuters_dir() / name, corpus / name)
    out = tmp / "synd.jsonl"
    args = ["--docs", "3000", "--seed", "3", "--out", str(out), "--corpus", str(corpus)]
    assert main([*args, "--workers", "1"]) == 0
    return out


@pytest.mark.parametrize("engine", RAY_ENGINES)
def test_generated_syndication_gives_identical_clusters(
    local_ray: None,
    syndication: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    engine: str,
) -> None:
    monkeypatch.setattr(ray_stages, "RECORDS_PER_TASK", 1000)
    config = DedupConfig(batch_size=400)
    local, on_ray = both_engines([syndication], tmp_path, engine, config=config)
    assert local == on_ray
    rows = [json.loads(line) for line in local.splitlines()]
    assert len(rows) == 3000
    assert sum(len(c) > 1 for c in partition(rows)) > 100  # many real clusters, not a trivial pass


@pytest.mark.parametrize("engine", RAY_ENGINES)
def test_bad_records_chains_and_large_buckets(
    local_ray: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    monkeypatch.setattr(ray_stages, "RECORDS_PER_TASK", 120)
    rng = random.Random(5)
    base = random_words(rng, 80)
    docs: list[object] = []
    for k in range(45):  # one word changed each: buckets beyond MAX_ALL_PAIRS, paired as stars
        docs.append({"id": f"star{k}", "text": " ".join(edit(rng, base, 1))})
    words = random_words(rng, 120)
    for k in range(12):  # a chain: each step a few words from the last
        words = edit(rng, words, 3)
        docs.append({"id": f"chain{k}", "text": " ".join(words)})
    for k in range(300):
        docs.append({"id": f"solo{k}", "text": " ".join(random_words(rng, 40))})
    docs[100:100] = [
        {"id": "star3", "text": docs[3]["text"].upper()},  # type: ignore[index]
        {"text": "no id, and a copy: " + str(docs[50]["text"])},  # type: ignore[index]
        {"id": "nulltext", "text": None},
        {"id": 7, "body": "no text field"},
        "{broken",
        {"id": "short", "text": "three short words"},
        {"id": "short2", "text": "three short words"},
    ]
    path = write_lines(tmp_path / "in.jsonl", docs)
    # The star is most candidate pairs: its component is cut between check tasks.
    config = DedupConfig(batch_size=50)
    local, on_ray = both_engines([path], tmp_path, engine, same_checks=False, config=config)
    assert local == on_ray
    rows = [json.loads(line) for line in local.splitlines()]
    assert len(rows) == len(docs)
    star = next(c for c in partition(rows) if '"star0"' in c)
    assert len(star) >= 45


@pytest.mark.parametrize("engine", RAY_ENGINES)
def test_no_candidates_and_no_records(local_ray: None, tmp_path: Path, engine: str) -> None:
    rng = random.Random(9)
    docs = [{"id": k, "text": " ".join(random_words(rng, 30))} for k in range(20)]
    local, on_ray = both_engines([write_lines(tmp_path / "solo.jsonl", docs)], tmp_path, engine)
    assert local == on_ray
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert both_engines([empty], tmp_path, engine) == ("", "")


@pytest.mark.parametrize("engine", RAY_ENGINES)
def test_strict_mode_stops_at_the_first_bad_record(
    local_ray: None, tmp_path: Path, engine: str
) -> None:
    rng = random.Random(4)
    docs: list[object] = [{"id": k, "text": " ".join(random_words(rng, 30))} for k in range(9)]
    docs.insert(6, "{broken")
    path = write_lines(tmp_path / "bad.jsonl", docs)
    with warnings.catch_warnings():  # Ray's own defaults set fields it deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        context = ray_data.DataContext.get_current()
    names = [*ray_data_engine.QUIET, "shuffle_strategy"]
    before = {name: getattr(context, name) for name in names}
    with pytest.raises(DedupError, match=r"bad\.jsonl:7"):
        dedup([path], engine=engine, strict=True, output=tmp_path / "out.jsonl")
    assert ray.is_initialized()
    # Ray Data's settings are this process's: the run leaves them as it found them.
    assert {name: getattr(context, name) for name in names} == before


class FakeRay:
    """Records how the engine connects, without any cluster."""

    def __init__(self, initialized: bool) -> None:
        self.initialized = initialized
        self.calls: list[tuple[str, dict[str, object]]] = []

    def is_initialized(self) -> bool:
        return self.initialized

    def init(self, **kw: object) -> None:
        self.calls.append(("init", kw))

    def shutdown(self) -> None:
        self.calls.append(("shutdown", {}))


def connect_with(
    fake: FakeRay, monkeypatch: pytest.MonkeyPatch, address: str | None, engine: str = "ray"
) -> list[tuple[str, dict[str, object]]]:
    if address is None:
        monkeypatch.delenv("RAY_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("RAY_ADDRESS", address)
    monkeypatch.setattr(ray_engine, "_import_ray", lambda: fake)  # both engines connect here
    monkeypatch.setattr(ray_engine, "check_reachable", lambda address: None)  # no real cluster
    module = RUN_MODULES[engine]
    monkeypatch.setattr(module, "_run", lambda *args: "clusters")
    index = object()
    run = ray_engine.run_ray if engine == "ray" else ray_data_engine.run_ray_data
    done = run(
        iter([]),
        index,  # type: ignore[arg-type]
        field="text",
        id_field="id",
        workers=3,
        on_problems=lambda problems: None,
        on_unit=lambda stage: None,
    )
    assert done == "clusters"  # type: ignore[comparison-overlap]
    return fake.calls


@pytest.mark.parametrize("engine", RAY_ENGINES)
def test_joins_the_cluster_ray_address_names(monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    calls = connect_with(FakeRay(False), monkeypatch, "127.0.0.1:6379", engine)
    assert [name for name, _ in calls] == ["init", "shutdown"]  # shutdown only disconnects
    assert calls[0][1]["address"] == "127.0.0.1:6379"
    assert "num_cpus" not in calls[0][1]  # a running cluster has its own CPUs


def test_starts_a_local_cluster_of_workers_cpus_without_an_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = connect_with(FakeRay(False), monkeypatch, None)
    assert [name for name, _ in calls] == ["init", "shutdown"]
    assert calls[0][1]["address"] == "local" and calls[0][1]["num_cpus"] == 3


def test_uses_the_connection_it_finds_and_leaves_it_open(monkeypatch: pytest.MonkeyPatch) -> None:
    assert connect_with(FakeRay(True), monkeypatch, "127.0.0.1:6379") == []


@pytest.mark.parametrize("engine", RAY_ENGINES)
def test_cli_ray_address_option_joins_that_cluster(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engine: str
) -> None:
    from click.testing import CliRunner

    from wirecopy.cli import cli

    monkeypatch.setenv(
        "RAY_ADDRESS", "set-before"
    )  # restored after the test, whatever the CLI sets
    fake = FakeRay(False)
    monkeypatch.setattr(ray_engine, "_import_ray", lambda: fake)
    monkeypatch.setattr(ray_engine, "check_reachable", lambda address: None)
    monkeypatch.setattr(
        RUN_MODULES[engine],
        "_run",
        lambda ray, units, index, *rest: index.settle(np.zeros(0, dtype=np.int64), 0, 0, 0),
    )
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    args = ["dedup", str(empty), "--engine", engine, "--ray-address", "10.0.0.1:6379", "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert fake.calls[0][0] == "init" and fake.calls[0][1]["address"] == "10.0.0.1:6379"
    assert "--ray-address" in CliRunner().invoke(cli, ["dedup", "--help"]).output


@given(
    st.lists(st.integers(0, 9), min_size=1, max_size=200),  # the component of each pair
    st.integers(1, 8),
)
def test_dealing_keeps_components_whole_unless_larger_than_a_share(
    comps: list[int], tasks: int
) -> None:
    pairs = np.stack([np.arange(len(comps)), np.arange(len(comps)) + 1000], axis=1)
    label = np.zeros(2000, dtype=np.int64)
    label[: len(comps)] = comps  # pair i's first record is i
    dealt = ray_stages.deal(pairs, label, tasks)
    assert len(dealt) <= tasks
    flat = np.concatenate(dealt)
    assert sorted(flat[:, 0].tolist()) == list(range(len(comps)))  # each pair once
    share = len(comps) / tasks
    comp_of = np.array(comps)
    for comp in set(comps):
        held = [k for k, part in enumerate(dealt) if (comp_of[part[:, 0]] == comp).any()]
        mine = flat[comp_of[flat[:, 0]] == comp, 0]
        assert mine.tolist() == sorted(mine.tolist())  # in their order of checking
        if comps.count(comp) <= share:
            assert len(held) == 1  # whole, in one task
    assert max(len(part) for part in dealt) <= 2 * share + 1  # none far beyond its share


def _closed_port() -> int:
    with socket.socket() as probe:  # a port just free: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_address_where_nothing_answers_fails_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from wirecopy.cli import cli

    address = f"127.0.0.1:{_closed_port()}"
    with pytest.raises(ConnectionError, match="nothing answers at"):
        ray_engine.check_reachable(address)
    with pytest.raises(ConnectionError):
        ray_engine.check_reachable(f"ray://{address}")
    with socket.socket() as server:  # something listening: Ray is left to talk to it
        server.bind(("127.0.0.1", 0))
        server.listen()
        ray_engine.check_reachable(f"127.0.0.1:{server.getsockname()[1]}")
    ray_engine.check_reachable("auto")  # not host:port: Ray's own business
    # Ray is never asked to join it (it would retry for minutes): the CLI says so at once.
    monkeypatch.setenv("RAY_ADDRESS", "set-before")  # restored after the test
    fake = FakeRay(False)
    monkeypatch.setattr(ray_engine, "_import_ray", lambda: fake)
    data = tmp_path / "in.jsonl"
    data.write_text('{"id": 1, "text": "one two three four five six"}\n')
    args = ["dedup", str(data), "--engine", "ray", "--ray-address", address, "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and "cannot reach the Ray cluster" in result.output
    assert "Traceback" not in result.output and fake.calls == []
