"""Work in forked processes gives what the same work gives in this one."""

from __future__ import annotations

import os

import pytest

from fraudsite.errors import BuildFailed, problem
from fraudsite.parallel import in_background


@pytest.fixture
def forking(monkeypatch):
    monkeypatch.setenv("FRAUDSITE_WORKERS", "2")
    monkeypatch.setenv("FRAUDSITE_PARALLEL_MINIMUM", "1")


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


def test_small_work_is_done_here_at_once(forking, monkeypatch):
    monkeypatch.delenv("FRAUDSITE_PARALLEL_MINIMUM")
    parent = os.getpid()
    assert in_background(os.getpid, 200, 10)() == parent
