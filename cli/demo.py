"""`journey demo`: the seeds' stories loaded into an empty log, and an account per role."""
from __future__ import annotations

import sys
from typing import Any, Callable

import click

from cli.users import create_demo_accounts, print_demo_accounts
from events.accounts import Accounts
from projections.demo_runner import DemoError, DemoRefused, load_demo


def register(main: click.Group, journey_of: Callable[[click.Context], Any]) -> None:
    """Add `journey demo` to the group."""

    @main.command("demo")
    @click.option("--seed", default=1, show_default=True, type=int,
                  help="The same seed gives the same stories, people and texts.")
    @click.option("--scale", type=click.Choice(["small", "full"]), default="small",
                  show_default=True, help="full: ≥ 200,000 events, for benchmarks.")
    @click.option("--if-empty", is_flag=True,
                  help="Load only into an empty log; otherwise say so and exit 0.")
    @click.pass_context
    def demo(ctx: click.Context, seed: int, scale: str, if_empty: bool) -> None:
        """Load the demo's communities into an empty log, with an account per role.

        The four stories of the seeds (Serbian school CoPs, a cross-border virtual CoP,
        the 2024 aspiring-teachers CoP, North Macedonian learning communities), every
        event judged by the domain rules. Then an account for a teacher, a facilitator,
        a coordinator and an admin is made (or given a new password) and printed.

        \b
        Example:
          journey init && journey demo && journey report leadership --network lc-mk
        """
        from cli.main import CliError

        journey = journey_of(ctx)
        store = journey.store
        if store.last_position() != 0:
            if if_empty:
                click.echo(f"the log already holds {store.last_position()} events: "
                           "no demo loaded")
                return
            raise CliError("not_empty", f"the demo loads into an empty log only; this one "
                                        f"holds {store.last_position()} events")
        try:
            report = _load(store, seed, scale)
        except DemoRefused as exc:
            raise CliError("demo", str(exc)) from None  # a generator bug: say so plainly
        except DemoError as exc:
            raise CliError("not_empty", str(exc)) from None
        journey.runner.catch_up()
        click.echo(f"Loaded {report.events} events: {report.communities} communities, "
                   f"{report.members} members, in {report.seconds:.1f} s")
        accounts = Accounts(journey.log.recorder.engine)
        print_demo_accounts(create_demo_accounts(store, accounts))


def _load(store, seed: int, scale: str):
    if not sys.stderr.isatty():
        return load_demo(store, seed=seed, scale=scale)
    with click.progressbar(length=1, label="loading the demo", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)
        return load_demo(store, seed=seed, scale=scale, progress=progress)
