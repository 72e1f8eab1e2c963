"""A progress chart the core described (bot.documents.model.ProgressChart) as a PNG to read on a phone:
1080 pixels wide, a unit to a row in the core's order, two bars each (the share of reports
handed in, the share of questions answered) with the core's whole percent written at the bar's end.

Drawn on matplotlib's Agg canvas through a Figure of its own, never pyplot: pyplot keeps global
state, and this runs in worker threads. Every text names its font (DejaVu Sans, in matplotlib's
wheel, with every Vietnamese letter) rather than relying on rcParams, which are global too. The
page is laid out by measuring the text: long titles and unit names are wrapped, never cut."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.documents.model import ProgressChart

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

__all__ = ["write_chart"]

DPI = 150
WIDTH = 1080 / DPI  # inches: a phone's screen, pixel for pixel
MARGIN = 0.25  # inches, around the page
LABEL_SHARE = 0.42  # of the width, at most, for the units' names
ROW = 0.56  # inches per unit: two bars and the gap to the next
BAR = 0.37  # of a row's height, for each bar
FONT = "DejaVu Sans"
TITLE_SIZE = 16
TEXT_SIZE = 12  # points: the least a phone shows legibly at this width
LINE = 1.3  # line height, as a multiple of the font size
SUBMITTED_COLOUR = "#1f5fa8"
ANSWERED_COLOUR = "#8dbbe6"
INSIDE = 85  # percent: a longer bar carries its value inside its end, a shorter one after it


def write_chart(path: Path, chart: ProgressChart) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Patch

    title_font = FontProperties(family=FONT, size=TITLE_SIZE, weight="bold")
    text_font = FontProperties(family=FONT, size=TEXT_SIZE)
    figure = Figure(figsize=(WIDTH, 1), dpi=DPI)
    renderer = FigureCanvasAgg(figure).get_renderer()
    page = (WIDTH - 2 * MARGIN) * DPI  # pixels

    title = wrap(chart.title, title_font, page, renderer)
    subtitle = wrap(chart.subtitle, text_font, page, renderer)
    labels = [wrap(bar.label, text_font, page * LABEL_SHARE, renderer) for bar in chart.bars]
    head = MARGIN + inches(title, TITLE_SIZE) + inches(subtitle, TEXT_SIZE) + 0.2
    legend = 2 * TEXT_SIZE * LINE / 72
    axis = 1.6 * TEXT_SIZE * LINE / 72  # the top ticks, above the bars
    foot = 2.6 * TEXT_SIZE * LINE / 72 + MARGIN  # the bottom ticks and the axis label
    count = max(len(chart.bars), 1)  # an empty chart still draws its axis
    height = head + legend + axis + count * ROW + foot
    figure.set_size_inches(WIDTH, height)

    x = MARGIN / WIDTH
    figure.text(x, 1 - MARGIN / height, title, va="top", fontproperties=title_font)
    below_title = 1 - (MARGIN + inches(title, TITLE_SIZE)) / height
    figure.text(x, below_title, subtitle, va="top", fontproperties=text_font, color="#444444")
    if any(chart.legend):
        figure.legend(
            handles=[Patch(color=SUBMITTED_COLOUR), Patch(color=ANSWERED_COLOUR)], labels=list(chart.legend),
            loc="upper left", bbox_to_anchor=(x, 1 - head / height), ncols=2, frameon=False, prop=text_font,
            borderaxespad=0, handlelength=1.2, columnspacing=1.5,
        )  # fmt: skip
    lines = [line for label in labels for line in label.split("\n")]
    label_width = max((text_width(line, text_font, renderer) for line in lines), default=0)
    left = MARGIN + label_width / DPI + 0.15
    right = 0.45  # the last tick label, "100", is centred on the axis' end
    axes = figure.add_axes((left / WIDTH, foot / height, (WIDTH - left - right) / WIDTH, count * ROW / height))
    draw_bars(axes, chart, labels, text_font)
    axes.set_ylim(count - 0.5, -0.5)  # the first bar at the top
    axes.set_xlabel(chart.axis, fontproperties=text_font)
    figure.savefig(path, format="png", dpi=DPI)


def draw_bars(axes: Axes, chart: ProgressChart, labels: list[str], font: FontProperties) -> None:
    """Two bars a row, each with its percent at its end: inside a bar that nearly reaches 100
    (where the text would leave the axis), after a shorter one."""
    rows = range(len(chart.bars))
    for offset, colour, inside_colour, values in (
        (-BAR / 2, SUBMITTED_COLOUR, "white", [bar.submitted for bar in chart.bars]),
        (BAR / 2, ANSWERED_COLOUR, "black", [bar.answered for bar in chart.bars]),
    ):
        axes.barh([row + offset for row in rows], values, height=BAR, color=colour)
        for row, value in zip(rows, values, strict=True):
            inside = value >= INSIDE
            axes.annotate(
                f"{value}%", (value, row + offset), xytext=(-4 if inside else 4, 0), textcoords="offset points",
                ha="right" if inside else "left", va="center", color=inside_colour if inside else "black",
                fontproperties=font,
            )  # fmt: skip
    axes.set_xlim(0, 100)
    axes.set_xticks(range(0, 101, 20))
    axes.tick_params(axis="x", top=True, labeltop=True, labelsize=TEXT_SIZE, labelfontfamily=FONT)
    axes.set_yticks(list(rows), labels, fontproperties=font)
    axes.tick_params(axis="y", length=0)
    axes.grid(axis="x", color="#dddddd")
    axes.set_axisbelow(True)
    for side in ("right", "left"):
        axes.spines[side].set_visible(False)


def inches(text: str, size: float) -> float:
    """The height of a block of text lines set at `size` points."""
    return (text.count("\n") + 1) * size * LINE / 72


def wrap(text: str, font: FontProperties, width: float, renderer: RendererAgg) -> str:
    """`text` broken between words into lines no wider than `width` pixels (a single word wider
    than that keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and text_width(trial, font, renderer) <= width:
            lines[-1] = trial
        else:
            lines.append(word)
    return "\n".join(lines)


def text_width(line: str, font: FontProperties, renderer: RendererAgg) -> float:
    """In pixels, as the canvas will draw it."""
    return renderer.get_text_width_height_descent(line, font, ismath=False)[0]
