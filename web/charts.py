"""Charts as inline SVG, made on the server: no script, no CDN, readable by screen readers.

Each chart is an `<svg role="img">` with a <title> and a <desc> that say in words what it
shows, and a <title> on every mark (the browser's tooltip). Colours and sizes are SVG
presentation attributes, not style attributes, so the Content-Security-Policy
(`style-src 'self'`) needs no exception. The SVG scales with its container
(viewBox + width 100%), so a chart reads on a phone too.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import count
from typing import Optional

from markupsafe import Markup, escape

#: Colour-blind safe (Okabe-Ito), each with contrast >= 3:1 on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8C6D00", "#56B4E9", "#000000")
TEXT = "#222222"
GRID = "#BBBBBB"
_ids = count(1)


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _frame(width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    uid = next(_ids)
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="chart-t{uid} chart-d{uid}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-t{uid}">{escape(title)}</title>'
        f'<desc id="chart-d{uid}">{escape(desc)}</desc>{"".join(body)}</svg>')


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str,
              max_value: float | None = None,
              fmt: Callable[[float], str] = _number) -> Markup:
    """Horizontal bars, one per label, with the value written at the end of each bar."""
    row, left, right = 28, 170, 60
    width = 640
    height = max(row * len(labels) + 10, 40)
    top = max([max_value or 0, *values, 0]) or 1
    body = []
    for i, (label, value) in enumerate(zip(labels, values)):
        y = 5 + i * row
        length = (width - left - right) * (value / top if top else 0)
        shown = fmt(value)
        body.append(
            f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" font-size="13" '
            f'fill="{TEXT}">{escape(label)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{max(length, 0):.1f}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text x="{left + length + 6:.1f}" y="{y + 17}" font-size="13" '
            f'fill="{TEXT}">{escape(shown)}</text>')
    desc = "; ".join(f"{label}: {fmt(value)}" for label, value in zip(labels, values))
    return _frame(width, height, title, desc, body)


def line_chart(labels: Sequence[str], series: dict[str, Sequence[Optional[float]]], *,
               title: str, max_value: float | None = None,
               fmt: Callable[[float], str] = _number) -> Markup:
    """One line per series over the labels (quarters); a None value breaks the line."""
    # One legend row per series under the plot: names are long in every language.
    legend_rows = len(series)
    width, height = 640, 226 + 20 * legend_rows
    left, right, top_pad, bottom = 48, 16, 16, 30 + 20 * legend_rows
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    values = [v for vs in series.values() for v in vs if v is not None]
    top = max([max_value or 0, *values, 0]) or 1
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return top_pad + plot_h * (1 - v / top)

    body = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" '
            f'y2="{top_pad + plot_h}" stroke="{GRID}"/>']
    for step in range(0, 5):
        v = top * step / 4
        body.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{width - right}" y2="{y(v):.1f}" '
                    f'stroke="{GRID}" stroke-dasharray="2 4"/>'
                    f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11" '
                    f'fill="{TEXT}">{escape(fmt(v))}</text>')
    # Every label when they fit (about 56 units each), else every step-th one: each point
    # still names its quarter in its tooltip and the description.
    step = max(1, -(-len(labels) * 56 // plot_w))
    for i, label in enumerate(labels):
        if i % step == 0:
            body.append(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" '
                        f'text-anchor="middle" font-size="11" fill="{TEXT}">'
                        f'{escape(label)}</text>')
    descs = []
    for k, (name, vs) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        runs, run = [], []
        for i, v in enumerate(vs):
            if v is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((x(i), y(v)))
        if run:
            runs.append(run)
        for points in runs:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                        f'stroke-width="2.5"/>')
        for i, v in enumerate(vs):
            if v is not None:
                body.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{colour}">'
                            f'<title>{escape(name)}, {escape(labels[i])}: '
                            f'{escape(fmt(v))}</title></circle>')
        legend_y = height - bottom + 40 + 20 * k
        legend_x = left
        body.append(f'<rect x="{legend_x}" y="{legend_y - 10}" width="12" height="12" '
                    f'fill="{colour}"/><text x="{legend_x + 16}" y="{legend_y}" font-size="12" '
                    f'fill="{TEXT}">{escape(name)}</text>')
        descs.append(f"{name}: " + ", ".join(
            f"{label} {fmt(v) if v is not None else '–'}" for label, v in zip(labels, vs)))
    return _frame(width, height, title, "; ".join(descs), body)


#: The tiers from the periphery to the core, bottom to top.
TIERS = ("inactive", "peripheral", "active", "core")


def tier_path(labels: Sequence[str], tiers: Sequence[Optional[str]], *, title: str,
              tier_names: dict[str, str] | None = None) -> Markup:
    """A member's tier per quarter as steps from the periphery (bottom) to the core (top).

    `tier_names` gives the tiers' names in the page's language.
    """
    names = tier_names or {t: t for t in TIERS}
    width, height = 640, 200
    left, right, top_pad, bottom = 96, 16, 12, 36
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    n = max(len(labels), 1)
    level = {t: i for i, t in enumerate(TIERS)}

    def x(i: int) -> float:
        return left + plot_w * (i + 0.5) / n

    def y(tier: str) -> float:
        return top_pad + plot_h * (1 - level[tier] / (len(TIERS) - 1))

    body = []
    for tier in TIERS:
        body.append(f'<line x1="{left}" y1="{y(tier):.1f}" x2="{width - right}" '
                    f'y2="{y(tier):.1f}" stroke="{GRID}" stroke-dasharray="2 4"/>'
                    f'<text x="{left - 8}" y="{y(tier) + 4:.1f}" text-anchor="end" '
                    f'font-size="12" fill="{TEXT}">{escape(names.get(tier, tier))}</text>')
    step = max(1, -(-len(labels) * 56 // plot_w))  # as line_chart: labels that fit
    for i, label in enumerate(labels):
        if i % step == 0:
            body.append(f'<text x="{x(i):.1f}" y="{height - 12}" text-anchor="middle" '
                        f'font-size="11" fill="{TEXT}">{escape(label)}</text>')
    points = [(x(i), y(t)) for i, t in enumerate(tiers) if t in level]
    if len(points) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" '
                    f'stroke-width="2.5"/>')
    for i, t in enumerate(tiers):
        if t in level:
            body.append(f'<circle cx="{x(i):.1f}" cy="{y(t):.1f}" r="5" fill="{PALETTE[0]}">'
                        f'<title>{escape(labels[i])}: {escape(names.get(t, t))}</title></circle>')
    desc = ", ".join(f"{label}: {names.get(t, t) if t else '–'}" for label, t in zip(labels, tiers))
    return _frame(width, height, title, desc, body)


def progress_bar(done: int, total: int, *, label: str) -> Markup:
    """An accessible progress bar (a <progress> element, styled by the stylesheet)."""
    return Markup(f'<progress max="{max(total, 1)}" value="{done}" aria-label="{escape(label)}">'
                  f'{done}/{total}</progress>')
