"""Sliding-window counters in this process's memory, for one event loop: `limits`' extension
point (a `Storage` with the sliding-window methods) filled for the embedded mode.

Why not `limits.storage.MemoryStorage`: it is built for many threads, and each request paid
for that. It takes a lock per key, runs every method through several exception-translating
layers, and after any write starts a sweeper thread 10 ms later if the last one has finished,
which under load is a thread every 10 ms. Together that cost as much as the rest of the
middleware stack (`python -m bench middleware`; bench/README.md has the figures).

Here every call comes from the event loop's one thread, so there are no locks and no threads.
A counter that has expired is dropped when it is read, and the counters of clients that
stopped calling are swept out inline at most once every `sweep_interval_s`, so memory stays
bounded by the clients seen in the last two windows.

Only the storage is ours. The strategy (`limits.strategies.SlidingWindowCounterRateLimiter`),
limit parsing and keys stay `limits`'. The window arithmetic follows the library's own memory
store, and `tests/api/test_ratelimit_memory.py` checks that both decide and report alike.
"""

from __future__ import annotations

import time
from math import floor

from limits.storage import Storage
from limits.storage.base import SlidingWindowCounterSupport, TimestampedSlidingWindow


class LoopMemoryStorage(Storage, SlidingWindowCounterSupport, TimestampedSlidingWindow):
    """Counters in a dict: key → (count, expires_at). Not thread-safe, by design (see above)."""

    STORAGE_SCHEME = None  # built directly, never from a "scheme://" URI

    def __init__(self, *, sweep_interval_s: float = 10.0) -> None:
        super().__init__()
        self._counts: dict[str, tuple[int, float]] = {}
        self.sweep_interval_s = sweep_interval_s
        self._next_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError  # nothing here raises anything for `limits` to translate

    def __len__(self) -> int:
        """How many counters are held (expired ones included until they are swept)."""
        return len(self._counts)

    # -- the sliding window counter -----------------------------------------------------------

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        if amount > limit:
            return False
        now = time.time()
        self._sweep_if_due(now)
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        previous, previous_ttl, current, _ = self._window(previous_key, current_key, expiry, now)
        if floor(previous * previous_ttl / expiry + current) + amount > limit:
            return False
        # A new current window's counter lives for two windows: it is the next one's previous.
        self._add(current_key, amount, 2 * expiry, now)
        return True

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        now = time.time()
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        return self._window(previous_key, current_key, expiry, now)

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        for window_key in self.sliding_window_keys(key, expiry, time.time()):
            self._counts.pop(window_key, None)

    def _window(
        self, previous_key: str, current_key: str, expiry: int, now: float
    ) -> tuple[int, float, int, float]:
        """(previous count, its time left to weigh, current count, current window's TTL)."""
        previous = self._live(previous_key, now)
        previous_ttl = 0.0 if previous == 0 else (1 - ((now - expiry) / expiry) % 1) * expiry
        current_ttl = (1 - (now / expiry) % 1) * expiry + expiry
        return previous, previous_ttl, self._live(current_key, now), current_ttl

    # -- plain counters (the rest of `limits`' Storage interface) ------------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._add(key, amount, expiry, time.time())

    def get(self, key: str) -> int:
        return self._live(key, time.time())

    def get_expiry(self, key: str) -> float:
        now = time.time()
        entry = self._counts.get(key)
        return entry[1] if entry is not None and entry[1] > now else now

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        held = len(self._counts)
        self._counts.clear()
        return held

    def clear(self, key: str) -> None:
        self._counts.pop(key, None)

    # -- internals ----------------------------------------------------------------------------

    def _live(self, key: str, now: float) -> int:
        entry = self._counts.get(key)
        if entry is None:
            return 0
        if entry[1] <= now:
            del self._counts[key]
            return 0
        return entry[0]

    def _add(self, key: str, amount: int, expiry: int, now: float) -> int:
        """Add to a live counter (keeping its expiry), or start one that expires in `expiry`."""
        entry = self._counts.get(key)
        if entry is None or entry[1] <= now:
            self._counts[key] = (amount, now + expiry)
            return amount
        count = entry[0] + amount
        self._counts[key] = (count, entry[1])
        return count

    def _sweep_if_due(self, now: float) -> None:
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_interval_s
        expired = [key for key, (_, expires) in self._counts.items() if expires <= now]
        for key in expired:
            del self._counts[key]
