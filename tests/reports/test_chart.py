"""The inline SVG line chart: valid XML, one point per window with a value, y in proportion."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.reports.chart import ChartPoint, line_chart

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def of_class(root: ET.Element, tag: str, css: str) -> list[ET.Element]:
    return [e for e in root.iter(NS + tag) if e.get("class") == css]


def chart(values: list[float | None], **kwargs: object) -> ET.Element:
    points = [ChartPoint(f"w{i}", v) for i, v in enumerate(values)]
    return parse(line_chart(points, title="t", **kwargs))  # type: ignore[arg-type]


def test_each_value_is_a_point_left_to_right_with_y_in_proportion() -> None:
    values: list[float | None] = [0.2, 0.5, 0.1, 0.9, 0.5]
    root = chart(values, domain=(0.0, 1.0))
    points = of_class(root, "circle", "point")
    assert len(points) == 5
    xs = [float(p.get("cx", "")) for p in points]
    ys = [float(p.get("cy", "")) for p in points]
    assert xs == sorted(xs) and len(set(xs)) == 5
    # equal steps between windows
    steps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
    assert max(steps) - min(steps) < 0.02
    # y falls as the value rises, linearly: (y - y0) / (v - v0) is one slope
    slopes = [
        (ys[i] - ys[0]) / (v - 0.2) for i, v in enumerate(values) if v is not None and v != 0.2
    ]
    assert all(s < 0 for s in slopes)
    assert max(slopes) - min(slopes) < 0.05
    assert ys[1] == ys[4]
    assert [float(p.get("data-value", "")) for p in points] == values
    assert [p.find(NS + "title").text for p in points] == [  # type: ignore[union-attr]
        "w0: 0.2",
        "w1: 0.5",
        "w2: 0.1",
        "w3: 0.9",
        "w4: 0.5",
    ]


def test_a_fixed_domain_puts_its_ends_at_the_plot_edges_and_draws_bounds() -> None:
    root = chart([0.0, 1.0], domain=(0.0, 1.0), lines=[0.5, None])
    low, high = of_class(root, "circle", "point")
    (bound,) = of_class(root, "line", "bound")
    y0, y1, yb = float(low.get("cy", "")), float(high.get("cy", "")), float(bound.get("y1", ""))
    assert y0 > y1
    assert yb == pytest.approx((y0 + y1) / 2, abs=0.01)


def test_gaps_break_the_line_and_are_marked() -> None:
    root = chart([0.3, None, 0.4, 0.5, math.nan, 0.6])
    assert len(of_class(root, "circle", "point")) == 4
    assert len(of_class(root, "rect", "gap")) == 2
    lines = of_class(root, "polyline", "line")
    # segments [0.3], [0.4, 0.5], [0.6]: only the one with two points is a line
    assert len(lines) == 1 and len(lines[0].get("points", "").split()) == 2


def test_one_point_is_centred_and_no_values_say_so() -> None:
    root = chart([0.7])
    (point,) = of_class(root, "circle", "point")
    assert float(point.get("cx", "")) == float(root.get("width", "")) / 2
    empty = chart([None, math.nan])
    assert of_class(empty, "circle", "point") == []
    assert "no values yet" in "".join(empty.itertext())
    assert of_class(chart([]), "circle", "point") == []


def test_text_is_escaped() -> None:
    hostile = '</svg><script>alert("x")</script> & <b>'
    svg = line_chart([ChartPoint(hostile, 1.0)], title=hostile)
    root = parse(svg)
    assert root.find(NS + "title").text == hostile  # type: ignore[union-attr]
    assert root.get("aria-label") == hostile
    assert "<script>" not in svg


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.floats(allow_nan=True, allow_infinity=True, width=64),
            st.floats(-1e6, 1e6),
        ),
        max_size=40,
    )
)
def test_any_values_give_valid_svg_with_one_point_per_finite_value(
    values: list[float | None],
) -> None:
    root = chart(values)
    finite = [v for v in values if v is not None and math.isfinite(v)]
    points = of_class(root, "circle", "point")
    assert len(points) == len(finite)
    height = float(root.get("height", ""))
    for p in points:
        assert 0 <= float(p.get("cy", "")) <= height
    if len(finite) >= 2 and max(finite) > min(finite):
        ys = [float(p.get("cy", "")) for p in points]
        assert ys[finite.index(max(finite))] < ys[finite.index(min(finite))]


def test_huge_values_stay_inside_the_chart() -> None:
    """Found by the property above: the span times the plot height overflowed."""
    root = chart([0.0, 6.198941844352813e306])
    ys = [float(p.get("cy", "")) for p in of_class(root, "circle", "point")]
    height = float(root.get("height", ""))
    assert all(0 <= y <= height for y in ys) and ys[0] > ys[1]
