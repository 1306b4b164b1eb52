"""Charts with Chinese labels (Noto Sans CJK, installed by make): who pays what."""
from __future__ import annotations

import matplotlib

matplotlib.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "DejaVu Sans"]
matplotlib.rcParams["axes.unicode_minus"] = False
matplotlib.rcParams["svg.hashsalt"] = "medrules"  # stable SVG ids between runs

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import StrMethodFormatter  # noqa: E402

from ..core.rulebook import LAYER_COLOURS, LAYER_LABELS, LAYERS  # noqa: E402, F401  (LAYER_COLOURS: one place)


def who_pays_data(totals_by_label: dict) -> dict:
    """The numbers behind a who-pays chart: {bar label: {layer: yuan as float for plotting only}}."""
    keys = list(LAYERS) + ["out_of_pocket"]
    return {bar: {k: float(t[k]) for k in keys} for bar, t in totals_by_label.items()}


def who_pays_chart(totals_by_label: dict, title: str = "谁来支付 Who pays what"):
    """A stacked horizontal bar per scenario, one colour per layer."""
    data = who_pays_data(totals_by_label)
    fig, ax = plt.subplots(figsize=(8, 1.9 + 0.45 * len(data)), layout="constrained")  # room for the legend
    bars = list(data)
    left = [0.0] * len(bars)
    for k in list(LAYERS) + ["out_of_pocket"]:
        widths = [data[b][k] for b in bars]
        ax.barh(bars, widths, left=left, color=LAYER_COLOURS[k], label=f"{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}")
        left = [a + w for a, w in zip(left, widths)]
    ax.set_xlabel("元 yuan")
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))  # 200,000 rather than 200000
    ax.set_title(title)
    ax.invert_yaxis()
    fig.legend(loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    return fig
