"""Files written whole (events/files.py): all or nothing under the real name, 0600."""
from __future__ import annotations

import resource
import signal
import stat

import pytest

from events.files import WholeFile, create_file, write_whole


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_whole_replaces_the_file_and_leaves_nothing_beside_it(tmp_path) -> None:
    path = tmp_path / "state"
    path.write_bytes(b"old")
    write_whole(path, b"new")
    assert path.read_bytes() == b"new"
    assert _mode(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["state"]


def test_a_file_left_unplaced_is_gone_and_the_old_one_untouched(tmp_path) -> None:
    path = tmp_path / "backup.zip"
    path.write_bytes(b"the last good backup")
    with pytest.raises(RuntimeError), WholeFile(tmp_path, prefix=".backup.") as whole:
        whole.file.write(b"half of a new one")
        raise RuntimeError("the database went away")
    assert path.read_bytes() == b"the last good backup"
    assert [p.name for p in tmp_path.iterdir()] == ["backup.zip"]


def test_create_file_never_replaces(tmp_path) -> None:
    path = tmp_path / "master.key"
    assert create_file(path, b"first") is True
    assert _mode(path) == 0o600
    assert create_file(path, b"second") is False
    assert path.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["master.key"]


def test_link_loses_to_a_file_made_meanwhile(tmp_path) -> None:
    """Another process creates the file between our check and our link: theirs stays."""
    path = tmp_path / "seal.key"
    with WholeFile(tmp_path, prefix=".seal.key.") as whole:
        whole.file.write(b"ours")
        path.write_bytes(b"theirs")
        assert whole.link(path) is False
    assert path.read_bytes() == b"theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["seal.key"]


def test_a_full_disk_leaves_nothing_behind(tmp_path) -> None:
    """The write fails when the buffer reaches the disk (a full disk, here a file size
    limit), and again when the file is closed: the temporary file still goes."""
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG, not a killed process
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, hard))
    try:
        with pytest.raises(OSError), WholeFile(tmp_path, prefix=".big.") as whole:
            whole.file.write(b"x" * 5000)  # buffered: nothing reaches the disk yet
            whole.place(tmp_path / "big")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert list(tmp_path.iterdir()) == []
