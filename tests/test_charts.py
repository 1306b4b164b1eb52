"""The book's charts read in Chinese on a laptop and a phone (issue 23): every word Chinese (no English, no pinyin
codes), tick labels that never run into each other, text no smaller than the book's chart size, and drawn narrow
enough that a 390-px phone shows them at a readable scale (tests/test_book_browser.py measures them on the page)."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from medrules.analysis.compare import CLAIM_INPUTS, CLAIM_SLIP_EXAMPLES  # noqa: E402
from medrules.publish import charts  # noqa: E402
from medrules.publish.book.benefits import inpatient_stay  # noqa: E402
from medrules.publish.book.comparison import oop_chart, oop_curve, run_everywhere  # noqa: E402

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def words(fig) -> list[str]:
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]


def who_pays():
    bars = {}
    for cat in ("tekun", "dibao"):
        for r in run_everywhere({"category": cat, "insurance": "resident"}, inpatient_stay(200000), CLAIM_INPUTS,
                                CLAIM_SLIP_EXAMPLES):
            if r["policy"] in CLAIM_INPUTS:  # the claim policies (the others refuse a claim scenario)
                bars[f"{cat} · {r['policy']}"] = r["totals"]
    return bars


def test_the_who_pays_chart_is_readable_and_chinese():
    from medrules.publish.book.comparison import chart_name
    from medrules.core.categories import CATEGORIES
    bars = {f"{CATEGORIES[k.split(' · ')[0]][0]} · {chart_name(k.split(' · ')[1])}": v for k, v in who_pays().items()}
    fig = charts.who_pays_chart(bars, title="住院20万元：谁来支付")
    assert charts.text_problems(fig) == []
    latin = [w for w in words(fig) if LATIN_WORD.search(w)]
    assert latin == [], latin
    # The amounts in 万元: 0 to 20, a handful of ticks (it was 100,000125,000… run together).
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert 3 <= len(ticks) <= 6 and ticks[0] == "0" and all("," not in t for t in ticks), ticks
    assert fig.get_figwidth() <= charts.CHART_WIDTH


def test_the_out_of_pocket_chart_has_every_claim_policy_in_every_panel_and_no_english():
    bills = [20000, 100000, 500000, 1000000]
    people = ["tekun", "dibao"]
    curves, _, lower = oop_curve(people, bills, inpatient_stay, CLAIM_INPUTS, slips=CLAIM_SLIP_EXAMPLES)
    fig = oop_chart(curves, bills, people, lower)
    panels = [ax for ax in fig.axes if ax.get_lines()]
    assert len(panels) == len(people)
    for ax in panels:  # no empty panel, and Guizhou is drawn too (lines without a label are hollow points)
        named = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
        assert len(named) == len(CLAIM_INPUTS), (ax.get_title(), named)
        # Shandong's 再救助 is known only as its maximum (up to 20,000) on the large bills: its out of pocket there is
        # a lower bound, drawn hollow and said in its name
        assert [n for n in named if "山东" in n and "下限" in n], named
        assert any(line.get_markerfacecolor() == "white" for line in ax.get_lines())
    assert all(not any(flags[:2]) and all(flags[2:]) for (cat, pid), flags in lower.items()
               if pid == "shandong-2022-major-illness"), lower
    assert charts.text_problems(fig) == []
    latin = [w for w in words(fig) if LATIN_WORD.search(w)]
    assert latin == [], latin


def test_the_reform_chart_names_groups_in_chinese_without_pinyin_codes():
    rows = [{"group": "低保对象 dibao", **{f"{k}_change": 0 for k in charts.LAYERS}, "medical_assistance_change": 7_490_332},
            {"group": "低保对象+因病致贫重病患者 dibao+yinbing_zhipin",
             **{f"{k}_change": 0 for k in charts.LAYERS}, "medical_assistance_change": 4_000_000},
            {"group": "全部 everyone", **{f"{k}_change": 0 for k in charts.LAYERS}}]
    fig = charts.reform_chart(rows, title="温州 10万→12万：各基金支出变化")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["低保对象", "低保对象+因病致贫重病患者"], labels
    assert charts.text_problems(fig) == []
    assert [w for w in words(fig) if LATIN_WORD.search(w)] == []


def test_the_readability_check_sees_ticks_that_run_together_and_small_text():
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1_000_000], [0, 1])
    ax.set_xticks(range(0, 1_000_001, 100_000), [f"{v:,}" for v in range(0, 1_000_001, 100_000)])
    ax.set_title("小", fontsize=5)
    found = charts.text_problems(fig)
    plt.close(fig)
    assert any("overlap" in f for f in found) and any("'小' at 5" in f for f in found), found


def test_amounts_on_a_wan_axis_are_whole_wan():
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.barh(["a"], [float(Decimal("200000"))])
    ax.set_xlim(0, 200000)
    charts.wan_axis(ax.xaxis)
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels() if t.get_text()] == ["0", "5", "10", "15", "20"]
    plt.close(fig)
