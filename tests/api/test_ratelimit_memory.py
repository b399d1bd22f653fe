"""The embedded mode's rate-limit store decides and reports exactly as `limits`' own memory
store, keeps memory bounded, and starts no threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import limits.storage
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from limits import RateLimitItem, parse
from limits.strategies import SlidingWindowCounterRateLimiter

from denialops.api.ratelimit_memory import LoopMemoryStorage

ITEMS = [parse("3/minute"), parse("2/second"), parse("5/hour"), parse("1/second")]
EVERY_SECOND = parse("1/second")  # counters outlive two seconds: quick to expire in a test
START = 1_789_999_200.0  # a whole hour: windows (aligned to the epoch) start here


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@contextmanager
def frozen_time() -> Iterator[Clock]:
    """`time.time`, as both stores and the strategy read it, under the test's control."""
    clock = Clock()
    with mock.patch("time.time", clock):
        yield clock


steps = st.lists(
    st.tuples(
        # Seconds to wait first: mostly within a 1- or 2-second window, sometimes minutes.
        st.one_of(st.floats(min_value=0, max_value=2.5), st.floats(min_value=0, max_value=90)),
        st.sampled_from(["alice", "bob"]),
        st.integers(min_value=0, max_value=len(ITEMS) - 1),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_it_allows_refuses_and_reports_as_the_library_store_does(
    script: list[tuple[float, str, int]],
) -> None:
    with frozen_time() as clock:
        ours = SlidingWindowCounterRateLimiter(LoopMemoryStorage())
        theirs = SlidingWindowCounterRateLimiter(limits.storage.MemoryStorage())
        for wait, client, which in script:
            clock.now += wait
            item = ITEMS[which]
            assert ours.hit(item, client) == theirs.hit(item, client)
            assert ours.get_window_stats(item, client) == theirs.get_window_stats(item, client)
            assert ours.test(item, client) == theirs.test(item, client)


def test_a_burst_is_cut_at_the_limit_and_the_window_slides() -> None:
    item = parse("10/minute")
    with frozen_time() as clock:
        limiter = SlidingWindowCounterRateLimiter(LoopMemoryStorage())
        burst = [limiter.hit(item, "c") for _ in range(12)]
        clock.now += 60  # the burst is now the previous window, weighing 100% at its start
        assert not limiter.hit(item, "c")
        clock.now += 30  # half of it still weighs: 5 of 10 used
        allowed_later = [limiter.hit(item, "c") for _ in range(6)]
    assert burst == [True] * 10 + [False] * 2
    assert allowed_later == [True] * 5 + [False]


def test_counters_of_clients_that_left_are_swept() -> None:
    item = EVERY_SECOND
    with frozen_time() as clock:
        store = LoopMemoryStorage(sweep_interval_s=5)
        limiter = SlidingWindowCounterRateLimiter(store)
        for n in range(1_000):
            limiter.hit(item, f"client-{n}")
        held = len(store)
        clock.now += 10  # every counter has outlived its two windows, and a sweep is due
        limiter.hit(item, "newcomer")
    assert held == 1_000
    assert len(store) == 1


def test_a_sweep_runs_at_most_once_per_interval() -> None:
    item = EVERY_SECOND
    with frozen_time() as clock:
        store = LoopMemoryStorage(sweep_interval_s=60)
        limiter = SlidingWindowCounterRateLimiter(store)
        limiter.hit(item, "first")  # sweeps (nothing yet) and schedules the next for +60 s
        for n in range(100):
            limiter.hit(item, f"client-{n}")
        clock.now += 10  # all expired, but the next sweep is not due: they wait, unread
        limiter.hit(item, "later")
    assert len(store) == 102


def test_counting_starts_no_thread() -> None:
    # `limits`' own memory store starts a sweeper thread after writes; this one never does.
    item = parse("1000/second")
    limiter = SlidingWindowCounterRateLimiter(LoopMemoryStorage())
    before = set(threading.enumerate())
    for n in range(2_000):
        limiter.hit(item, f"c{n % 7}")
    # New threads, not a count: an earlier test's sweeper thread may end meanwhile.
    assert set(threading.enumerate()) - before == set()


@pytest.mark.parametrize("item", ITEMS)
def test_clearing_forgets_a_client(item: RateLimitItem) -> None:
    with frozen_time():
        limiter = SlidingWindowCounterRateLimiter(LoopMemoryStorage())
        while limiter.hit(item, "c"):
            pass
        limiter.clear(item, "c")
        assert limiter.hit(item, "c")


def test_plain_counters_expire() -> None:
    with frozen_time() as clock:
        store = LoopMemoryStorage()
        assert store.incr("k", 10) == 1
        assert store.incr("k", 10, amount=2) == 3
        assert store.get_expiry("k") == START + 10
        clock.now += 10
        assert store.get("k") == 0
        assert store.incr("k", 10) == 1  # a fresh counter with a fresh expiry
        assert store.get_expiry("k") == START + 20
        assert store.reset() == 1
        assert store.check()
