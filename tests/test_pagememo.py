"""Page and derived-value keys: the same values give the same digest in any process, other values another."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fraudsite.build import BuildOptions, load_site, plan_outputs
from fraudsite.pagememo import Digester, Unkeyable
from fraudsite.render import Page
from sitekit import FIXTURE_NOW, at, copy_fixture


@dataclass(frozen=True)
class Shown:
    title: str
    tags: tuple[str, ...]
    when: datetime
    lines: tuple[int, ...] = field(default=(), metadata={"digest": False})  # no output shows it


LEAVES = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
          | st.binary(max_size=8) | st.dates() | st.datetimes(timezones=st.just(timezone(timedelta(hours=8))))
          | st.builds(Path, st.text(alphabet="abc/", max_size=6)))
SHOWN = st.builds(Shown, st.text(max_size=6), st.tuples(st.text(max_size=4)), st.datetimes(), st.tuples(st.integers()))
VALUES = st.recursive(LEAVES | SHOWN, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=4)
                      | st.frozensets(st.text(max_size=4), max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(VALUES)
def test_equal_values_made_apart_have_one_digest(value):
    assert Digester().digest(value) == Digester().digest(copy.deepcopy(value))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(VALUES)
def test_the_c_encoder_writes_what_jsons_own_encoder_writes(value):
    digester = Digester()
    own = json.JSONEncoder(sort_keys=True, check_circular=False, separators=(",", ":"), default=digester._token)
    assert digester._encode(value) == own.encode(value)


def canonical(value):
    """What a digest tells apart: a list and a tuple alike, a dict in any order, fields that count."""
    if isinstance(value, (list, tuple)):
        return ("sequence", tuple(canonical(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((key, canonical(item)) for key, item in value.items())))
    if isinstance(value, frozenset):
        return ("set", tuple(sorted(value)))
    if isinstance(value, Shown):
        return ("Shown", value.title, value.tags, value.when)
    return (type(value).__name__, repr(value))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.dictionaries(st.text(max_size=6), VALUES, min_size=1, max_size=4), st.data())
def test_changing_any_one_value_changes_the_digest(context, data):
    key = data.draw(st.sampled_from(sorted(context)))
    other = data.draw(VALUES)
    assume(canonical(other) != canonical(context[key]))
    assert Digester().digest(context) != Digester().digest({**context, key: other})


def test_a_field_no_output_shows_does_not_count_and_dict_order_does_not_either():
    when = datetime(2026, 3, 1, 9, 0)
    assert (Digester().digest(Shown("题", ("标签",), when, (1, 2)))
            == Digester().digest(Shown("题", ("标签",), when, (7,))))
    assert Digester().digest({"a": 1, "b": [2, 3]}) == Digester().digest({"b": [2, 3], "a": 1})
    assert Digester().digest({"a": 1}) != Digester().digest({"a": "1"}) != Digester().digest({"a": True})


@settings(max_examples=200, deadline=None, derandomize=True)
@given(VALUES)
def test_a_value_has_one_digest_whether_asked_first_or_again(value):
    # A dataclass asked for on its own the first time once got the hash of its token, later the token:
    # a store key then depended on which channel happened to digest an item first.
    digester, seen_inside_first = Digester(), Digester()
    seen_inside_first.digest([value])
    first = digester.digest(value)
    assert digester.digest(value) == first == seen_inside_first.digest(value)


def test_what_cannot_be_written_down_is_unkeyable():
    with pytest.raises(Unkeyable):
        Digester().digest({"f": lambda: 1})
    with pytest.raises(Unkeyable):
        Digester().digest({(1, 2): "tuple key"})


DIGEST_IN_A_NEW_PROCESS = """
import sys
sys.path.insert(0, sys.argv[1])
from fraudsite.pagememo import Digester
value = {"tags": {"诈骗", "刷单", "校园贷", "冒充客服"}, "order": dict.fromkeys(["z", "a", "m"], 1)}
print(Digester().digest(value).decode())
"""


def test_digests_do_not_depend_on_the_processs_string_hashing():
    tests = str(Path(__file__).parent)
    digests = {subprocess.run([sys.executable, "-c", DIGEST_IN_A_NEW_PROCESS, tests], capture_output=True, text=True,
                              check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in "0123"}
    assert len(digests) == 1 and digests.pop().startswith("#")


def test_every_page_of_a_site_has_a_key(tmp_path):
    """A page without one is rendered on every build: the memo must know every page of the sample site."""
    fixture = copy_fixture(tmp_path)
    options = BuildOptions(site_dir=fixture, out_dir=fixture / "build", config_path=fixture / "fraudsite.yaml",
                           now=at(FIXTURE_NOW))
    site = load_site(options)[0]
    digester = Digester()
    pages = [output for output in plan_outputs(site, fixture) if isinstance(output, Page)]
    keys = [digester.digest(page.context) for page in pages]  # raises Unkeyable for a page without one
    assert len(set(keys)) > 50  # (two aliases of one page share their context)
    assert keys == [Digester().digest(page.context) for page in pages]
