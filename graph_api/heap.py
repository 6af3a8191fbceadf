"""The cyclic garbage collector, set for a process that serves requests.

CPython's defaults suit short scripts, not a server that holds ~150,000 long-lived objects
(modules, the schema, caches) and allocates thousands of short-lived containers per request:
it ran a young collection every 700 allocations and, every so often, a full collection over
everything alive, which never finds anything among the long-lived objects. Timed with
`gc.callbacks` in one process serving 2,000 group pages (scale C data, a loaded 2-core
machine): the collector took 0.85 ms per request with the defaults, 0.16 ms with what
`settle` sets.

`settle` runs once a serving process has started (`graph-api serve`, each worker): it
collects what start-up left, freezes what is alive (`gc.freeze`: never scanned again; a
frozen object that later becomes cyclic garbage is kept, which start-up's objects do not
do), and collects the young generation every `young` allocations. Request garbage is freed
by reference counting as before; cycles are still collected, later and in fewer passes.
A served request itself leaves none (tests/api/test_reference_cycles.py): the collector
finds only what start-up and background work leave.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


def settle(young: int = YOUNG_THRESHOLD) -> None:
    """Freeze what start-up made and space the young collections (see the module)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, old)
