"""The OBS loop guard: a key that keeps firing a trigger in quick succession is cut off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from welkin.functions.triggers.loop_guard import LoopGuard

T0 = datetime(2026, 11, 30, tzinfo=UTC)


def test_a_looping_key_is_cut_off_and_comes_back_after_quiet() -> None:
    guard = LoopGuard(max_chain=3, quiet=timedelta(seconds=60))
    moments = [T0 + timedelta(seconds=i) for i in range(5)]
    assert [guard.admit("t", "b", "k", m) for m in moments] == [True, True, True, False, False]
    # Other keys and other triggers are not held back.
    assert guard.admit("t", "b", "other", moments[-1])
    assert guard.admit("t2", "b", "k", moments[-1])
    assert guard.admit("t", "b", "k", moments[-1] + timedelta(seconds=60))


def test_occasional_changes_never_trip_it() -> None:
    guard = LoopGuard(max_chain=3, quiet=timedelta(seconds=60))
    assert all(guard.admit("t", "b", "k", T0 + timedelta(minutes=2 * i)) for i in range(20))
