"""Python's garbage collector during a build.

A build process holds the objects of every imported library (Django, Presidio and spaCy, numba,
Arrow, matplotlib: a few hundred thousand), and a full collection walks all of them: a few
hundred milliseconds each time the build's allocations happen to trigger one. None of them
becomes garbage while the build runs, and the build's own objects are short-lived and freed by
reference counting, so the heap as it stands when the build starts is set aside (``gc.freeze``)
and the youngest generation is collected less often; both are restored afterwards.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between two collections of the youngest generation (Python's default is 700).
YOUNG_THRESHOLD = 20_000


@contextmanager
def collector_set_aside() -> Iterator[None]:
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(previous[0], YOUNG_THRESHOLD), *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
