"""The snapshot file: what it saves it loads, and anything not sealed by this instance it
ignores without unpickling it."""
from __future__ import annotations

import os
import pickle

from events import snapshot as snapshot_module
from events.snapshot import MAGIC, Snapshots
from journey.state import DomainState


def some_state() -> DomainState:
    state = DomainState()
    state.position = 42
    state.members.update({"ana", "ivan"})
    state.stream_versions["community-vrsac-1"] = 7
    return state


def test_what_is_saved_is_loaded(tmp_path):
    snapshots = Snapshots(tmp_path, os.urandom(32))
    snapshots.save(42, "a" * 64, some_state())

    loaded = snapshots.load()

    assert (loaded.position, loaded.hash) == (42, "a" * 64)
    assert loaded.state == some_state()


def test_no_file_no_snapshot(tmp_path):
    assert Snapshots(tmp_path, os.urandom(32)).load() is None


def test_another_instances_snapshot_is_not_loaded(tmp_path):
    Snapshots(tmp_path, os.urandom(32)).save(42, "a" * 64, some_state())
    assert Snapshots(tmp_path, os.urandom(32)).load() is None


def test_an_altered_file_is_not_unpickled(tmp_path, monkeypatch):
    key = os.urandom(32)
    snapshots = Snapshots(tmp_path, key)
    snapshots.save(42, "a" * 64, some_state())
    raw = snapshots.path.read_bytes()
    unpickled = []
    monkeypatch.setattr(snapshot_module.pickle, "loads",
                        lambda data: unpickled.append(data) or pickle.loads(data))
    for altered in (raw[:-1] + bytes([raw[-1] ^ 1]), raw[:len(MAGIC) + 5], b"garbage",
                    b"x" + raw[1:]):
        snapshots.path.write_bytes(altered)
        assert snapshots.load() is None
    assert unpickled == []


def test_a_snapshot_of_another_shape_of_the_state_is_not_used(tmp_path, monkeypatch):
    key = os.urandom(32)
    Snapshots(tmp_path, key).save(42, "a" * 64, some_state())
    monkeypatch.setattr(snapshot_module, "_state_format", lambda: "state.py changed")
    assert Snapshots(tmp_path, key).load() is None


def test_saving_replaces_the_file_and_leaves_no_temporary(tmp_path):
    snapshots = Snapshots(tmp_path, os.urandom(32))
    snapshots.save(1, "a" * 64, DomainState())
    snapshots.save(42, "b" * 64, some_state())

    assert snapshots.load().position == 42
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decision-state"]


def test_a_folder_that_cannot_be_written_is_no_error(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    snapshots = Snapshots(blocked / "snapshots", os.urandom(32))

    assert snapshots.save(42, "a" * 64, some_state()) is False
    assert snapshots.load() is None
