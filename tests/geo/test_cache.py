"""geo.cache: values kept for a time, by key or alone, loaded once, safe across threads."""

import math
import threading
import time

import pytest

from geo.cache import Cache, CachedValue


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Loads:
    """A loader that counts its calls and answers with the count."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def test_a_value_is_kept_for_its_time_to_live():
    clock, load = Clock(), Loads()
    kept = CachedValue(5.0, clock=clock)
    assert kept.get(load) == 1
    clock.now += 5.0
    assert kept.get(load) == 1  # exactly ttl_s old is still kept
    clock.now += 0.001
    assert kept.get(load) == 2
    assert load.calls == 2


def test_fresh_loads_again_and_keeps_the_new_value():
    clock, load = Clock(), Loads()
    kept = CachedValue(60.0, clock=clock)
    assert kept.get(load) == 1
    clock.now += 1
    assert kept.get(load, fresh=True) == 2
    assert kept.get(load) == 2


def test_invalidate_forgets_the_value():
    load = Loads()
    kept = CachedValue(clock=Clock())
    assert kept.get(load) == 1 and kept.get(load) == 1
    kept.invalidate()
    assert kept.get(load) == 2


def test_without_a_time_to_live_values_stay():
    clock, load = Clock(), Loads()
    cache = Cache(clock=clock)
    assert cache.ttl_s == math.inf
    assert cache.get("a", load) == 1
    clock.now += 1e9
    assert cache.get("a", load) == 1


def test_keys_are_kept_apart_and_invalidated_one_by_one():
    clock = Clock()
    cache: Cache[str, str] = Cache(10.0, clock=clock)
    assert cache.get("a", lambda: "A") == "A"
    assert cache.get("b", lambda: "B") == "B"
    assert cache.get("a", lambda: "other") == "A"
    cache.invalidate("a")
    assert cache.get("a", lambda: "A2") == "A2"
    assert cache.get("b", lambda: "other") == "B"
    cache.clear()
    assert len(cache) == 0
    assert cache.get("b", lambda: "B2") == "B2"


def test_peek_never_loads_and_tells_a_kept_none_from_a_miss():
    clock = Clock()
    cache: Cache[str, int | None] = Cache(5.0, clock=clock)
    miss = object()
    assert cache.peek("a", miss) is miss
    cache.get("a", lambda: None)
    assert cache.peek("a", miss) is None
    clock.now += 6
    assert cache.peek("a", miss) is miss
    assert len(cache) == 1  # peeking removes nothing


def test_the_least_recently_used_key_goes_beyond_max_entries():
    cache: Cache[str, str] = Cache(max_entries=2, clock=Clock())
    cache.get("a", lambda: "A")
    cache.get("b", lambda: "B")
    cache.get("a", lambda: "unused")  # "a" is now the most recently used
    cache.get("c", lambda: "C")
    assert len(cache) == 2
    assert cache.peek("b", None) is None
    assert cache.peek("a", None) == "A" and cache.peek("c", None) == "C"


def test_a_failed_load_keeps_nothing_and_raises():
    cache: Cache[str, int] = Cache(clock=Clock())

    def fail() -> int:
        raise RuntimeError("store down")

    with pytest.raises(RuntimeError, match="store down"):
        cache.get("a", fail)
    assert cache.peek("a", None) is None
    assert cache.get("a", lambda: 7) == 7


def test_a_value_loaded_across_an_invalidation_is_not_kept():
    cache: Cache[str, str] = Cache(clock=Clock())

    def load_then_invalidate() -> str:
        cache.invalidate("a")  # e.g. the catalogue was replaced while it was being read
        return "old"

    assert cache.get("a", load_then_invalidate) == "old"
    assert cache.get("a", lambda: "new") == "new"


@pytest.mark.parametrize(("ttl_s", "max_entries"), [(-1.0, None), (math.nan, None), (1.0, 0)])
def test_bad_limits_are_refused(ttl_s, max_entries):
    with pytest.raises(ValueError):
        Cache(ttl_s, max_entries=max_entries)


def test_threads_asking_for_one_key_share_one_load():
    cache: Cache[str, int] = Cache()
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow() -> int:
        calls.append(1)
        started.set()
        release.wait(5)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get("k", slow))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    assert started.wait(5)
    # Meanwhile another key is answered at once.
    assert cache.get("other", lambda: 1) == 1
    time.sleep(0.05)
    release.set()
    for t in threads:
        t.join(5)
    assert results == [42] * 8
    assert len(calls) == 1
