"""The `journey` command (DESIGN "Command line"): thin click commands over the log.

The configuration is read once, in the group's callback; the log is opened by the first
command that needs it and closed when the command ends. Every failure a person can cause
prints `error: <code>: <sentence>` and exits 1, never a traceback.
"""
from __future__ import annotations

import json
import os
import re
import stat
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, Mapping

import click
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from cli import bench, demo, reports, users, worker

from events.accounts import AccountError, Accounts
from events.codec import asked_digest
from events.erasure import complete_erasures, erase_member, erased_members
from events.exchange import (checked_actor, checked_corrections, export_lines,
                             import_lines, import_source, too_many_digits)
from events.files import private_file, regular_or_new
from events.instance import (ERASURES, MASTER_KEY, SEAL_KEY, SECRET_KEY, SIGNING_KEY, UPLOADS,
                             InstanceError)
from events.log import Log
from events.ready import NotInitialised, database_ready
from events.schemas import SchemaInvalid, load_event
from events.store import Options
from events.verify import signed_head, verify_log
from journey import errors
from journey.clock import BadTime, parse_time, utcnow
from journey.config import Config
from journey.records import RecordEvent
from projections.app import Journey, init_journey, open_journey

INSTANCE_FILES = (MASTER_KEY, SEAL_KEY, SIGNING_KEY, SECRET_KEY, ERASURES, UPLOADS)
#: What `import --source` takes: a file's sha256 as import prints it (and keys carry it).
SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")


class CliError(Exception):
    """A failure to print as `error: <code>: <message>` (exit 1)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Cli:
    """What the commands share: the configuration, read once, and the installation, opened on
    demand (the log, its projections and their reports)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self._config: Config | None = None
        self._journey: Journey | None = None

    @property
    def config(self) -> Config:
        """The configuration, read the first time a command needs it: `--help` does not."""
        if self._config is None:
            try:
                self._config = Config.from_env(self._environ)
            except ValueError as exc:
                raise CliError("config", str(exc)) from None
        return self._config

    @property
    def journey(self) -> Journey:
        """The installation, opened the first time a command asks (NotInitialised before init)."""
        if self._journey is None:
            self._journey = open_journey(self.config)
        return self._journey

    @property
    def log(self) -> Log:
        return self.journey.log

    @property
    def accounts(self) -> Accounts:
        """The accounts beside the log (journey user …)."""
        return Accounts(self.log.recorder.engine)

    def close(self) -> None:
        if self._journey is not None:
            self._journey.close()
            self._journey = None


def _describe(exc: Exception) -> tuple[str, str]:
    """(code, sentence) of an exception a command let through."""
    if isinstance(exc, CliError):
        return exc.code, exc.message
    if isinstance(exc, SchemaInvalid):  # a Refused too: named by its field, not its rule
        path = exc.field_path or "data"
        return path, "; ".join(exc.fields.get(path, [exc.message]))
    if isinstance(exc, errors.Refused):
        return exc.rule, exc.message
    if isinstance(exc, AccountError):
        return exc.code, exc.message
    if isinstance(exc, NotInitialised):
        return "not_initialised", f"run journey init first\n  ({exc})"
    if isinstance(exc, InstanceError):
        return getattr(exc, "code", "instance"), str(exc)
    if isinstance(exc, SQLAlchemyError) or _driver_error(exc):
        # The driver's own errors too: the store writes through the raw cursor for speed,
        # so a read-only file says "attempt to write a readonly database" unwrapped.
        orig = getattr(exc, "orig", None)
        return "database", str(orig if orig is not None else exc).strip().splitlines()[0]
    if isinstance(exc, OSError):
        return "file", str(exc)
    return "internal", f"{type(exc).__name__}: {exc}"


def _driver_error(exc: Exception) -> bool:
    """An error of the database drivers Journey runs on (sqlite3, psycopg)."""
    import sqlite3

    import psycopg  # imported on this error path only: most commands never fail

    return isinstance(exc, (sqlite3.Error, psycopg.Error))


class UsageMistake(click.ClickException):
    """A usage error (a missing argument, an unknown command or option, a file that is not
    there), told like every other failure: `error: usage: <sentence>` and exit 1 (DESIGN
    "Errors"), then the command's usage; click alone would say `Error:` and exit 2."""

    exit_code = 1

    def __init__(self, error: click.UsageError) -> None:
        super().__init__(error.format_message())
        self.ctx = error.ctx

    def show(self, file: Any = None) -> None:
        click.echo(f"error: usage: {self.format_message()}", err=True)
        if self.ctx is not None:
            click.echo(f"{self.ctx.get_usage()}\n"
                       f"Try '{self.ctx.command_path} --help' for help.", err=True)


def _told(error: click.UsageError) -> click.ClickException:
    # A bare `journey` (or command group) shows its help, as asked.
    if isinstance(error, click.exceptions.NoArgsIsHelpError):
        return error
    return UsageMistake(error)


class JourneyGroup(click.Group):
    """A group whose commands' failures become one `error:` line and exit status 1."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as error:  # the group's own options
            raise _told(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:  # a command, its arguments or options
            raise _told(error) from None
        except (click.exceptions.ClickException, click.exceptions.Exit,
                click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # The reader stopped early (`journey export | head`): not an error of ours.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, never a traceback
            code, message = _describe(exc)
            click.echo(f"error: {code}: {message}", err=True)
            ctx.exit(1)


@click.group(cls=JourneyGroup)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Journey: the learning journeys of educators in communities of practice.

    Configuration comes from four environment variables (see README.md):
    JOURNEY_DATABASE_URL (default sqlite:///journey.db), JOURNEY_INSTANCE_DIR (default
    ./instance), JOURNEY_BASE_URL (default http://127.0.0.1:5000) and JOURNEY_PROJECTIONS
    (inline or worker, default inline).

    \b
    Example:
      journey init && journey import demo/sample.jsonl --keep-recorded-at && journey verify
    """
    cli = Cli(os.environ)
    ctx.obj = cli
    ctx.call_on_close(cli.close)


pass_cli = click.make_pass_decorator(Cli)


@contextmanager
def _progress(length: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr when it is a terminal; None otherwise."""
    if not sys.stderr.isatty() or length <= 0:
        yield None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update


def _echo_json(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2)
    if not _encodable(text):
        # A report quoting a refused line's lone surrogate (a field's name, say) cannot be
        # written as UTF-8; \u escapes say the same JSON.
        text = json.dumps(value, indent=2)
    click.echo(text)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown_url(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


# -- init ------------------------------------------------------------------------------------

@main.command()
@pass_cli
def init(cli: Cli) -> None:
    """Create the instance directory (keys) and the database's tables; keeps what exists.

    Safe to run again: no key is ever overwritten, and the schema is only brought up to date.

    \b
    Example:
      JOURNEY_DATABASE_URL=sqlite:///journey.db JOURNEY_INSTANCE_DIR=./instance journey init
    """
    config = cli.config
    existed = {name for name in INSTANCE_FILES if (config.instance_dir / name).exists()}
    had_tables = database_ready(config.database_url)
    init_journey(config)
    created = [name + ("/" if name == UPLOADS else "") for name in INSTANCE_FILES
               if name not in existed]
    if created:
        click.echo(f"instance {config.instance_dir}: created {', '.join(created)} "
                   "(keep it private and back it up)")
    else:
        click.echo(f"instance {config.instance_dir}: already there, nothing created")
    url = _shown_url(config.database_url)
    if had_tables:
        click.echo(f"database {url}: already initialised, schema up to date")
    else:
        click.echo(f"database {url}: created the event log's tables")


# -- record ----------------------------------------------------------------------------------

def _read_data(value: str) -> Any:
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            # utf-8-sig: a BOM (Windows editors write one) is dropped, as import drops it.
            value = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError("data", f"cannot read {path}: {exc}") from None
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise CliError("json", f"--data is not JSON: {exc.msg} at line {exc.lineno} "
                               f"column {exc.colno}") from None
    except RecursionError:
        raise CliError("json", "--data is nested too deeply to be read") from None
    except ValueError:  # an integer longer than Python converts
        raise CliError("json", f"--data cannot be read: {too_many_digits()}") from None


@main.command()
@click.argument("type_name", metavar="TYPE")
@click.option("--actor", required=True, help="Id of the member who acted (operator trust).")
@click.option("--occurred-at", help="When it happened: RFC 3339 or YYYY-MM-DD. Default: now.")
@click.option("--idempotency-key", help="Send the same key again and nothing is appended twice.")
@click.option("--expected-version", type=int,
              help="Refuse (version_conflict) unless the stream is at this version.")
@click.option("--data", "data_arg", required=True, metavar="JSON|@FILE",
              help="The event's data object, or @file.json.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_cli
def record(cli: Cli, type_name: str, actor: str, occurred_at: str | None,
           idempotency_key: str | None, expected_version: int | None, data_arg: str,
           as_json: bool) -> None:
    """Append one event of TYPE through the domain rules, as ACTOR.

    \b
    Example:
      journey record SessionLed --actor m-6b57e54acc --occurred-at 2024-03-05T14:00:00Z \\
        --data '{"community_id": "vrsac-1", "session_id": "s-12", "leaders": ["m-6b57e54acc"],
                 "title": "Student survey results", "format": "workshop"}'
    """
    data = _read_data(data_arg)
    try:
        moment = parse_time(occurred_at) if occurred_at is not None else utcnow()
    except BadTime as exc:
        raise CliError("occurred_at", str(exc)) from None
    event = load_event(type_name, data)
    store = cli.log.store
    if event.type == "EntryCorrected":
        event = checked_corrections(store, event, actor=checked_actor(actor),
                                    occurred_at=moment, privileged=True)
    erased_before = erased_members(cli.log)
    digest = asked_digest({"type": event.type, "data": event.to_data()},
                          moment if occurred_at is not None else None)
    result = store.submit(
        RecordEvent(event, checked_actor(actor), moment, privileged=True),
        Options(idempotency_key=idempotency_key, digest=digest,
                expected_version=expected_version))
    complete_erasures(cli.log, cli.accounts, erased_members(cli.log) - erased_before)
    if as_json:
        _echo_json({"positions": result.positions, "replayed": result.replayed})
    elif result.replayed:
        click.echo(f"already recorded at position {result.position} (same idempotency key)")
    else:
        click.echo(f"appended at position {', '.join(map(str, result.positions))}")


# -- import / export -------------------------------------------------------------------------

@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True,
                                       path_type=Path))
@click.option("--keep-recorded-at", is_flag=True,
              help="Keep each line's recorded_at (migrating history recorded elsewhere).")
@click.option("--skip-invalid", is_flag=True, help="Skip refused lines instead of stopping.")
@click.option("--resume", is_flag=True,
              help="Go on after the last line of FILE already in the log.")
@click.option("--source", metavar="SHA256",
              help="The digest in the lines' default idempotency keys, instead of FILE's own: "
                   "the one an earlier run printed, to go on with FILE once fixed.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_cli
def import_(cli: Cli, file: Path, keep_recorded_at: bool, skip_invalid: bool, resume: bool,
            source: str | None, as_json: bool) -> None:
    """Append the events of a JSON Lines FILE (the exchange format), in file order.

    A refused line stops the import (nothing from it on is appended) unless --skip-invalid.
    Each line's default idempotency key is the file's sha256 and its line number, so running
    the same file again appends nothing twice. Fixing a refused line changes that sha256:
    the run that stopped (or skipped lines) prints its own, and --source gives the fixed
    file the keys of the lines already in. FILE may be - (standard input) or a pipe: it is
    then copied first into a private temporary file in the instance directory.

    \b
    Example:
      journey import demo/sample.jsonl --keep-recorded-at
      journey export | ssh new-host journey import - --keep-recorded-at
      journey import fixed.jsonl --resume --source 9f86d081884c7d65…  # as the stop said
    """
    if source is not None and not SHA256_HEX.fullmatch(source):
        raise CliError("bad_source", "--source is the 64 hexadecimal digits of a sha256, as "
                                     "an earlier `journey import` printed it")
    given_source = source.lower() if source is not None else None
    store = cli.log.store
    erased_before = erased_members(cli.log)
    started = time.perf_counter()
    try:
        with import_source(file, cli.config.instance_dir,
                           sys.stdin.buffer) as (lines, digest, total), \
                _progress(total, "importing") as progress:
            source = given_source or digest
            report = import_lines(store, lines, source_id=source,
                                  keep_recorded_at=keep_recorded_at, skip_invalid=skip_invalid,
                                  resume=resume, progress=progress)
    finally:
        # MemberErased lines erase as `journey erase` does, beside the log too (also when
        # the import failed after committing some of them).
        complete_erasures(cli.log, cli.accounts, erased_members(cli.log) - erased_before)
    seconds = time.perf_counter() - started
    rate = report.appended / seconds if seconds > 0 else 0.0
    if as_json:
        _echo_json({**report.to_json(), "source": source, "seconds": round(seconds, 3),
                    "events_per_second": round(rate, 1)})
    else:
        for skipped in report.skipped:
            click.echo(f"skipped {skipped}", err=True)
        span = (f" (positions {report.first_position}-{report.last_position})"
                if report.first_position is not None else "")
        click.echo(f"{file}: {report.appended} appended{span}, {len(report.skipped)} skipped, "
                   f"{report.replayed} already in the log, in {seconds:.2f} s "
                   f"({rate:,.0f} events/s)")
        # Fixing the file changes its digest, and so every line's default key: without
        # --source the fixed file's lines already in would be new lines, refused as taken ids.
        if report.skipped and report.stopped is None:
            click.echo(f"once the skipped lines are fixed, add them with: journey import "
                       f"{file} --source {source}", err=True)
    if report.stopped is not None:
        hint = (f"once the line is fixed, go on with: journey import {file} --resume "
                f"--source {source}")
        if resume and not given_source and not report.replayed:
            hint += ("\n  (no line of this file was in the log: if it is a fixed copy of a "
                     "file imported before, give the --source that import printed)")
        raise CliError(f"line {report.stopped.line}",
                       f"{report.stopped.code}: {report.stopped.message}\n  {hint}")


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (private: mode 0600, also when it existed) instead of "
                   "stdout.")
@click.option("--head", "head_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the signed head to this file (private: mode 0600). Default with "
                   "--out: OUT.head.json beside it; needed when OUT is no regular file "
                   "(/dev/stdout, a FIFO).")
@pass_cli
def export(cli: Cli, out: Path | None, head_out: Path | None) -> None:
    """Write the whole log as JSON Lines: the operator's full dump.

    It contains everything, private reflections and personal data included (decrypted
    where the member's key exists): keep it as private as the database. The signed head
    it was made from (position, hash, Ed25519 signature, public key) goes to --head
    FILE, or with --out to OUT.head.json; when OUT is no regular file (/dev/stdout, a
    FIFO) there is nothing to put it beside: name it with --head. Without either, only
    the summary on stderr tells the head.

    \b
    Example:
      journey export --out journey-2024.jsonl   # and journey-2024.jsonl.head.json
      journey export --head head.json | ssh backup 'cat > journey.jsonl'
    """
    head_out = _head_file(out, head_out)
    log = cli.log
    upto = log.store.last_position()
    head = log.signed_head(upto)
    with _progress(upto, "exporting") as progress:
        if out is None:
            # The exchange format is UTF-8 whatever the terminal's locale says.
            _write_lines(sys.stdout.buffer, export_lines(log.store, upto), progress)
        else:
            with private_file(out) as f:
                _write_lines(f, export_lines(log.store, upto), progress)
    if head_out is not None:
        with private_file(head_out) as f:
            f.write((json.dumps(head, indent=2) + "\n").encode("utf-8"))
    where = f" to {out}" if out is not None else ""
    click.echo(f"exported {upto} events{where}, head {upto} {head['hash']} "
               f"(signed: {head['signature']})", err=True)


def _head_file(out: Path | None, head: Path | None) -> Path | None:
    """Where export writes its signed head, refused before anything is written."""
    if head is None:
        if out is None:
            return None
        if not regular_or_new(out):
            raise CliError("head_needs_a_file",
                           f"{out} is no regular file, so the signed head cannot go beside "
                           "it: name a file for it with --head FILE")
        head = Path(f"{out}.head.json")
        if head.is_dir():
            raise CliError("head_needs_a_file",
                           f"{head} is a directory: name a file for the signed head with "
                           "--head FILE")
    folder = head.parent
    if not folder.is_dir():
        # Found now, not after the whole log was written where --out says.
        raise CliError("file", f"cannot write the signed head to {head}: {folder} is no "
                               "directory")
    dump = _stat(out) if out is not None else _stat(sys.stdout)
    written = _stat(head)
    # A terminal or /dev/null may take both; a file or a pipe would carry the head inside
    # the dump.
    # The same new file may be spelled two ways (relative and absolute, through a link).
    same_name = out is not None and os.path.realpath(head) == os.path.realpath(out)
    if same_name or dump is not None and written is not None and \
            os.path.samestat(dump, written) and not stat.S_ISCHR(written.st_mode):
        raise CliError("head_needs_a_file",
                       f"--head {head} names where the dump goes: the head would be written "
                       "into it; name another file")
    return head


def _stat(where: Any) -> os.stat_result | None:
    """The file a path names, or a stream writes to; None when there is none (yet)."""
    try:
        return os.stat(where) if isinstance(where, Path) else os.fstat(where.fileno())
    except (OSError, ValueError):  # a stream with no file behind it (a test's), a closed one
        return None


def _write_lines(f: BinaryIO, lines: Iterator[str],
                 progress: Callable[[int], None] | None) -> None:
    for count, line in enumerate(lines, start=1):
        f.write(line.encode("utf-8"))
        if progress is not None and count % 1000 == 0:
            progress(1000)
    f.flush()


# -- verify / erase --------------------------------------------------------------------------

@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_cli
def verify(cli: Cli, as_json: bool) -> None:
    """Walk the hash chain and check the sealed head; exit 1 when anything is broken.

    \b
    Example:
      journey verify          # OK 1234 events, head 3f2a…
      journey verify --json
    """
    log = cli.log
    with _progress(log.store.last_position(), "verifying") as progress:
        report = verify_log(log.recorder, log.instance, progress=progress)
    if as_json:
        body = report.to_json()
        if report.ok:
            body["signed_head"] = signed_head(log.instance, report)
        _echo_json(body)
    else:
        click.echo(report.line())
    if not report.ok:
        raise click.exceptions.Exit(1)


@main.command()
@click.argument("member")
@click.option("--requested-by", required=True, help="Who asked for the erasure.")
@click.option("--yes", is_flag=True, help="Confirm: the member's personal data is gone for ever.")
@pass_cli
def erase(cli: Cli, member: str, requested_by: str, yes: bool) -> None:
    """Erase MEMBER: delete their key, so their personal data can never be read again.

    The log keeps its events (the hash chain still verifies); the member shows as "erased
    member" everywhere, the id is added to the instance's erasures file, and the member's
    account (with its tokens) is deleted.

    \b
    Example:
      journey erase m-0086b46f01 --requested-by m-0086b46f01 --yes
    """
    if not yes:
        raise CliError("not_confirmed",
                       f"erasing {member} cannot be undone; run again with --yes")
    result = erase_member(cli.log, cli.accounts, member, requested_by, actor="admin")
    click.echo(f"erased {member} (MemberErased at position {result.position}); "
               "their personal data and account can no longer be read")


# -- backup / restore ------------------------------------------------------------------------

def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--include-instance", is_flag=True,
              help="Also put the instance directory into FILE: its keys (master.key, seal.key, "
                   "signing.key, secret_key), erasures and uploaded files (uploads/). "
                   "WARNING: whoever holds such a file can "
                   "read everyone's personal data and forge the log's seal; keep it offline "
                   "and as private as the keys themselves.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_cli
def backup(cli: Cli, file: Path, include_instance: bool, as_json: bool) -> None:
    """Write a consistent backup of the log to FILE (mode 0600), while writers go on.

    FILE holds every row as stored (personal fields still encrypted), the hashes, the sealed
    head, the members' keys wrapped by master.key, the accounts, and the Open Badges status
    list indexes (each credential issued names one; no fold can make them again). Without --include-instance the
    instance directory's keys are needed to restore and read it: back those up separately.
    With --include-instance FILE holds the keys that unlock everyone's personal data, and
    the uploaded files (instance/uploads/, not encrypted, so only in such a file): a
    whole installation in one file.

    \b
    Example:
      journey backup /backups/journey-2024-06-01.zip
      journey backup /secure/journey-full.zip --include-instance
    """
    from events.backup import BackupError, write_backup
    from projections.tables import KEPT

    log = cli.log
    try:
        with _progress(log.store.last_position(), "backing up") as progress:
            report = write_backup(log.recorder, file, instance=log.instance,
                                  include_instance=include_instance, progress=progress,
                                  tables=KEPT)
    except BackupError as exc:
        raise CliError(exc.code, exc.message) from None
    manifest = report.manifest
    if as_json:
        _echo_json(report.to_json())
        return
    uploads = f" and {manifest.uploads} uploaded files" if include_instance else ""
    click.echo(f"backed up {manifest.events} events and {manifest.member_keys} member keys"
               f"{uploads} to {file} ({_size(report.size)}), head {manifest.head_position} "
               f"{manifest.head_hash}")
    if include_instance:
        click.echo(f"warning: {file} holds the instance keys: whoever has it can read "
                   "everyone's personal data; keep it private", err=True)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_cli
def restore(cli: Cli, file: Path, as_json: bool) -> None:
    """Restore a backup FILE into an empty database; re-apply the instance's erasures.

    Positions and hashes come back exactly as they were, so `journey verify` passes. A
    backup made with --include-instance also restores the instance keys into an
    instance directory that has none; otherwise JOURNEY_INSTANCE_DIR must be the instance
    directory the backup was taken with. Members listed in its erasures file whose data the
    backup still holds are erased again (a MemberErased is appended when the backup
    predates it). Projections fold from the log on first use (or: journey projections
    rebuild).

    \b
    Example:
      JOURNEY_DATABASE_URL=sqlite:///restored.db journey restore /backups/journey.zip
    """
    from events.backup import BackupError, read_backup_manifest, restore_backup
    from events.instance import InstanceMissing, load_instance
    from events.sql import make_engine
    from projections.migrate import upgrade_projections
    from projections.tables import KEPT

    config = cli.config
    try:
        manifest = read_backup_manifest(file)
        instance = None
        if not manifest.includes_instance:
            try:
                instance = load_instance(config.instance_dir)
            except InstanceMissing as exc:
                raise CliError("instance", f"{exc}; this backup holds no keys (made without "
                                           "--include-instance): use the instance directory "
                                           "it was taken with") from None
        engine = make_engine(config.database_url)
        try:
            with _progress(manifest.events, "restoring") as progress:
                report = restore_backup(
                    engine, file, instance=instance,
                    instance_dir=config.instance_dir if instance is None else None,
                    migrations=(upgrade_projections,), progress=progress, tables=KEPT)
        finally:
            engine.dispose()
    except BackupError as exc:
        raise CliError(exc.code, exc.message) from None
    if as_json:
        _echo_json(report.to_json())
        return
    click.echo(f"restored {report.events} events and {report.member_keys} member keys into "
               f"{_shown_url(config.database_url)}, head {report.head_position} "
               f"{report.head_hash}")
    if report.instance_files:
        click.echo(f"instance {config.instance_dir}: wrote {', '.join(report.instance_files)}")
    if report.uploads:
        click.echo(f"restored {report.uploads} uploaded files into "
                   f"{config.instance_dir / 'uploads'}")
    if any(report.tables.values()):
        click.echo("also restored " + ", ".join(f"{n} {name}" for name, n in
                                                report.tables.items()))
    if report.reapplied:
        appended = (f" (MemberErased appended at {', '.join(map(str, report.appended))})"
                    if report.appended else "")
        click.echo(f"re-applied {len(report.reapplied)} erasure(s): "
                   f"{', '.join(report.reapplied)}{appended}")
    else:
        click.echo("no erasure to re-apply")
    if report.accounts_deleted:
        click.echo(f"deleted {report.accounts_deleted} account(s) of erased members")


# -- serve -----------------------------------------------------------------------------------

#: More gunicorn workers than this on one machine is a typo, not a plan: each process holds
#: its own fold of the decision state (a programme that outgrows one machine runs several).
MAX_WORKERS = 64
#: A day: beyond it the worker's wait overflows the platform's time_t (every worker dies
#: as it starts), and a worker silent that long is as good as never restarted.
MAX_TIMEOUT = 86_400


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535),
              metavar="PORT")
@click.option("--workers", type=click.IntRange(1, MAX_WORKERS), metavar="N",
              help=f"Serve with gunicorn and N worker processes, 1 to {MAX_WORKERS} "
                   "(production); without it, werkzeug's single-process server.")
@click.option("--timeout", type=click.IntRange(10, MAX_TIMEOUT), default=300,
              show_default=True, metavar="SECONDS",
              help="With --workers: a worker silent this long is restarted (its start "
                   "counts; it folds only what was appended since the master's fold).")
@pass_cli
def serve(cli: Cli, host: str, port: int, workers: int | None, timeout: int) -> None:
    """Serve the web app: werkzeug's server, or gunicorn with --workers N.

    With JOURNEY_PROJECTIONS=worker the web processes do not fold projections: run
    `journey worker` beside them (README "Running for a whole programme").

    \b
    Example:
      journey serve --host 0.0.0.0 --port 8000 --workers 4
    """
    _check_port(host, port)
    if workers is not None:
        from web.wsgi import run_gunicorn

        click.echo("journey: folding the log and deriving the Open Badges catalogue before "
                   "listening (from the snapshots in the instance directory, when usable)",
                   err=True)
        run_gunicorn(cli.config, host, port, workers, timeout=timeout,
                     say=lambda line: click.echo(f"journey: {line}", err=True))
        return
    from werkzeug.serving import run_simple

    from web.app import create_app

    run_simple(host, port, create_app(cli.config))


def _check_port(host: str, port: int) -> None:
    """Say plainly, before starting anything, that the port is taken or the host is not
    an address to listen on."""
    import errno
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                advice = "stop what uses it, or choose another --port"
            elif isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
                advice = "give --host an address of this machine, such as 127.0.0.1 or 0.0.0.0"
            else:
                advice = "choose another --host or --port"
            raise CliError("serve", f"cannot listen on {host}:{port} "
                                    f"({exc.strerror or exc}): {advice}") from None


reports.register(main, lambda ctx: ctx.find_object(Cli).journey)
users.register(main, lambda ctx: ctx.find_object(Cli).accounts,
               lambda ctx: ctx.find_object(Cli).journey)
demo.register(main, lambda ctx: ctx.find_object(Cli).journey)
worker.register(main, lambda ctx: ctx.find_object(Cli).journey)
bench.register(main)
