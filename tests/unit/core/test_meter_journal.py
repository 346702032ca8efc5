"""The meter journal on a real directory: appends, reads between positions, torn and corrupt
lines dropped and counted, segments rolled and deleted, one process at a time."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from welkin.core.meter_journal import START, JournalPosition, MeterJournal, decode, encode

ALL = 1_000_000


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[MeterJournal]:
    opened = MeterJournal(tmp_path / "meter" / "functions")
    opened.open(START)
    yield opened
    opened.close()


def reopen(journal: MeterJournal, committed: JournalPosition = START) -> MeterJournal:
    journal.close()
    again = MeterJournal(journal.directory, segment_bytes=64)
    again.open(committed)
    return again


def test_a_line_is_its_crc_a_tab_and_the_json() -> None:
    line = encode({"b": 1, "a": "x"})
    assert line == b'%08x\t{"a":"x","b":1}\n' % zlib.crc32(b'{"a":"x","b":1}')
    assert decode(line[:-1]) == {"a": "x", "b": 1}
    assert decode(line[:-1].replace(b'"x"', b'"y"')) is None
    assert decode(b"not a record") is None


def test_records_read_back_between_positions(journal: MeterJournal) -> None:
    journal.append({"n": 1})
    middle = journal.end()
    journal.append({"n": 2})
    journal.append({"n": 3})

    first = journal.read(START, middle, ALL)
    rest = journal.read(first.end, journal.end(), ALL)

    assert [r["n"] for r in first.records] == [1]
    assert [r["n"] for r in rest.records] == [2, 3]
    assert rest.end == journal.end()
    assert journal.read(rest.end, journal.end(), ALL).records == ()


def test_a_read_stops_at_its_limit_and_goes_on_from_there(journal: MeterJournal) -> None:
    for n in range(5):
        journal.append({"n": n})
    first = journal.read(START, journal.end(), 2)
    second = journal.read(first.end, journal.end(), ALL)
    assert [r["n"] for r in first.records + second.records] == [0, 1, 2, 3, 4]


def test_what_a_killed_process_left_is_replayed_from_the_committed_position(journal: MeterJournal) -> None:
    for n in range(4):
        journal.append({"n": n})
    committed = journal.read(START, journal.end(), 2).end  # published two, then killed

    again = reopen(journal, committed)
    again.append({"n": 4})
    replay = again.read(committed, again.end(), ALL)

    assert [r["n"] for r in replay.records] == [2, 3, 4]
    again.close()


def test_a_torn_tail_is_dropped_and_counted_and_the_next_opening_writes_past_it(
    journal: MeterJournal,
) -> None:
    journal.append({"n": 1})
    segment = journal.directory / f"{journal.end().segment:012d}.journal"
    with segment.open("ab") as file:
        file.write(encode({"n": 2})[:-7])  # a kill in the middle of a write

    again = reopen(journal)
    again.append({"n": 3})
    batch = again.read(START, again.end(), ALL)

    assert [r["n"] for r in batch.records] == [1, 3]
    assert batch.dropped == 1
    again.close()


def test_a_corrupt_line_is_dropped_and_the_lines_after_it_still_count(journal: MeterJournal) -> None:
    journal.append({"n": 1})
    journal.append({"n": 2})
    journal.append({"n": 3})
    segment = journal.directory / f"{journal.end().segment:012d}.journal"
    data = segment.read_bytes()
    segment.write_bytes(data.replace(b'"n":2', b'"n":7'))

    batch = journal.read(START, journal.end(), ALL)

    assert [r["n"] for r in batch.records] == [1, 3]
    assert batch.dropped == 1


def test_segments_roll_over_and_fully_committed_ones_are_deleted(tmp_path: Path) -> None:
    journal = MeterJournal(tmp_path / "j", segment_bytes=64)
    journal.open(START)
    for n in range(10):
        journal.append({"n": n, "pad": "x" * 20})
    assert len(journal.segments()) > 3

    batch = journal.read(START, journal.end(), ALL)
    journal.delete_before(batch.end)

    assert [r["n"] for r in batch.records] == list(range(10))
    assert journal.segments() == [journal.end().segment]
    journal.close()


def test_a_new_opening_never_writes_behind_a_committed_position(tmp_path: Path) -> None:
    # The files were lost but the store kept its position: new records must come after it.
    journal = MeterJournal(tmp_path / "j")
    journal.open(JournalPosition(41, 900))
    journal.append({"n": 1})
    assert journal.end().segment == 42
    assert [r["n"] for r in journal.read(JournalPosition(41, 900), journal.end(), ALL).records] == [1]
    journal.close()


def test_only_one_process_appends_to_a_journal(journal: MeterJournal) -> None:
    with pytest.raises(RuntimeError, match="in use"):
        MeterJournal(journal.directory).open(START)
