"""The order of a policy's layers as a small diagram for its page: each layer a box in settling order, what its
base is taken after, the clause and the words its place rests on; where the text leaves a place open, the reading and
its options by their Chinese wording (medrules/core/layers.py reads policies/<id>/layers.yaml)."""
from __future__ import annotations

from html import escape

from IPython.display import HTML

from ..core.layers import layer_order, places
from ..core.policy import load_policy
from ..core.readings import readings as policy_readings
from ..core.readings import resolve
from ..core.rulebook import LAYER_LABELS


def _box(name: str, place) -> str:
    zh, en = LAYER_LABELS[name]
    clause = load_policy(place.clause.split("/")[0]).clause(place.clause)
    return (f'<div class="medrules-layer"><b>{escape(zh)}</b> <span lang="en">{escape(en)}</span>'
            f'<br><small>{escape(clause.label)}：“{escape(place.quote)}”</small></div>')


def layer_order_diagram(policy_id: str) -> HTML:
    """The chain under the default readings, then each reading that moves a layer, with its options."""
    if layer_order(policy_id) is None:
        return HTML("")
    chain = places(policy_id, resolve(policy_id, {}))
    arrow = '<span class="medrules-layer-arrow">→</span>'
    html = ['<div class="medrules-layers"><p><b>各层次的结算次序</b> <span lang="en">The order the layers are '
            'settled in</span>：<span lang="zh">每一层按它之前各层支付后剩余的费用计算</span> <span lang="en">each '
            'layer reckons what the layers before it left</span></p>',
            '<div class="medrules-layer-chain">' + arrow.join(_box(n, p) for n, p in chain) + "</div>"]
    moved = {p.after.reading for _, p in chain if not isinstance(p.after, list)}
    known = policy_readings(policy_id)
    for reading_id in sorted(moved):
        reading = known[reading_id]
        options = "；".join(
            f'{escape(o.zh)}{"（默认）" if key == reading.default else ""} <span lang="en">{escape(o.en)}'
            f'{" (default)" if key == reading.default else ""}</span>' for key, o in reading.options.items())
        html.append(f'<p><small><span lang="zh">原文未定的次序：{escape(reading.question.zh)}</span> '
                    f'<span lang="en">where the text leaves the order open: {escape(reading.question.en)}</span>'
                    f'<br>{options}（<code>{escape(reading_id)}</code>）</small></p>')
    return HTML("".join(html) + "</div>")
