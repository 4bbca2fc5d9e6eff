"""Work in forked processes gives what the same work gives in this one."""

from __future__ import annotations

import os
import shutil
import time
import weakref
from functools import partial

import pytest

from fraudsite import parallel
from fraudsite.errors import BuildFailed, problem
from fraudsite.parallel import Message, in_background


class Held:
    """Something background work holds."""


def test_background_work_runs_in_another_process_and_gives_its_result(forking):
    parent = os.getpid()
    result = in_background(lambda: (os.getpid(), ["索引", b"\x00" * 200_000]), 1, 10)  # larger than a pipe holds
    pid, value = result()
    assert pid != parent and value == ["索引", b"\x00" * 200_000]


def test_an_error_in_background_work_is_raised_where_the_result_is_asked_for(forking):
    def fail():
        raise BuildFailed([problem("content/cases/a.md", 3, "E101", "title", "标题不能为空")])

    result = in_background(fail, 1, 10)
    with pytest.raises(BuildFailed) as caught:
        result()
    assert caught.value.problems[0].path == "content/cases/a.md"


def test_background_work_whose_process_dies_is_done_here(forking):
    parent = os.getpid()
    result = in_background(lambda: os.getpid() if os.getpid() == parent else os._exit(3), 1, 10)
    assert result() == parent


def _refuse_to_be_rebuilt():
    raise ValueError("not here")


class Unrebuildable:
    """Pickled in the forked process; rebuilding it here fails."""

    def __reduce__(self):
        return _refuse_to_be_rebuilt, ()


def test_a_result_that_cannot_be_rebuilt_here_is_made_here_and_nothing_waits(forking):
    # Unpickling stops at the first element, with most of the result still in the pipe: the forked process,
    # still writing, must not be waited for (the build would hang), and the work is done here instead.
    parent = os.getpid()
    result = in_background(lambda: (os.getpid(), [Unrebuildable(), b"\x00" * 1_000_000]), 1, 10)
    pid, value = result()
    assert pid == parent and value[1] == b"\x00" * 1_000_000


def test_a_result_that_cannot_be_pickled_whole_is_made_here(forking):
    parent = os.getpid()  # a megabyte is sent before the lambda fails to pickle
    result = in_background(lambda: (os.getpid(), [b"\x00" * 1_000_000, lambda: 0]), 1, 10)
    pid, value = result()
    assert pid == parent and value[0] == b"\x00" * 1_000_000


def test_background_work_forks_no_workers_of_its_own(forking):
    # Cancelled, a background process is killed; workers it had forked would go on and print their tracebacks.
    assert parallel.forks(1, 10)
    assert in_background(lambda: (os.getpid(), parallel.forks(1, 10)), 1, 10)()[1] is False


def test_small_work_is_done_here_at_once(forking, monkeypatch):
    monkeypatch.delenv("FRAUDSITE_PARALLEL_MINIMUM")
    parent = os.getpid()
    assert in_background(os.getpid, 200, 10)() == parent


def test_background_work_that_need_not_be_redone_gives_none_when_its_process_dies(forking):
    parent, ran = os.getpid(), []

    def work():
        if os.getpid() != parent:
            os._exit(3)
        ran.append("here")

    assert in_background(work, 1, 10, retry_here=False)() is None and not ran



def test_background_work_with_its_own_redo_keeps_nothing_of_the_work_here(forking):
    # The search index's documents (170 MB at 10,000 items) were held here while the builder ran, and so
    # inherited by every worker forked meanwhile.
    parent, documents = os.getpid(), Held()
    kept = weakref.ref(documents)
    result = in_background(partial(lambda held: os._exit(3) if os.getpid() != parent else "made here", documents), 1, 10,
                           here=lambda: "read back here")
    del documents
    assert kept() is None
    assert result() == "read back here"


def _sum_of_records(start, records):
    """Work for a new process (found by name there)."""
    return os.getpid(), start + sum(records)


def _in_new_process():
    return parallel.in_new_process(_sum_of_records, (10,), lambda: iter(range(1000)), 1, 10, lambda: ("here", 0))


def test_work_in_a_new_process_reads_its_records_and_gives_its_result(forking):
    pid, total = _in_new_process()()
    assert pid not in (os.getpid(), "here") and total == 10 + sum(range(1000))


def _bytes_of(size, records):
    """Work for a new process whose result is more than a pipe holds."""
    return b"x" * size


def _process_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rpartition(")")[2].split()[0]


def test_a_new_process_ends_before_its_result_is_read(forking):
    # Its memory is gone by then: at 10,000 items a cold build's peak was the search index read back while its
    # builder, waiting to write the rest down a pipe, still held 138 MiB.
    work = parallel.in_new_process(_bytes_of, (2_000_000,), lambda: iter(()), 1, 10, lambda: b"")
    deadline = time.monotonic() + 30
    while _process_state(work.pid) != "Z" and time.monotonic() < deadline:  # ended, not yet reaped
        time.sleep(0.02)
    assert _process_state(work.pid) == "Z"
    assert work() == b"x" * 2_000_000


def test_what_the_new_process_prints_as_it_starts_spoils_nothing(forking, tmp_path, monkeypatch):
    (tmp_path / "sitecustomize.py").write_text("print('启动' * 50_000)\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("PYTHONUNBUFFERED", "1")
    pid, total = _in_new_process()()
    assert pid not in (os.getpid(), "here") and total == 10 + sum(range(1000))


def test_modules_in_the_current_folder_are_not_what_the_new_process_imports(forking, tmp_path, monkeypatch):
    for name in ("pickle", "json", "fraudsite"):
        (tmp_path / f"{name}.py").write_text(f"open({str(tmp_path / 'shadowed')!r}, 'w').close()\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    pid, _ = _in_new_process()()
    assert pid not in (os.getpid(), "here") and not (tmp_path / "shadowed").exists()


def test_work_is_done_here_when_no_new_process_can_be_started(forking, monkeypatch):
    monkeypatch.setattr(parallel.tempfile, "TemporaryFile", lambda: open("/dev/full", "w+b"))  # no room for the task
    assert _in_new_process()() == ("here", 0)


def _failing(start, records):
    raise ValueError("索引出错")


def test_with_debug_on_why_the_new_process_failed_shows(forking, monkeypatch, capfd):
    here = lambda: ("here", 0)  # noqa: E731
    assert parallel.in_new_process(_failing, (1,), lambda: iter(()), 1, 10, here)() == ("here", 0)
    assert "索引出错" not in capfd.readouterr().err  # not by default: the work is simply done here
    monkeypatch.setenv("FRAUDSITE_DEBUG", "1")  # what --debug sets
    assert parallel.in_new_process(_failing, (1,), lambda: iter(()), 1, 10, here)() == ("here", 0)
    assert "ValueError: 索引出错" in capfd.readouterr().err


def test_work_whose_task_cannot_be_pickled_is_done_here(forking):
    result = parallel.in_new_process(_sum_of_records, (lambda: 0,), lambda: iter(range(3)), 1, 10, lambda: ("here", 0))
    assert result() == ("here", 0)


def test_work_goes_to_a_new_process_also_beside_other_threads(forking, monkeypatch):
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 3)  # serve's watcher and server
    assert not parallel.forks(1, 10)  # no fork beside threads, but a new process is safe
    pid, total = _in_new_process()()
    assert pid not in (os.getpid(), "here") and total == 10 + sum(range(1000))


def test_a_new_process_does_nothing_when_the_code_changed_since_this_one_read_it(forking, monkeypatch):
    import fraudsite.stamp

    monkeypatch.setattr(fraudsite.stamp, "code_stamp", lambda: "0.0.0+an-older-checkout")
    assert _in_new_process()() == ("here", 0)


def test_a_search_index_whose_builder_dies_is_made_here_all_the_same(tmp_path, forking, monkeypatch):
    from fraudsite import searchindex
    from sitekit import build_site, copy_fixture, tree

    site = copy_fixture(tmp_path)
    build_site(site, tmp_path / "whole")
    index_grams, made_here = searchindex.index_grams, []
    monkeypatch.setattr(searchindex, "index_grams", lambda *a, **k: made_here.append(os.getpid()) or index_grams(*a, **k))
    monkeypatch.setenv("FRAUDSITE_FAULT", "new-process")  # the builder, started afresh, dies at once
    shutil.rmtree(site / ".fraudsite-cache")  # a fresh index, its documents made again here
    build_site(site, tmp_path / "again")
    assert made_here == [os.getpid()]
    searched = [{path: data for path, data in tree(tmp_path / out).items() if path.startswith("search/")}
                for out in ("whole", "again")]
    assert searched[0] and searched[0] == searched[1]


def test_a_search_index_is_built_in_a_new_process_as_this_one_would_build_it(tmp_path, forking, monkeypatch):
    from fraudsite import searchindex
    from sitekit import build_site, copy_fixture, tree

    site = copy_fixture(tmp_path)
    parent, index_grams, made_here, forked = os.getpid(), searchindex.index_grams, [], tmp_path / "forked"

    def noting(*args, **kwargs):
        if os.getpid() == parent:
            made_here.append(parent)
        else:  # a fork of this process runs this patched function too; a new process imports its own
            forked.touch()
        return index_grams(*args, **kwargs)

    monkeypatch.setattr(searchindex, "index_grams", noting)
    build_site(site, tmp_path / "beside")
    assert made_here == [] and not forked.exists()
    monkeypatch.setenv("FRAUDSITE_WORKERS", "1")
    shutil.rmtree(site / ".fraudsite-cache")
    build_site(site, tmp_path / "here")
    assert made_here == [os.getpid()]
    searched = [{path: data for path, data in tree(tmp_path / out).items() if path.startswith("search/")}
                for out in ("beside", "here")]
    assert searched[0] and searched[0] == searched[1]


def test_a_message_sent_ahead_of_the_result_never_waits_to_be_read(forking):
    # The paths a forked process planned (``fraudsite.ahead``), more than a pipe holds: it goes on (here, to its
    # result) while this process is busy elsewhere, and they are read after.
    message, paths = Message(), [f"wechat/cases/{n:05}/index.html" for n in range(10_000)]
    result = in_background(lambda: message.send((False, paths)) or "made", 1, 10)
    message.forked()
    assert result() == "made"
    assert message.receive() == (True, (False, paths))


def test_a_message_whose_sender_died_before_sending_is_known_not_to_come(forking):
    message = Message()
    result = in_background(lambda: os._exit(3), 1, 10, retry_here=False)
    message.forked()
    assert message.receive() == (False, None) and result() is None


def test_background_work_no_longer_wanted_is_stopped_at_once(forking):
    import time

    work = in_background(lambda: time.sleep(60), 1, 10)
    started = time.perf_counter()
    work.cancel()
    assert time.perf_counter() - started < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(work.pid, os.WNOHANG)  # reaped: no zombie left behind


def test_a_build_that_fails_after_search_began_its_index_stops_that_work(tmp_path, forking, monkeypatch):
    from fraudsite.channels import search, wechat
    from sitekit import build_site, copy_fixture

    begun = []
    real = parallel.in_new_process

    def noting(*args, **kwargs):
        begun.append(real(*args, **kwargs))
        return begun[-1]

    def broken(site):
        raise BuildFailed([problem("fraudsite.yaml", 1, "E501", "wechat", "公众号设置有误")])

    monkeypatch.setattr(search, "in_new_process", noting)
    monkeypatch.setattr(wechat, "plan", broken)
    site = copy_fixture(tmp_path)
    with pytest.raises(BuildFailed):
        build_site(site)
    assert begun and all(work.done is not None for work in begun)  # finished or stopped, not left running
    assert not (site / "build").exists()


def test_a_small_job_is_shared_between_the_workers(forking, tmp_path):
    # Forty slow items (a build's QR codes) once went to one worker as a single chunk of 64. Each item here
    # waits until both workers have begun one (ten seconds at most): with a single chunk, only one ever does.
    began = tmp_path / "began"
    began.touch()
    start = time.monotonic()

    def pid_once_both_began(_: int) -> int:
        with began.open("a") as noted:
            noted.write(f"{os.getpid()}\n")
        while len(set(began.read_text().split())) < 2 and time.monotonic() < start + 10:
            time.sleep(0.01)
        return os.getpid()

    pids = list(parallel.ordered_map(pid_once_both_began, list(range(40))))
    assert len(pids) == 40 and os.getpid() not in pids and len(set(pids)) == 2


def test_data_files_are_made_in_the_workers_also_when_out_is_compared(tmp_path, forking, monkeypatch):
    # After an edit of fraudsite.yaml every WeChat article.json is made again: in this process that was a
    # third of a second at 1,000 items while the workers idled.
    from fraudsite.channels import wechat
    from sitekit import build_site, copy_fixture

    makers = tmp_path / "makers.txt"
    real = wechat.article_json

    def noting(*args, **kwargs):
        with makers.open("a") as noted:
            noted.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(wechat, "article_json", noting)
    site = copy_fixture(tmp_path)
    build_site(site)
    config = site / "fraudsite.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("title: ", "title: 新", 1), encoding="utf-8")
    makers.unlink()
    build_site(site)
    pids = makers.read_text().split()
    assert pids and str(os.getpid()) not in pids
    assert all("新测试学院反诈专栏" in path.read_text(encoding="utf-8")
               for path in (site / "build/wechat").rglob("article.json"))  # made with the new title


def test_long_work_is_done_by_workers_forked_afresh_each_round(forking, monkeypatch):
    # A worker's memory drifts from the build process's as it renders (reference counts, its own objects in
    # the inherited heap), so long work goes to a fresh pair of workers every ROUND chunks per worker.
    monkeypatch.setattr(parallel, "ROUND", 2)
    monkeypatch.setattr(parallel, "CHUNK", 5)
    results = list(parallel.ordered_map(lambda n: (n * n, os.getpid()), list(range(100))))
    assert [square for square, _ in results] == [n * n for n in range(100)]
    pids = [pid for _, pid in results]
    assert os.getpid() not in pids
    assert len(set(pids)) >= 5  # 20 chunks, 4 a round: five rounds, each of its own one or two workers
    # a worker of one round does no chunk of another: each round's results come from its own two processes
    rounds = [set(pids[start:start + 20]) for start in range(0, 100, 20)]
    assert all(len(pids_of_round) <= 2 for pids_of_round in rounds)
    assert all(not (a & b) for a, b in zip(rounds, rounds[1:]))


def test_a_preview_forks_its_workers_afresh_more_often(forking, monkeypatch):
    monkeypatch.setattr(parallel, "CHUNK", 5)

    def pids() -> list[int]:  # 20 chunks of 5
        return [pid for _, pid in parallel.ordered_map(lambda n: (n, os.getpid()), list(range(100)))]

    assert len(set(pids())) <= 2  # one round: a build's rounds hold 40 chunks a worker
    with parallel.rounds_of(2):
        assert len(set(pids())) >= 5  # 4 chunks a round: five rounds
    assert len(set(pids())) <= 2


def test_work_stopped_between_rounds_leaves_no_worker_running(forking, monkeypatch):
    import multiprocessing

    monkeypatch.setattr(parallel, "ROUND", 1)
    monkeypatch.setattr(parallel, "CHUNK", 2)
    results = parallel.ordered_map(lambda n: n, list(range(40)))
    # the first round's results, its last ones handed out while the next round's workers have been forked
    assert [next(results) for _ in range(4)] == [0, 1, 2, 3]
    results.close()
    assert multiprocessing.active_children() == []  # every worker ended and reaped


def test_background_work_that_holds_a_core_leaves_the_other_to_this_process(forking):
    # The search index is built beside the next channels' planning: on two cores, workers forked meanwhile
    # would each copy this process's heap beside the builder's (811 MB for the tree at 10,000 items).
    parent = os.getpid()
    held = in_background(lambda: time.sleep(0.5) or os.getpid(), 1, 10, holds_core=True)
    assert parallel.worker_count() == 1 and not parallel.forks(1, 10)
    assert set(parallel.ordered_map(lambda n: os.getpid(), list(range(20)))) == {parent}
    assert held() != parent
    assert parallel.worker_count() == 2
    assert parent not in set(parallel.ordered_map(lambda n: os.getpid(), list(range(20))))
    cancelled = in_background(lambda: time.sleep(60), 1, 10, holds_core=True)
    assert parallel.worker_count() == 1
    cancelled.cancel()
    assert parallel.worker_count() == 2


def test_wechat_articles_are_made_here_while_the_search_index_is_built_beside(tmp_path, forking, monkeypatch):
    from fraudsite.channels import wechat
    from sitekit import build_site, copy_fixture

    makers, real = [], wechat.make_article
    monkeypatch.setattr(wechat, "make_article", lambda *a, **k: makers.append(os.getpid()) or real(*a, **k))
    build_site(copy_fixture(tmp_path))
    assert makers and set(makers) == {os.getpid()}  # a worker's call would not show here
    assert parallel.worker_count() == 2  # the builder's core is given back


def test_ctrl_c_while_a_pool_starts_its_workers_leaves_none_running(forking, monkeypatch):
    # multiprocessing's Pool ends the workers it started only after an Exception: Ctrl-C at that moment
    # left them blocked for good, each holding a copy of the build's memory.
    import multiprocessing
    import multiprocessing.pool
    import signal
    import threading

    start_workers = multiprocessing.pool.Pool._repopulate_pool

    def interrupted(self):
        start_workers(self)
        # Ctrl-C, once the workers are forked, to this thread: the build process forks only when it has no other
        # (``parallel.forks``); the suite's process may have some (pytest-xdist's), which would take it at once.
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    monkeypatch.setattr(multiprocessing.pool.Pool, "_repopulate_pool", interrupted)
    with pytest.raises(KeyboardInterrupt):
        list(parallel.ordered_map(lambda n: n, list(range(40))))
    assert multiprocessing.active_children() == []


def _collector_on(_) -> bool:
    import gc

    return gc.isenabled()


def test_work_left_unfinished_when_the_pause_ends_does_not_turn_the_collector_off_later():
    # Work done here turns the collector on for its while and off again when it ends; a generator left
    # unfinished ends when it is collected, which may be long after the build's pause, and it turned the
    # collector off then for good (the next test found it off, in one CI run).
    import gc

    from fraudsite.build import collection_paused

    with collection_paused():
        unfinished = parallel.ordered_map(_collector_on, [None, None], minimum=10)  # done here
        assert next(unfinished) is True
    assert gc.isenabled()
    del unfinished  # ended only now
    assert gc.isenabled()
    with collection_paused():  # and within a pause, ending one leaves the pause as it was
        unfinished = parallel.ordered_map(_collector_on, [None, None], minimum=10)
        assert next(unfinished) is True
        del unfinished
        assert not gc.isenabled()
    assert gc.isenabled()


def test_work_collects_cycles_while_the_build_process_has_paused_collection(forking):
    # The build process pauses the cycle collector while it loads and plans, whose collections freed next to
    # nothing; rendering leaves cycles, which a round of workers, or a preview rendering in its own process, would
    # otherwise keep until the build ends.
    import gc

    from fraudsite.build import collection_paused

    with collection_paused():
        assert not gc.isenabled()
        in_workers = list(parallel.ordered_map(_collector_on, range(4), minimum=2))
        in_background_process = in_background(partial(_collector_on, None), 1, 10)()
        here = list(parallel.ordered_map(_collector_on, [None]))  # one item: not forked for
        assert not gc.isenabled()
    assert in_workers == [True] * 4 and here == [True] and in_background_process is True
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():  # a caller's own pause outlasts the build's
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


_STOPPED_WHILE_STARTING = """
import os, signal, sys, time
from pathlib import Path
from fraudsite import parallel

def clean_stop(*_):  # serve's SIGTERM handler
    raise KeyboardInterrupt

signal.signal(signal.SIGTERM, clean_stop)
marker = Path(sys.argv[1])
with parallel._pool(1) as pool:
    while not marker.exists():  # the worker has been forked and not yet set its signals
        time.sleep(0.01)
    worker = pool._pool[0]
    os.kill(worker.pid, signal.SIGTERM)  # as Pool.terminate ends it
    del os.environ["FRAUDSITE_FAULT"]  # a worker forked to replace it starts at once
    marker.unlink()
    deadline = time.monotonic() + 30
    # Not worker.join(): the pool's own thread reaps an ended worker too, and a wait that loses that race finds
    # no child (ECHILD) and gives None until the pool's thread has noted the exit code
    while worker.exitcode is None and time.monotonic() < deadline:
        time.sleep(0.01)
    print("exit", worker.exitcode, flush=True)
print("done", flush=True)
"""


def test_a_worker_stopped_before_it_has_set_its_signals_ends_all_the_same(tmp_path):
    """A worker inherits the forking process's signal handlers until it sets its own. Serve's turned the SIGTERM
    of ``Pool.terminate`` into a KeyboardInterrupt in a worker just forked (a traceback), or, caught just as the
    worker set its own, Python dropped it and the worker waited forever for the queue's lock the pool held: a
    preview whose first build ended before its second worker had started hung, pool and all."""
    import subprocess
    import sys

    marker = tmp_path / "forked"
    done = subprocess.run([sys.executable, "-c", _STOPPED_WHILE_STARTING, str(marker)], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "FRAUDSITE_FAULT": f"worker:pause={marker}"})
    assert done.stdout == "exit -15\ndone\n", done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_ctrl_c_as_background_work_is_forked_stops_both_processes(forking, monkeypatch):
    """Ctrl-C held back while ``in_background`` forks reaches this process once it lets it through: the forked one,
    which had this one's handlers until it set its own, was left behind (a zombie), or ran this program on."""
    import signal
    import threading

    real_fork, forked = os.fork, []

    def fork_then_ctrl_c() -> int:
        pid = real_fork()
        if pid:
            forked.append(pid)
            os.kill(pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        return pid

    monkeypatch.setattr(parallel.os, "fork", fork_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        in_background(lambda: time.sleep(30), 1, 10)
    with pytest.raises(ChildProcessError):  # killed and reaped already
        os.waitpid(forked[0], os.WNOHANG)
