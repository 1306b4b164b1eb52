"""Charts in Chinese (Noto Sans CJK, installed by make): who pays what, and a reform's change per group.

A chart is a picture: it cannot follow the book's language switch, so its words are Chinese (the alt text carries
the English). It is drawn narrow (CHART_WIDTH inches at PNG_DPI) with FONT_PT text, so that shrunk to a 390-px phone
its labels stay readable, and with few ticks in 万元 so that they never run into each other
(tests/test_charts.py measures both)."""
from __future__ import annotations

import matplotlib

matplotlib.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "DejaVu Sans"]
matplotlib.rcParams["axes.unicode_minus"] = False
matplotlib.rcParams["svg.hashsalt"] = "medrules"  # stable SVG ids between runs

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from ..analysis.reform import reform_chart_data  # noqa: E402
from ..core.rulebook import LAYER_COLOURS, LAYER_LABELS, LAYERS  # noqa: E402, F401  (LAYER_COLOURS: one place)

CHART_WIDTH = 5.0   # inches: 550 px at PNG_DPI, shown at most that wide (1:1 on a laptop, ~0.65 on a phone)
FONT_PT = 10
PNG_DPI = 110
WAN = 10000

matplotlib.rcParams["font.size"] = FONT_PT


def png(fig):
    """The figure as a PNG image output for a page (works with any matplotlib backend)."""
    from io import BytesIO

    from IPython.display import Image
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, bbox_inches="tight")
    plt.close(fig)
    return Image(data=buf.getvalue(), format="png")


def wan_axis(axis, signed: bool = False) -> None:
    """An amount axis in 万元 with at most five ticks: 0, 5, 10, 15, 20 rather than 100,000125,000…"""
    axis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda v, _: (f"{v / WAN:+g}" if signed and v else f"{v / WAN:g}")))


def chinese(label: str) -> str:
    """The Chinese of a label written "中文 English" (a group, a layer): a chart shows no English and no pinyin."""
    from .display import split_pair
    return split_pair(label)[0]


def who_pays_data(totals_by_label: dict) -> dict:
    """The numbers behind a who-pays chart: {bar label: {layer: yuan as float for plotting only}}."""
    keys = list(LAYERS) + ["out_of_pocket"]
    return {bar: {k: float(t[k]) for k in keys} for bar, t in totals_by_label.items()}


def who_pays_chart(totals_by_label: dict, title: str = "谁来支付"):
    """A stacked horizontal bar per scenario, one colour per layer; amounts in 万元."""
    data = who_pays_data(totals_by_label)
    keys = [k for k in list(LAYERS) + ["out_of_pocket"] if any(data[b][k] for b in data)]
    fig, ax = plt.subplots(figsize=(CHART_WIDTH, 1.6 + 0.42 * len(data)), layout="constrained")
    bars = list(data)
    left = [0.0] * len(bars)
    for k in keys:
        widths = [data[b][k] for b in bars]
        ax.barh([chinese(b) for b in bars], widths, left=left, color=LAYER_COLOURS[k], label=LAYER_LABELS[k][0])
        left = [a + w for a, w in zip(left, widths)]
    ax.set_xlabel("万元")
    wan_axis(ax.xaxis)
    ax.set_title(chinese(title))
    ax.invert_yaxis()
    fig.legend(loc="outside lower center", ncol=3, frameon=False)
    return fig


def reform_chart(rows: list[dict], title: str = "改革后各基金支出变化"):
    data = reform_chart_data(rows)
    groups = list(data)
    layers = [k for k in LAYERS if any(data[g][k] for g in groups)] or ["medical_assistance"]
    fig, ax = plt.subplots(figsize=(CHART_WIDTH, 1.4 + 0.45 * len(groups)), layout="constrained")
    height = 0.8 / len(layers)
    for j, k in enumerate(layers):
        ax.barh([i + j * height for i in range(len(groups))], [data[g][k] for g in groups], height=height,
                color=LAYER_COLOURS[k], label=LAYER_LABELS[k][0])
    ax.set_yticks([i + height * (len(layers) - 1) / 2 for i in range(len(groups))], [chinese(g) for g in groups])
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("万元")
    wan_axis(ax.xaxis, signed=True)
    ax.set_title(chinese(title))
    ax.invert_yaxis()
    fig.legend(loc="outside lower center", ncol=3, frameon=False)
    return fig


def save_reform_chart(rows: list[dict], path) -> None:
    """The reform chart as a PNG at `path` (reform --chart)."""
    fig = reform_chart(rows)
    fig.savefig(path, format="png", dpi=PNG_DPI, bbox_inches="tight")
    plt.close(fig)


def text_problems(fig, min_pt: float = FONT_PT - 2) -> list[str]:
    """What would make a chart hard to read: tick labels of one axis that overlap, and text smaller than min_pt."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        for name, labels in (("x", ax.get_xticklabels()), ("y", ax.get_yticklabels())):
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels if t.get_visible() and t.get_text()]
            for (a, box_a), (b, box_b) in zip(boxes, boxes[1:]):
                if box_a.overlaps(box_b):
                    found.append(f"{name} ticks overlap: {a!r} and {b!r}")
    for text in fig.findobj(matplotlib.text.Text):
        if text.get_visible() and text.get_text().strip() and text.get_fontsize() < min_pt:
            found.append(f"text {text.get_text()!r} at {text.get_fontsize()} pt")
    return found
