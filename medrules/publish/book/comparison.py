"""The comparison page (book/comparison.md): the same people through every encoded policy, as a table per person
and as out-of-pocket curves over bill sizes."""
from __future__ import annotations

from decimal import Decimal

from ...analysis.compare import field_label, slip_examples
from ...core.categories import CATEGORIES
from ...core.messages import both, text
from ...core.money import fmt_yuan
from ...core.policy import policy_ids
from ...core.status import marked_name
from .status import rules_module_exists


def encoded_policies() -> list[str]:
    return [pid for pid in policy_ids() if rules_module_exists(pid)]


def run_everywhere(person: dict, claims: list, inputs: dict, slips: dict | None = None) -> list[dict]:
    """Evaluate one person's claims under every encoded policy.

    `inputs` maps a policy ID to that policy's inputs (two policies may use one name for different things); `slips`
    maps a policy ID to slip amounts, as shares of each claim's policy-range cost, added to each of its claims
    (medrules.analysis.compare.CLAIM_SLIP_EXAMPLES: a layer the policy does not define); a policy that needs something else, or refuses the scenario, gives a row with `error`
    (the engine's message, naming the field) instead of totals."""
    from ...core.result import evaluate
    from ...core.policy import PolicyError
    from ...core.scenario import InputError, parse_scenario

    rows = []
    for pid in encoded_policies():
        mine = inputs.get(pid, {})
        shares = (slips or {}).get(pid, {})
        theirs = [{**c, **slip_examples(shares, c["policy_range_cost"])} for c in claims]
        try:
            result = evaluate(parse_scenario({"policy": pid, "person": person, "claims": theirs, "inputs": mine}))
        except (InputError, PolicyError) as e:
            rows.append({"policy": pid, "error": str(e), "error_zh": getattr(e, "zh", str(e)), "totals": None,
                         "result": None})
        else:
            rows.append({"policy": pid, "error": None, "totals": result.totals, "result": result})
    return rows


def comparison_table(rows: list[dict], cost: Decimal):
    """One row per policy: each layer in yuan (formatted), or why it could not be computed."""
    import pandas as pd

    from ...core.rulebook import LAYER_LABELS, LAYERS

    keys = list(LAYERS) + ["out_of_pocket"]
    table = []
    for r in rows:
        row = {"政策 policy": marked_name(r["policy"])}
        if r["error"]:
            for k in keys:
                row[f"{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}"] = ""
            row["自付占比 share"] = ""
            row["说明 note"] = f"未计算 not computed — {r['error']}"
        else:
            t, result = r["totals"], r["result"]
            for k in keys:
                needs = sorted({u["field"] for u in result.undetermined if u["layer"] == k})
                # The field as staff call it (结算单上的大病保险支付额), not its code.
                row[f"{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}"] = (
                    fmt_yuan(t[k]) if t[k] is not None else text(
                        "benefit.undetermined", "zh", field="、".join(field_label(r["policy"], f) for f in needs)))
            # Out of pocket is at most the figure when a layer is undetermined, at least it when a layer is known
            # only as a maximum (Shandong's 再救助, up to 20,000).
            bound = "" if result.complete else "≤ " if result.undetermined else "≥ "
            row["自付占比 share"] = f"{bound}{(t['out_of_pocket'] / cost * 100).quantize(Decimal('0.1'))}%"
            row["说明 note"] = "" if result.complete else both("workshop.partial")
        table.append(row)
    return pd.DataFrame(table).set_index("政策 policy")


def oop_curve(categories: list, bills: list, make_claims, inputs: dict, insurance: str = "resident",
              slips: dict | None = None) -> tuple:
    """Out-of-pocket for each (category, policy) over bill sizes: ({(category, policy): [Decimal]}, [errors],
    {(category, policy): [bool]}). A curve is drawn where no bill leaves a layer undetermined; where a layer is known
    only as a maximum (Shandong's 再救助, up to 20,000) its out of pocket is a lower bound, flagged True."""
    data, errors, lower = {}, [], {}
    for cat in categories:
        for bill in bills:
            for r in run_everywhere({"category": cat, "insurance": insurance}, make_claims(bill), inputs, slips):
                key = (cat, r["policy"])
                why = r["error"] or (None if not r["result"].undetermined else "partly undetermined: " + "; ".join(
                    sorted({f"{u['layer']} needs {u['field']}" for u in r["result"].undetermined})))
                if why:   # a curve is drawn only where every bill is settled completely
                    if key not in {(e[0], e[1]) for e in errors}:
                        errors.append((cat, r["policy"], why))
                    data.pop(key, None)
                    data[key] = None
                elif data.get(key, []) is not None:
                    data.setdefault(key, []).append(r["totals"]["out_of_pocket"])
                    lower.setdefault(key, []).append(not r["result"].complete)
    drawn = {k: v for k, v in data.items() if v is not None}
    return drawn, errors, {k: lower[k] for k in drawn}


def chart_name(policy_id: str, today=None) -> str:
    """A policy in a chart: its place in Chinese and its status mark (a chart shows no English)."""
    from ...core.policy import load_policy
    from ...core.status import status_mark
    return load_policy(policy_id).meta["place"]["zh"] + status_mark(policy_id, today)


def oop_chart(curves: dict, bills: list, categories: list, lower: dict | None = None):
    """Out-of-pocket against bill size: one panel per category, stacked, one line per policy; amounts in 万元 and
    every word Chinese (medrules.publish.charts: narrow enough to read on a phone). A point that is only a lower bound
    (`lower`, from oop_curve) is drawn hollow, and its policy's name says so."""
    from ..charts import CHART_WIDTH, plt, wan_axis

    policies = sorted({p for _, p in curves})
    colours = {pid: f"C{i}" for i, pid in enumerate(policies)}  # one colour per policy in every panel
    # Each panel has its own scale: an ordinary patient's share dwarfs that of people in hardship.
    fig, axes = plt.subplots(len(categories), 1, figsize=(CHART_WIDTH, 1.0 + 2.1 * len(categories)), squeeze=False,
                             sharex=True, layout="constrained")
    for ax, cat in zip(axes[:, 0], categories):
        for pid in policies:
            ys = curves.get((cat, pid))
            if ys:
                at_least = (lower or {}).get((cat, pid)) or [False] * len(ys)
                name = chart_name(pid) + (f"（空心点：{text('partial.out_of_pocket_lower_bound', 'zh')}）"
                                          if any(at_least) else "")
                xs = [float(b) for b in bills]
                ax.plot(xs, [float(y) for y in ys], marker="o", color=colours[pid], label=name)
                hollow = [(x, float(y)) for x, y, low in zip(xs, ys, at_least) if low]
                if hollow:
                    ax.plot(*zip(*hollow), linestyle="none", marker="o", color=colours[pid], markerfacecolor="white")
        ax.set_title(CATEGORIES[cat][0])
        ax.set_ylabel("个人自付（万元）")
        wan_axis(ax.yaxis)
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    axes[-1][0].set_xlabel("政策范围内费用（万元）")
    wan_axis(axes[-1][0].xaxis)
    handles, labels = [], []
    for ax in axes[:, 0]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=1, frameon=False)
    fig.suptitle("个人自付随费用变化")
    return fig
