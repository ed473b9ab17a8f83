"""A Ray cluster of this machine for the benchmarks, and the CPU time of process trees.

`RayHead` starts ``ray start --head --block`` in a session of its own, so that a run can join a
cluster that is already up (``RAY_ADDRESS``), as a data engineer's job does, and stops it by
its own process ids, never by name (other users of this machine may run Ray too).

`TreeCpu` samples the CPU time of process trees from ``/proc`` (Linux): Ray's workers are
children of its raylet, not of the driver, and are not reaped into the driver's
``RUSAGE_CHILDREN``; sampling counts them while they live.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from types import TracebackType

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
START_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RayHead:
    """``ray start --head`` of `cpus` CPUs for the duration of a ``with`` block.

    Token authentication stays on (Ray's default for `ray start`); ``env`` is what a driver
    needs to join: ``RAY_ADDRESS`` and ``RAY_AUTH_MODE=token`` (Ray asks for the latter when
    the address is given explicitly).
    """

    def __init__(self, cpus: int) -> None:
        self.cpus = cpus
        self.port = _free_port()
        self.env = {"RAY_ADDRESS": f"127.0.0.1:{self.port}", "RAY_AUTH_MODE": "token"}
        self._proc: subprocess.Popen[str] | None = None
        # Ray's sockets live here: a short path (Unix socket paths are limited to 107 bytes),
        # and not /tmp/ray, whose "current cluster" others' `ray.init("auto")` would read.
        self._temp = Path(tempfile.mkdtemp(prefix="wcray"))

    @property
    def pid(self) -> int:
        assert self._proc is not None, "not started"
        return self._proc.pid

    def __enter__(self) -> RayHead:
        ray = str(Path(sys.executable).with_name("ray"))
        cmd = [
            ray,
            "start",
            "--head",
            "--block",
            f"--port={self.port}",
            f"--num-cpus={self.cpus}",
            f"--temp-dir={self._temp}",
            "--include-dashboard=false",
            "--disable-usage-stats",
        ]
        env = {**os.environ, **self.env, "RAY_USAGE_STATS_ENABLED": "0"}
        env.pop("RAY_ADDRESS")
        self._proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: stopped by that id
            env=env,
        )
        timer = threading.Timer(START_TIMEOUT_S, self._proc.kill)
        timer.start()
        seen: list[str] = []
        try:
            assert self._proc.stdout is not None
            for line in self._proc.stdout:
                seen.append(line)
                if "Ray runtime started" in line:
                    break
            else:
                self.stop()
                raise RuntimeError("ray start --head failed:\n" + "".join(seen[-20:]))
        finally:
            timer.cancel()
        # Keep reading its output, or a full pipe would block it.
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self) -> None:
        if self._proc is not None and self._proc.stdout is not None:
            for _ in self._proc.stdout:
                pass

    def stop(self) -> None:
        """SIGTERM to `ray start` (it stops the processes it started), then SIGKILL to its
        process group for anything left."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        self._proc = None
        shutil.rmtree(self._temp, ignore_errors=True)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def _processes() -> dict[int, tuple[int, int, int]]:
    """pid -> (parent pid, CPU ticks used by the process itself, start time)."""
    out: dict[int, tuple[int, int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            data = (entry / "stat").read_bytes()
        except OSError:
            continue
        fields = data[data.rindex(b")") + 2 :].split()
        out[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[19]))
    return out


class TreeCpu:
    """CPU seconds used by the processes of some trees while the ``with`` block runs.

    Sampled every `every` seconds: a process that ends between two samples loses the time
    since the last one (Ray's workers live as long as the job, so little is lost).
    """

    def __init__(self, roots: list[int], every: float = 0.25) -> None:
        self.roots, self.every = set(roots), every
        self._first: dict[tuple[int, int], int] = {}
        self._last: dict[tuple[int, int], int] = {}
        self._started = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        procs = _processes()
        for pid, (_, ticks, start) in procs.items():
            node, hops = pid, 0
            while node and node not in self.roots and hops < 64:
                node, hops = procs.get(node, (0, 0, 0))[0], hops + 1
            if node in self.roots:
                key = (pid, start)  # a pid may be reused; its start time tells
                self._first.setdefault(key, 0 if self._started else ticks)
                self._last[key] = ticks

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._sample()

    def __enter__(self) -> TreeCpu:
        self._sample()
        self._started = True
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def seconds(self) -> float:
        return sum(self._last[k] - self._first[k] for k in self._last) / TICK
