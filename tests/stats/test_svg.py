"""The server-side bar chart: escaped, labelled, readable without colour."""

import re

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString

from dissent.stats.svg import Series, bar_chart, nice_scale

HOSTILE = '<script>alert("x")</script>&'


def chart(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "chart_id": "filed",
        "title": "Memos filed per month",
        "description": "January: 7, February: 12",
        "categories": ["Jan\n2026", "Feb\n2026"],
        "series": [Series("Memos filed", [7, 12], ["7", "12"])],
        "value_axis": "Memos filed",
        "category_axis": "Month of filing",
    }
    arguments.update(overrides)
    return bar_chart(**arguments)  # type: ignore[arg-type]


def test_every_text_is_escaped_before_the_markup_is_marked_safe() -> None:
    markup = chart(
        title=HOSTILE,
        description=HOSTILE,
        categories=[HOSTILE, "Feb"],
        series=[Series(HOSTILE, [1, 2], [HOSTILE, "2"]), Series("other", [2, 1], ["2", "1"])],
        value_axis=HOSTILE,
        category_axis=HOSTILE,
    )

    assert isinstance(markup, SafeString)
    assert "<script" not in markup
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in markup
    # title, desc, category, legend, value, two axis labels
    assert markup.count("&lt;script&gt;") == 7


def test_the_chart_survives_a_template_unescaped_but_its_labels_stay_escaped() -> None:
    rendered = Template("{{ chart }}").render(Context({"chart": chart(categories=[HOSTILE, "Feb"])}))

    assert rendered.startswith("<svg ")
    assert "<script" not in rendered


def test_an_image_with_a_title_and_a_description_for_screen_readers() -> None:
    markup = chart()

    assert re.match(r'<svg [^>]*role="img" [^>]*aria-labelledby="filed-title filed-desc"', markup)
    assert '<title id="filed-title">Memos filed per month</title>' in markup
    assert '<desc id="filed-desc">January: 7, February: 12</desc>' in markup


def test_each_bar_carries_its_value_as_visible_text() -> None:
    markup = chart()

    values = re.findall(r'<text class="value"[^>]*>([^<]*)</text>', markup)
    assert values == ["7", "12"]
    assert markup.count("<rect ") == 2


def test_axes_and_category_labels_are_text() -> None:
    markup = chart()

    assert ">Month of filing</text>" in markup
    assert 'rotate(-90)" text-anchor="middle" font-weight="600">Memos filed</text>' in markup
    assert ">Jan</tspan>" in markup
    assert ">2026</tspan>" in markup


def test_a_second_series_differs_by_pattern_and_is_named_in_a_legend() -> None:
    markup = chart(
        categories=["Acknowledgment", "Reply"],
        series=[
            Series("Median", [1.5, 20.0], ["1.5", "20.0"]),
            Series("90th percentile", [5.0, 45.5], ["5.0", "45.5"]),
        ],
    )

    assert '<pattern id="filed-p1"' in markup
    assert markup.count('fill="url(#filed-p1)"') == 3  # two bars and the legend's swatch
    assert ">Median</text>" in markup
    assert ">90th percentile</text>" in markup


def test_a_single_series_needs_no_legend_and_no_pattern() -> None:
    markup = chart()

    assert "<pattern" not in markup
    assert 'width="16" height="14"' not in markup  # the legend's swatch


def test_sizes_are_viewbox_units_so_the_chart_scales_to_its_container() -> None:
    markup = chart()

    assert re.match(r'<svg class="chart" viewBox="0 0 480 \d+" width="100%"', markup)
    assert "px" not in markup


def test_bar_heights_follow_the_values_on_a_round_axis() -> None:
    markup = chart(series=[Series("Memos filed", [0, 12], ["0", "12"])], whole=True)

    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', markup)]
    assert heights == [160.0]  # 12 on an axis topped at 15: 200 * 12 / 15; no bar for 0
    ticks = re.findall(r'text-anchor="end">([^<]*)</text>', markup)
    assert ticks == ["0", "5", "10", "15"]


def test_a_missing_value_draws_no_bar_but_says_so() -> None:
    markup = chart(series=[Series("Median", [None, 3.0], ["—", "3.0"])])

    assert markup.count("<rect ") == 1
    assert re.findall(r'<text class="value"[^>]*>([^<]*)</text>', markup) == ["—", "3.0"]


@pytest.mark.parametrize("chart_id", ['x" onload="alert(1)', "Filed", "", "1st"])
def test_the_chart_id_must_be_a_plain_slug(chart_id: str) -> None:
    with pytest.raises(ValueError, match="chart_id"):
        chart(chart_id=chart_id)


def test_each_series_needs_a_value_and_a_text_per_category() -> None:
    with pytest.raises(ValueError, match="one value and one text per category"):
        chart(series=[Series("Memos filed", [7], ["7"])])


@pytest.mark.parametrize(
    ("largest", "whole", "expected"),
    [
        (0, False, (1.0, 1.0)),
        (7, False, (8.0, 2.0)),
        (12, True, (15.0, 5.0)),
        (3, True, (3.0, 1.0)),
        (45.5, False, (60.0, 20.0)),
        (100, False, (100.0, 50.0)),
    ],
)
def test_nice_scale(largest: float, whole: bool, expected: tuple[float, float]) -> None:
    assert nice_scale(largest, whole=whole) == expected
