"""Charts with Chinese labels (Noto Sans CJK, installed by make): who pays what."""
from __future__ import annotations

import matplotlib

matplotlib.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "DejaVu Sans"]
matplotlib.rcParams["axes.unicode_minus"] = False
matplotlib.rcParams["svg.hashsalt"] = "medrules"  # stable SVG ids between runs

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import StrMethodFormatter  # noqa: E402

from ..analysis.reform import reform_chart_data  # noqa: E402
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


def reform_chart(rows: list[dict], title: str = "改革后各基金支出变化 Change in each fund's cost"):
    data = reform_chart_data(rows)
    groups = list(data)
    layers = [k for k in LAYERS if any(data[g][k] for g in groups)] or ["medical_assistance"]
    fig, ax = plt.subplots(figsize=(8, 1.6 + 0.5 * len(groups)), layout="constrained")
    height = 0.8 / len(layers)
    for j, k in enumerate(layers):
        ax.barh([i + j * height for i in range(len(groups))], [data[g][k] for g in groups], height=height,
                color=LAYER_COLOURS[k], label=f"{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}")
    ax.set_yticks([i + height * (len(layers) - 1) / 2 for i in range(len(groups))], groups)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("元 yuan")
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_title(title)
    ax.invert_yaxis()
    fig.legend(loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    return fig


def save_reform_chart(rows: list[dict], path) -> None:
    """The reform chart as a PNG at `path` (reform --chart)."""
    fig = reform_chart(rows)
    fig.savefig(path, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
