"""Wall time and peak memory of a command and every process it starts; HTTP polling for serve latency."""

from __future__ import annotations

import http.client
import os
import resource
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
MEMORY_POLL = 0.010  # seconds between samples of RSS (statm: microseconds)
# PSS less often: reading smaps_rollup walks a process's page tables (15 ms of CPU for a 1.5 GB process), so at
# every RSS sample it took up to a whole core from the tools measured, the bigger ones most.
PSS_POLL = 0.100
HTTP_POLL = 0.005  # seconds between GETs while waiting for a rebuilt page


@dataclass(frozen=True)
class Sample:
    """One measured run: seconds, peak summed memory of the process tree, load when it started."""

    seconds: float
    peak_mib: float  # resident set sizes added up (pages shared by forked workers count once per process)
    load: float
    peak_pss_mib: float = 0.0  # proportional set sizes added up (shared pages split between their users)
    # CPU of the command and the children it waited for, in user space and in the kernel: on this machine's
    # file system, creating files soon after many were deleted costs kernel time (see the README)
    user_seconds: float = 0.0
    system_seconds: float = 0.0


class CommandFailed(RuntimeError):
    """A measured command exited non-zero or timed out."""


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, from /proc/PID/task/TID/children."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    queue += [int(child) for child in children.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # the process ended between two reads
    return found


def resident_bytes(pid: int) -> int:
    """Resident set size of one process (0 when it has gone)."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * PAGE
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0


def proportional_bytes(pid: int) -> int:
    """Proportional set size of one process from smaps_rollup (0 when it has gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


class TreeMemory(threading.Thread):
    """Polls a process tree (RSS every ``MEMORY_POLL``, PSS every ``PSS_POLL``) and keeps the largest sums seen."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.peak_pss = 0
        self.done = threading.Event()

    def run(self) -> None:
        """Sample until ``stop``."""
        next_pss = 0.0
        while not self.done.is_set():
            tree = descendants(self.pid)
            self.peak = max(self.peak, sum(resident_bytes(pid) for pid in tree))
            if time.monotonic() >= next_pss:
                self.peak_pss = max(self.peak_pss, sum(proportional_bytes(pid) for pid in tree))
                next_pss = time.monotonic() + PSS_POLL
            self.done.wait(MEMORY_POLL)

    def stop(self) -> float:
        """Stop sampling; the RSS peak in MiB (``peak_pss`` keeps the other)."""
        self.done.set()
        self.join()
        return self.peak / 2**20

    @property
    def peak_pss_mib(self) -> float:
        """The PSS peak in MiB."""
        return self.peak_pss / 2**20


def run_measured(command: list[str], cwd: Path | None = None, timeout: float = 3600,
                 env: dict[str, str] | None = None) -> Sample:
    """Run ``command`` to the end; raise ``CommandFailed`` with its output's tail when it fails."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    memory = TreeMemory(process.pid)
    memory.start()
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        memory.stop()
        raise CommandFailed(f"{' '.join(command)}: timed out after {timeout:.0f} s") from None
    seconds = time.perf_counter() - start
    peak = memory.stop()
    if process.returncode != 0:
        tail = output.decode("utf-8", "replace")[-3000:]
        raise CommandFailed(f"{' '.join(command)}: exit {process.returncode}\n{tail}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Sample(seconds, peak, load, memory.peak_pss_mib, after.ru_utime - before.ru_utime,
                  after.ru_stime - before.ru_stime)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> str | None:
    """The body of a GET, or None when the server does not answer with 200 (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace") if response.status == 200 else None
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, OSError):
        return None  # not up yet, or a file being rewritten under the server


def wait_for_text(url: str, text: str, since: float, timeout: float) -> float:
    """Seconds from ``since`` (a perf_counter value) until GET ``url`` returns a page containing ``text``."""
    while time.perf_counter() - since < timeout:
        body = fetch(url)
        if body is not None and text in body:
            return time.perf_counter() - since
        time.sleep(HTTP_POLL)
    raise CommandFailed(f"{url} did not show {text!r} within {timeout:.0f} s")


class Server:
    """A dev server in a subprocess, its process tree's memory watched while it lives."""

    def __init__(self, command: list[str], log: Path, cwd: Path | None = None, env: dict[str, str] | None = None):
        self.log_path = log
        self.log = open(log, "wb")
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.memory = TreeMemory(self.process.pid)
        self.memory.start()

    def count(self, text: str) -> int:
        """How often ``text`` appears in the server's output so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace").count(text)

    def wait_for_count(self, text: str, count: int, timeout: float) -> None:
        """Wait until ``text`` has appeared ``count`` times: the server has finished that many builds."""
        start = time.perf_counter()
        while self.count(text) < count:
            if time.perf_counter() - start > timeout or not self.alive():
                raise CommandFailed(f"the server did not finish its build; see {self.log_path}")
            time.sleep(0.05)

    def alive(self) -> bool:
        """Whether the server process still runs."""
        return self.process.poll() is None

    def stop(self) -> tuple[float, float]:
        """Stop the server and its children; peak RSS and PSS sums of the tree in MiB."""
        peak = self.memory.stop(), self.memory.peak_pss_mib
        if self.alive():
            os.killpg(self.process.pid, 2)  # SIGINT: the servers' own clean shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        self.log.close()
        return peak


def wait_until_served(server: Server, ready: str, urls: list[str], timeout: float) -> str:
    """The first of ``urls`` that answers 200 once the server's log shows ``ready`` (its first build finished).

    Waiting for the log line, not just a 200, matters: a server may serve a previous build's output
    while its first build still runs, and a save made before its watcher starts is never noticed.
    """
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if not server.alive():
            raise CommandFailed(f"the server exited before serving; see {server.log_path}")
        if server.count(ready):
            for url in urls:
                if fetch(url) is not None:
                    return url
        time.sleep(0.05)
    raise CommandFailed(f"no page served within {timeout:.0f} s: {urls}; see {server.log_path}")
