"""What the dashboards show: the engine's answer or its refusal as a sentence a trainer can act on (`run`,
`refusal`, `hint`, `sentence_html`), the policy's status banner (`header_html`), and the results as plain HTML,
instant to redraw: the share bar and its legend, the headline figures with the clause beside each amount
(`result_html`), per claim (`claims_html`) and every step of the trace (`trace_html`)."""
from __future__ import annotations

import html
import re
from decimal import Decimal

from ...core.categories import SETTINGS
from ...core.messages import html as message_html
from ...core.messages import msg, pair, text
from ...core.money import fmt_yuan, shown
from ...core.policy import PolicyError
from ...core.result import evaluate
from ...core.rulebook import LAYER_COLOURS, LAYER_LABELS, LAYERS
from ...core.scenario import InputError, parse_scenario
from ...core.trace import step_label
from .claim_rows import CLAIM_LABELS, label_pair

KEYS = tuple(LAYERS) + ("out_of_pocket",)


def run(scenario: dict):
    """(result, None) or (None, message); a refusal is a message, and so is a bug, never a traceback on screen."""
    try:
        return evaluate(parse_scenario(scenario)), None
    except (InputError, PolicyError) as e:
        return None, str(e)
    except Exception as e:  # noqa: BLE001 - a broken or half-written rules module must not break the room
        return None, f"engine error (please report): {type(e).__name__}: {e}"


_FIELD = re.compile(r"^claims\[(\d+)\]\.(\w+)")


def hint(message: str) -> str:
    """Which control to change, in both languages, for a message that names a field."""
    m = _FIELD.match(message)
    if m and m.group(2) in CLAIM_LABELS:
        return f"→ 第{int(m.group(1)) + 1}次就医 Claim {int(m.group(1)) + 1}: {CLAIM_LABELS[m.group(2)]}"
    if message.startswith("inputs."):
        return "→ 政策参数 Policy inputs: " + message.split(":", 1)[0].removeprefix("inputs.")
    if message.startswith("person.category"):
        return "→ 类别 Category"
    return ""


def refusal(policy: str, message: str, claims: list | None = None) -> tuple[str, str]:
    """An engine refusal as a sentence a trainer can act on, (zh, en): which claim and box, or why the policy does
    not apply to these dates; never a bare field path."""
    from ...analysis.compare import OUTSIDE, validity_state, field_label
    if message.startswith("engine error"):
        return msg("workshop.engine_error", problem=message.split(":", 1)[-1].strip())
    if OUTSIDE in message and claims:
        return validity_state(policy, claims, message)[1]
    where, _, problem = message.partition(": ")
    m = _FIELD.match(where)
    if m and m.group(2) in CLAIM_LABELS:
        zh_label, en_label = label_pair(CLAIM_LABELS[m.group(2)])
        n = int(m.group(1)) + 1
        return (text("workshop.claim_problem", "zh", n=n, label=zh_label, problem=problem),
                text("workshop.claim_problem", "en", n=n, label=en_label, problem=problem))
    if where.startswith("inputs."):
        return tuple(text("workshop.input_problem", lang, label=field_label(policy, where, lang), problem=problem)
                     for lang in ("zh", "en"))
    if where.startswith("person"):
        return msg("workshop.person_problem", problem=problem)
    return message, message


def sentence_html(zh: str, en: str) -> str:
    tail = "" if en == zh else f"<br><span style='color:#555;font-size:12px'>{html.escape(en)}</span>"
    return f"{html.escape(zh)}{tail}"


def header_html(policy_id: str) -> str:
    """The policy's status banner as on its book page: status marks, document number, validity, caveats."""
    from ..book.status import status_banner_html
    try:
        return status_banner_html(policy_id)
    except Exception:  # noqa: BLE001 - a policy being written: its calculator shows its own message
        return ""


# ---------------------------------------------------------------------------------------------------------------
# Display: share chart and the layer table with the clause beside each amount.

def layer_label(k: str) -> str:
    zh, en = LAYER_LABELS[k]
    return f"<span lang='zh'>{zh}</span> <span lang='en' style='color:#555'>{en}</span>"


def share_bar(totals: dict, title: str = "") -> str:
    """A stacked bar of each layer's share of the cost, as HTML (instant to draw, sharp on a projector)."""
    totals = {k: (v if v is not None else Decimal(0)) for k, v in totals.items()}  # undetermined: not drawn
    total = sum((totals[k] for k in KEYS), Decimal(0))
    parts = []
    for k in KEYS:
        share = (totals[k] / total * 100) if total else Decimal(0)
        if share <= 0:
            continue
        text = f"{share:.0f}%" if share >= 6 else ""
        parts.append(f"<div title='{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}: {fmt_yuan(totals[k])} 元 ({share:.1f}%)'"
                     f" style='width:{share:.3f}%;background:{LAYER_COLOURS[k]};color:white;text-align:center;"
                     f"font-size:12px;line-height:26px;overflow:hidden'>{text}</div>")
    head = f"<div style='font-size:13px;margin:2px 0'>{html.escape(title)}</div>" if title else ""
    return (f"{head}<div class='medrules-share' style='display:flex;width:100%;height:26px;border:1px solid #ccc'>"
            + "".join(parts) + "</div>")


def share_legend() -> str:
    items = " ".join(f"<span style='margin-right:12px;white-space:nowrap'><span style='display:inline-block;width:11px;"
                    f"height:11px;background:{LAYER_COLOURS[k]};margin-right:3px'></span>{pair(*LAYER_LABELS[k])}"
                    "</span>" for k in KEYS)
    return f"<div style='font-size:12px;margin-top:4px'>{items}</div>"


def amount_span(k: str, value, policy: str, result=None) -> str:
    """An amount; where the layer is undetermined, benefit.undetermined naming the field that would settle it."""
    if value is None:
        from ...analysis.compare import field_label
        needs = sorted({u["field"] for u in (result.undetermined if result is not None else []) if u["layer"] == k})
        zh = text("benefit.undetermined", "zh", field="、".join(field_label(policy, f) for f in needs) or "?")
        en = text("benefit.undetermined", "en", field=", ".join(field_label(policy, f, "en") for f in needs) or "?")
        return (f"<span class='medrules-amount medrules-undetermined' data-policy='{policy}' data-layer='{k}' "
                f"title='{html.escape(en)}'>{html.escape(zh)}</span>")
    # Where layers before it are undetermined, out of pocket is only an upper bound (≤), as in the book.
    bound = "≤ " if k == "out_of_pocket" and result is not None and not result.complete else ""
    return (f"<span class='medrules-amount' data-policy='{policy}' data-layer='{k}'>{bound}{fmt_yuan(value)}</span>")


def result_html(result, policy: str) -> str:
    """Headline figures, the share chart, and one row per layer with the clauses and reasons beside the amount."""
    from ..display import cell_html   # yes/no and 待定 in the reader's language (the book's switch)
    t = result.totals
    big = "".join(
        f"<div style='display:inline-block;margin:0 28px 6px 0'><div style='font-size:13px'>{layer_label(k)}</div>"
        f"<div style='font-size:26px;font-weight:600'>{amount_span(k, t[k], policy, result)} <small>元</small></div></div>"
        for k in ("medical_assistance", "out_of_pocket"))
    total = sum((t[k] for k in KEYS if t[k] is not None), Decimal(0))
    rows = []
    for k in KEYS:
        steps = [s for s in result.trace if s.layer == k]
        why = "<br>".join(
            (f"#{s.claim + 1} " if len(result.claims) > 1 else "") + f"<code>{html.escape(s.clause)}</code> "
            + pair(s.explanation_zh, s.explanation_en) for s in steps)
        if k == "out_of_pocket":
            why = message_html("trace.step.out_of_pocket_why")
        share = f"{t[k] / total * 100:.1f}%" if total and t[k] is not None else "—"
        rows.append(f"<tr style='vertical-align:top;border-top:1px solid #ddd'><td style='white-space:nowrap'><span style='display:inline-block;width:10px;height:10px;"
                    f"background:{LAYER_COLOURS[k]}'></span> {layer_label(k)}</td>"
                    f"<td style='text-align:right;white-space:nowrap'>{cell_html(shown(t[k]))}</td>"
                    f"<td style='text-align:right'>{share}</td><td style='font-size:12px'>{why}</td></tr>")
    table = ("<table class='medrules-layers' style='border-collapse:collapse;margin-top:8px' cellpadding='3'>"
             f"<thead><tr><th style='text-align:left'>{pair('层次', 'Layer')}</th><th>{pair('元', 'yuan')}</th>"
             f"<th>{pair('占比', 'share')}</th><th style='text-align:left'>{pair('依据', 'Clause · why')}</th></tr></thead>"
             "<tbody>" + "".join(rows) + "</tbody></table>")
    return (f"<div class='medrules-result' data-policy='{policy}'>{big}"
            f"{share_bar(t, f'合计 total {fmt_yuan(total)} 元')}{share_legend()}{table}</div>")


def claims_html(result) -> str:
    """Per claim: each layer's payment (the columns of report.result_table, built directly: no pandas per change)."""
    from ..display import cell_html   # yes/no and 待定 in the reader's language (the book's switch)
    head = "".join(f"<th>{c['claim'] + 1} · {c['date']}<br>{pair(*SETTINGS.get(c['setting'], (c['setting'],) * 2))}</th>"
                   for c in result.claims)
    costs = "".join(f"<td style='text-align:right'>{fmt_yuan(c['policy_range_cost'])}</td>" for c in result.claims)
    rows = [f"<tr><td>{pair('费用', 'cost')}</td>{costs}</tr>"]
    for k in KEYS:
        rows.append(f"<tr><td>{pair(*LAYER_LABELS[k])}</td>"
                    + "".join(f"<td style='text-align:right'>{cell_html(shown(c[k]))}</td>" for c in result.claims)
                    + "</tr>")
    return (f"<table class='medrules-claims'><thead><tr><th>{pair('就医', 'claim')}</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def trace_html(result) -> str:
    """Every step of the trace (report.trace_table's columns): claim, layer, clause, amount, why."""
    rows = "".join(
        f"<tr><td>{'' if s.claim is None else s.claim + 1}</td><td>{pair(*step_label(s.layer))}</td>"
        f"<td><code>{html.escape(s.clause)}</code></td>"
        f"<td style='text-align:right'>{shown(s.amount)}</td>"
        f"<td style='text-align:left'>{pair(s.explanation_zh, s.explanation_en)}</td></tr>" for s in result.trace)
    head = "".join(f"<th>{message_html(f'column.{k}')}</th>" for k in ("claim", "layer", "clause", "amount"))
    return (f"<table class='medrules-trace'><thead><tr>{head}<th style='text-align:left'>{message_html('column.why')}"
            f"</th></tr></thead><tbody>{rows}</tbody></table>")
