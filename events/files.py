"""Files written whole: under a temporary name beside their place, synced, then moved in.

A crash or an error never leaves a half-written file under the real name, and nothing
is left under the temporary one. Every file is mode 0600: keys, backups, uploads and
snapshots are all someone's data.
"""
from __future__ import annotations

import os
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Iterator


class WholeFile:
    """A new temporary file in `directory`; `place` moves it to its name once written.

    Used as a context manager: leaving it without `place` (or `link`) deletes it.
    """

    def __init__(self, directory: Path, prefix: str = ".tmp-") -> None:
        self.temporary = Path(directory) / f"{prefix}{secrets.token_hex(8)}.tmp"
        # O_EXCL: never another's file; fchmod: the umask may have taken bits we want
        # (it can never add any).
        fd = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            self.file: BinaryIO = os.fdopen(fd, "w+b")  # w+: zipfile seeks back
        except BaseException:
            os.close(fd)
            self.temporary.unlink(missing_ok=True)
            raise
        self._done = False

    def __enter__(self) -> WholeFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if not self._done:
            try:
                self.file.close()  # flushes what is buffered: a full disk raises again here
            finally:
                self.temporary.unlink(missing_ok=True)

    def place(self, path: Path) -> None:
        """Sync the content, move it to `path` (replacing what is there), sync the folder."""
        self._sync()
        os.replace(self.temporary, path)
        self._done = True
        fsync_dir(Path(path).parent)

    def link(self, path: Path) -> bool:
        """Sync the content and link it as `path` unless that exists (then False, and
        `path` untouched): link() refuses to replace a file another process made."""
        self._sync()
        try:
            os.link(self.temporary, path)
            created = True
        except FileExistsError:
            created = False
        finally:
            self.temporary.unlink(missing_ok=True)
            self._done = True
        return created

    def _sync(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()


def write_whole(path: Path, content: bytes) -> None:
    """Replace `path` with `content`, never leaving it half-written."""
    with WholeFile(path.parent, prefix=f".{path.name}-") as whole:
        whole.file.write(content)
        whole.place(path)


def regular_or_new(path: Path | str) -> bool:
    """Whether `path` is a regular file, or nothing yet (a file to create); False for
    /dev/stdout, a FIFO, /dev/fd/N, a directory."""
    try:
        return stat.S_ISREG(Path(path).stat().st_mode)
    except FileNotFoundError:
        return True


@contextmanager
def private_file(path: Path | str) -> Iterator[BinaryIO]:
    """A file to write `path` with, which only its owner can read whatever was there.

    For the files a command writes with `--out` (a dump, the operator's CSV): opening an
    existing file with O_CREAT keeps the mode it had (world-readable, say), so the content
    goes to a new 0600 file beside it that replaces it once written, as a backup does. A
    path that is no file on disk (/dev/stdout, a FIFO) is written in place: there is
    nothing there to keep private, and nothing to replace.
    """
    path = Path(path)
    if not regular_or_new(path):
        with open(path, "wb") as f:
            yield f
        return
    with WholeFile(path.parent, prefix=f".{path.name}-") as whole:
        yield whole.file
        whole.place(path)


def create_file(path: Path, content: bytes) -> bool:
    """Write `content` to a new file; False (untouched) when `path` exists."""
    if path.exists():
        return False
    with WholeFile(path.parent, prefix=f".{path.name}.") as whole:
        whole.file.write(content)
        return whole.link(path)


def fsync_dir(path: Path) -> None:
    """A new file's name is durable only once its directory is synced."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
