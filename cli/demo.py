"""`journey demo`: the communities of the seeds, appended through the normal commands."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import click

from journey import errors
from projections.demo_runner import DemoError, load_demo


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal (its length known once the generator has counted)."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=1, label="Loading the demo", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        yield progress


def register(main: click.Group, journey_of: Callable[[click.Context], Any]) -> None:
    """Add the demo command to the `journey` group."""

    @main.command("demo")
    @click.option("--seed", default=1, show_default=True, help="Same seed, same story.")
    @click.option("--scale", type=click.Choice(["small", "full"]), default="small",
                  show_default=True, help="small: each story once (~7k events); full: "
                  "200k+ events for benchmarks.")
    @click.option("--if-empty", is_flag=True,
                  help="Do nothing when the log already holds events (for make demo).")
    @click.pass_context
    def demo(ctx, seed: int, scale: str, if_empty: bool) -> None:
        """Load the demo communities into an empty log.

        Five Serbian school CoPs and their network, a cross-border virtual CoP of teachers
        in displacement (Nigeria, Lebanon, Kenya), the 2024 virtual CoP of aspiring
        teachers, and learning communities in ten North Macedonian schools whose mentors
        hand over.

        \b
        Example:
          journey init && journey demo --seed 1 && journey report leadership --network lc-mk
        """
        journey = journey_of(ctx)
        if journey.store.last_position() > 0:
            if if_empty:
                click.echo(f"The log already holds {journey.store.last_position()} events: "
                           "no demo loaded.")
                return
            raise errors.InvalidValue("the demo loads into an empty log only",
                                      rule="not_empty")
        with _progress() as progress:
            try:
                report = load_demo(journey.store, seed=seed, scale=scale, progress=progress)
            except DemoError as exc:
                raise errors.InvalidValue(str(exc), rule="demo") from exc
        journey.runner.catch_up()
        click.echo(f"Loaded {report.events} events: {report.communities} communities, "
                   f"{report.members} members, in {report.seconds:.1f} s.")
