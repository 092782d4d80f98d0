"""Small inline SVG line charts of a value over windows (no JavaScript).

:func:`line_chart` is pure: values in, an ``<svg>`` element out. Each window with
a finite value is one ``<circle class="point">`` (with a ``<title>`` tooltip naming
the window and the value); a window without one (a failed run, no labels yet, NaN)
leaves a gap in the line and a small mark on the axis. Every piece of text is
escaped, so the markup parses as XML whatever the names hold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH = 300
HEIGHT = 80
PAD_X = 8
PAD_TOP = 8
PAD_BOTTOM = 14


@dataclass(frozen=True)
class ChartPoint:
    label: str
    """The window, as shown in the tooltip (e.g. its end)."""
    value: float | None


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _domain(
    values: Sequence[float], lines: Sequence[float], fixed: tuple[float, float] | None
) -> tuple[float, float]:
    if fixed is not None:
        low, high = fixed
        low, high = min([low, *values]), max([high, *values])
    else:
        every = [*values, *lines]
        low, high = min(every), max(every)
    return low, high


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def line_chart(
    points: Sequence[ChartPoint],
    *,
    title: str,
    domain: tuple[float, float] | None = None,
    lines: Sequence[float | None] = (),
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """An SVG chart of ``points`` in order, left to right.

    ``domain`` fixes the y range (widened if a value falls outside it; e.g. ``(0, 1)``
    for shares and scores); otherwise it spans the values and ``lines``.
    ``lines`` are horizontal reference lines (a threshold, a metric's bounds).
    """
    values = [_finite(p.value) for p in points]
    present = [v for v in values if v is not None]
    refs = [v for v in (_finite(x) for x in lines) if v is not None]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f"aria-label={quoteattr(title)}>",
        f"<title>{escape(title)}</title>",
        f'<rect class="frame" x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" '
        'fill="#fff" stroke="#d8dce3"/>',
    ]
    if not present:
        parts.append(
            f'<text class="empty" x="{width / 2:g}" y="{height / 2:g}" text-anchor="middle" '
            'font-size="11" fill="#5b6372">no values yet</text></svg>'
        )
        return "".join(parts)
    low, high = _domain(present, refs, domain)
    plot_h = height - PAD_TOP - PAD_BOTTOM
    span_x = width - 2 * PAD_X

    def x_of(i: int) -> float:
        return width / 2 if len(points) == 1 else PAD_X + span_x * i / (len(points) - 1)

    def y_of(v: float) -> float:
        span = high / 2 - low / 2  # halves: the span of two extreme doubles would overflow
        if span <= 0:
            return PAD_TOP + plot_h / 2  # one value (or all equal): a flat line mid-height
        return PAD_TOP + plot_h * ((high / 2 - v / 2) / span)

    for ref in refs:
        y = y_of(ref)
        parts.append(
            f'<line class="bound" x1="{PAD_X}" x2="{width - PAD_X}" y1="{y:.2f}" y2="{y:.2f}" '
            f'stroke="#b00020" stroke-dasharray="4 3" stroke-width="1">'
            f"<title>{escape(_fmt(ref))}</title></line>"
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x_of(i):.2f},{y_of(v):.2f}")
    if segment:
        segments.append(segment)
    parts.extend(
        f'<polyline class="line" points="{" ".join(s)}" fill="none" stroke="#3056d3" '
        'stroke-width="1.5"/>'
        for s in segments
        if len(s) > 1
    )
    for i, (p, v) in enumerate(zip(points, values, strict=True)):
        tip = f"{p.label}: {'no value' if v is None else _fmt(v)}"
        if v is None:
            parts.append(
                f'<rect class="gap" x="{x_of(i) - 1.5:.2f}" y="{height - PAD_BOTTOM + 2}" '
                f'width="3" height="3" fill="#9aa1ad"><title>{escape(tip)}</title></rect>'
            )
            continue
        parts.append(
            f'<circle class="point" cx="{x_of(i):.2f}" cy="{y_of(v):.2f}" r="2.5" '
            f'fill="#3056d3" data-value="{v!r}"><title>{escape(tip)}</title></circle>'
        )
    parts.append(
        f'<text class="range" x="{PAD_X}" y="{height - 3}" font-size="9" fill="#5b6372">'
        f"{escape(_fmt(low))} – {escape(_fmt(high))}</text></svg>"
    )
    return "".join(parts)
