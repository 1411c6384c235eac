"""Inline SVG charts: well-formed, described in words, escaped, and free of style attributes."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from web.charts import bar_chart, line_chart, progress_bar, tier_path

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script>"&'


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def test_every_chart_is_well_formed_described_and_has_no_style_attribute() -> None:
    quarters = [f"2024-Q{q}" for q in range(1, 5)]
    charts = [bar_chart(["a", HOSTILE], [1, 2.5], title=HOSTILE),
              line_chart(quarters, {HOSTILE: [0.1, None, 0.3, 0.4], "b": [1, 2, 3, 4]},
                         title="Trend"),
              tier_path(quarters, ["inactive", "peripheral", None, "core"], title="Path")]
    for chart in charts:
        root = parse(chart)
        assert root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None and desc is not None and desc.text
        assert set(root.get("aria-labelledby").split()) == {title.get("id"), desc.get("id")}
        assert all("style" not in el.attrib for el in root.iter())  # CSP: style-src 'self'
        assert "<script>" not in str(chart)


def test_a_gap_breaks_the_line_and_the_description_says_so() -> None:
    root = parse(line_chart(["q1", "q2", "q3"], {"s": [1, None, 2]}, title="t"))
    assert len(root.findall(f"{SVG}polyline")) == 2
    assert "q2 –" in root.find(f"{SVG}desc").text


def test_crowded_axis_labels_are_thinned_but_every_quarter_is_described() -> None:
    labels = [f"{2015 + i // 4}-Q{i % 4 + 1}" for i in range(40)]
    root = parse(line_chart(labels, {"s": list(range(40))}, title="t"))
    shown = [t.text for t in root.findall(f"{SVG}text") if t.text in labels]
    assert 5 <= len(shown) < 40
    assert all(label in root.find(f"{SVG}desc").text for label in labels)
    assert len(root.findall(f"{SVG}circle")) == 40  # every point keeps its tooltip


def test_bars_scale_to_the_largest_value() -> None:
    root = parse(bar_chart(["x", "y"], [2, 4], title="t"))
    widths = [float(r.get("width")) for r in root.findall(f"{SVG}rect")]
    assert widths[1] == 2 * widths[0]


def test_progress_bar_says_how_far() -> None:
    assert 'max="4" value="1"' in str(progress_bar(1, 4, label="Plan"))
    assert 'max="1" value="0"' in str(progress_bar(0, 0, label="Empty plan"))
