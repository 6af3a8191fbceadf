"""graph_api.heap: what a serving process sets the collector to once it has started."""

from __future__ import annotations

import gc

from graph_api import heap


def test_settle_freezes_the_start_up_heap_and_spaces_young_collections() -> None:
    before = gc.get_threshold()
    try:
        heap.settle(young=12_345)
        assert gc.get_freeze_count() > 1000  # this test process's modules, at least
        assert gc.get_threshold() == (12_345, before[1], before[2])

        class Cycle:
            pass

        # Cycles made after start-up are still found (the frozen objects alone are skipped).
        first, second = Cycle(), Cycle()
        first.other, second.other = second, first  # type: ignore[attr-defined]
        del first, second
        assert gc.collect() >= 2
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
