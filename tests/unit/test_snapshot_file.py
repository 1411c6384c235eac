"""The snapshot file: what it saves it loads, and anything not sealed by this instance, of
another fold or of another log it ignores without unpickling it."""
from __future__ import annotations

import pickle

import pytest

from events import snapshot as snapshot_module
from events.snapshot import KEY, MAGIC, Snapshots
from journey.state import DomainState


def some_state() -> DomainState:
    state = DomainState()
    state.position = 42
    state.members.update({"ana", "ivan"})
    state.stream_versions["community-vrsac-1"] = 7
    return state


def anywhere(position: int, hash: str) -> bool:
    return True


@pytest.fixture
def unpickled(monkeypatch) -> list[bytes]:
    """Every payload the snapshot module unpickles from now on."""
    seen: list[bytes] = []
    real = pickle.loads
    monkeypatch.setattr(snapshot_module.pickle, "loads",
                        lambda data: seen.append(data) or real(data))
    return seen


def test_what_is_saved_is_loaded(tmp_path):
    snapshots = Snapshots(tmp_path)
    assert snapshots.save(42, "a" * 64, some_state())

    loaded = snapshots.load(anywhere)

    assert (loaded.position, loaded.hash) == (42, "a" * 64)
    assert loaded.state == some_state()
    assert (tmp_path / KEY).stat().st_mode & 0o777 == 0o600


def test_no_file_no_snapshot(tmp_path):
    assert Snapshots(tmp_path).load(anywhere) is None


def test_a_snapshot_of_another_log_is_not_unpickled(tmp_path, unpickled):
    snapshots = Snapshots(tmp_path)
    snapshots.save(42, "a" * 64, some_state())
    asked = []

    assert snapshots.load(lambda position, hash: asked.append((position, hash))) is None
    assert asked == [(42, "a" * 64)] and unpickled == []


def test_another_key_is_not_unpickled(tmp_path, unpickled):
    snapshots = Snapshots(tmp_path)
    snapshots.save(42, "a" * 64, some_state())
    (tmp_path / KEY).write_bytes(b"k" * 32)  # as if another instance's

    assert snapshots.load(anywhere) is None and unpickled == []


def test_an_altered_file_is_not_unpickled(tmp_path, unpickled):
    snapshots = Snapshots(tmp_path)
    snapshots.save(42, "a" * 64, some_state())
    raw = snapshots.path.read_bytes()
    for altered in (raw[:-1] + bytes([raw[-1] ^ 1]), raw[:len(MAGIC) + 5], b"garbage",
                    b"x" + raw[1:]):
        snapshots.path.write_bytes(altered)
        assert snapshots.load(anywhere) is None
    assert unpickled == []


def test_a_snapshot_of_another_fold_is_not_used(tmp_path, monkeypatch, unpickled):
    Snapshots(tmp_path).save(42, "a" * 64, some_state())
    monkeypatch.setattr(snapshot_module, "_fold_format",
                        lambda *code: "the fold's code changed")
    assert Snapshots(tmp_path).load(anywhere) is None and unpickled == []


def test_other_folds_keep_files_of_their_own_and_an_erasure_deletes_them_all(tmp_path):
    state = Snapshots(tmp_path)
    other = Snapshots(tmp_path, "other-fold", ("journey.events",), b"rules v1")
    state.save(42, "a" * 64, some_state())
    other.save(7, "b" * 64, {"memo": 1})

    assert other.load(anywhere).state == {"memo": 1}
    assert state.load(anywhere).position == 42
    # what the other fold depends on changed (its rules): its snapshot is not used
    assert Snapshots(tmp_path, "other-fold", ("journey.events",), b"rules v2").load(
        anywhere) is None
    state.discard_all()
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY]


def test_the_fold_format_covers_the_code_of_the_fold():
    assert {"journey.state", "events.upcasting", "events.store"} <= set(
        snapshot_module.FOLD_MODULES)
    assert snapshot_module._fold_format() is not None


def test_saving_replaces_the_file_and_discarding_deletes_it(tmp_path):
    snapshots = Snapshots(tmp_path)
    snapshots.save(1, "a" * 64, DomainState())
    snapshots.save(42, "b" * 64, some_state())
    (tmp_path / ".decision-state-left-by-a-crash").write_bytes(b"half")

    assert snapshots.load(anywhere).position == 42
    snapshots.discard()
    assert snapshots.load(anywhere) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY]


def test_a_folder_that_cannot_be_written_is_no_error(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    snapshots = Snapshots(blocked / "snapshots")

    assert snapshots.save(42, "a" * 64, some_state()) is False
    assert snapshots.load(anywhere) is None
