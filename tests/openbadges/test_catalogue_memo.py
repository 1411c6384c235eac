"""A catalogue built with a memo kept between builds is the catalogue built afresh.

The Open Badges service keeps one memo (the filing of the records it has read, the facts
of the whole log, each member's awards by what they were derived from) and grows it as
the log grows, so a build after a few appends derives again only whom they concern. This
grows a memo over the demo step by step, cutting just after every event that changes
awards already made (a retraction, a correction, a visibility change, a revocation, an
erasure), and compares each build, present and past, with one made without a memo.
"""
from __future__ import annotations

import os

import pytest

from events.memory import MemoryRecorder
from events.store import EventStore
from projections.demo_runner import load_demo
from projections.index.keys import Filing, index
from projections.openbadges.catalogue import CatalogueMemo, catalogue, catalogue_of
from tests.contract.scenario import Seal

CHANGES = ("EntryRetracted", "EntryCorrected", "ReflectionVisibilityChanged",
           "RecognitionRevoked", "MemberErased")


@pytest.fixture(scope="module")
def records():
    store = EventStore(MemoryRecorder(), master_key=os.urandom(32), seal=Seal(os.urandom(32)))
    load_demo(store, seed=1, scale="small")
    awarded = next(r for r in store.read() if r.type == "RecognitionAwarded")
    store.erase(awarded.event.member_id, requested_by=awarded.event.member_id)
    return list(store.read())


class Loader:
    """What the service does: load from the log the records a build asks for, counted."""

    def __init__(self, records) -> None:
        self.at = {rec.position: rec for rec in records}
        self.loaded = 0

    def __call__(self, positions: list[int]):
        self.loaded += len(positions)
        return [self.at[p] for p in positions]


def test_a_memo_grown_with_the_log_gives_the_catalogue_built_afresh(records) -> None:
    changes = [i + 1 for i, r in enumerate(records) if r.type in CHANGES]
    assert {records[i - 1].type for i in changes} == set(CHANGES)
    cuts = sorted({*changes[::3], changes[-1], len(records) // 3, len(records)})
    memo = CatalogueMemo()
    load = Loader(records)
    done = 0
    for cut in cuts:
        memo.add(records[done:cut])
        done = cut
        assert catalogue_of(memo, cut, load) == catalogue(records[:cut]), cut
    # Past prefixes over the grown memo (an as_of read), before and after a change.
    for cut in (changes[0] - 1, changes[0], len(records) // 2):
        assert catalogue_of(memo, cut, load) == catalogue(records[:cut]), cut
    # and the present again (deriving again whom the as_of builds derived as of then),
    # then once more: every member's awards now taken from the memo, nothing loaded
    assert catalogue_of(memo, len(records), load) == catalogue(records)
    load.loaded = 0
    assert catalogue_of(memo, len(records), load) == catalogue(records)
    assert load.loaded == 0


def test_an_award_earned_through_someone_else_s_event_is_not_missed(records) -> None:
    """A colleague reusing a resource names the reuser, not its author: the author's own
    keys are unchanged, and only the resource's key tells the memo to derive again."""
    owner: dict[str, str] = {}
    reused: dict[str, set[str]] = {}
    third = author = None
    for i, r in enumerate(records):
        if r.type == "ResourceShared":
            owner[r.event.resource_id] = r.event.member_id
        elif r.type == "ResourceReused" and owner.get(r.event.resource_id) not in (
                None, r.event.member_id):
            author = owner[r.event.resource_id]
            reused.setdefault(author, set()).add(r.event.resource_id)
            if len(reused[author]) == 3:
                third = i
                break
    assert third is not None, "the demo has an author whose third resource is reused"
    before, after = records[:third], records[:third + 1]
    memo = CatalogueMemo().add(before)
    load = Loader(records)
    earlier = catalogue_of(memo, third, load)
    memo.add(after[-1:])
    load.loaded = 0
    now = catalogue_of(memo, third + 1, load)
    assert now == catalogue(after)
    assert 0 < load.loaded < 200   # the author's and the reuser's records, not the log's
    assert [a.badge for a in now.awards.values() if a.member_id == author
            and a.award_id not in earlier.awards] == ["rules/resources-reused"]


def test_a_memo_is_read_in_position_order(records) -> None:
    memo = CatalogueMemo().add(records[:10])
    with pytest.raises(ValueError, match="not after 10"):
        memo.add(records[5:12])


def test_a_filing_files_every_prefix_of_its_log(records) -> None:
    filing = Filing().add(records)
    assert {p: set(keys) for p, keys in filing.filed.items()} == index(records)
    for upto in (1, len(records) // 2, len(records)):
        prefix = index(records[:upto])
        for k in ("communities", "erasures", f"member:{records[0].actor}"):
            assert filing.positions_of([k], upto) == sorted(
                p for p, keys in prefix.items() if k in keys)
