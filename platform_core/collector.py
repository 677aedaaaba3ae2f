"""Python's garbage collector in Troupe's processes: during an export build, and in the ASGI server.

A process holds the objects of every imported library (Django, Presidio and spaCy, numba,
Arrow, matplotlib: a few hundred thousand), and a full collection walks all of them: a few
hundred milliseconds each time the build's allocations happen to trigger one. None of them
becomes garbage while the build runs, and the build's own objects are short-lived and freed by
reference counting, so the heap as it stands when the build starts is set aside (``gc.freeze``)
and the youngest generation is collected less often; both are restored afterwards.

The ASGI server does the same for good once its application is loaded (``server_heap_warm_and_set_aside``):
a full collection there stopped every socket of the process for 0.3–0.4 s, several times a minute
under a chat load (measured with ``bench/chat_load.py``), which made the tail of the message latency.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between two collections of the youngest generation (Python's default is 700).
YOUNG_THRESHOLD = 20_000


def server_heap_warm_and_set_aside() -> None:
    """For a long-running server, once its application is loaded: build what the first requests
    would otherwise build while someone waits (every URL pattern with the views it imports, which
    the first live match needs for its link; the personal-data analyzer with its patterns compiled,
    which the first chat message needs), then set aside the heap as it stands and collect the
    youngest generation less often."""

    from django.urls import get_resolver

    from platform_core.privacy.analyzer import warm_up

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view module
    warm_up()
    gc.collect()
    gc.freeze()
    _young_collected_less_often(gc.get_threshold())


def _young_collected_less_often(previous: tuple[int, int, int]) -> None:
    gc.set_threshold(max(previous[0], YOUNG_THRESHOLD), *previous[1:])


@contextmanager
def collector_set_aside() -> Iterator[None]:
    previous = gc.get_threshold()
    gc.freeze()
    _young_collected_less_often(previous)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
