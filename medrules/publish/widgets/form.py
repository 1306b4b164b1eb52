"""The calculators' form, shared by Calculator and Comparison: person, claims as tabs, presets; a change typed in
the browser recomputes once the typist pauses, and a slip amount a claim moves with its cost recomputes with it."""
from __future__ import annotations

import ipywidgets as w

from ...core.categories import CATEGORIES, INSURANCE_TYPES
from .claim_rows import ClaimRow
from .forms import STYLE, WIDE, FormProblem, options
from .presets import Preset

MAX_CLAIMS = 6
DEBOUNCE_S = 0.3  # typing: recompute once the typist pauses, not on every key


def _from_front_end(change) -> bool:
    """A change the browser sent (ipywidgets locks the property while applying it), not one made by code."""
    return bool(getattr(change.get("owner"), "_property_lock", None))


def _running_loop():
    import asyncio
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Form:
    """Person, claims (as tabs) and presets, shared by Calculator and Comparison."""

    def __init__(self, presets: list[Preset], first: Preset, examples: dict | None = None, facts=None):
        self._hold = True
        self.examples = dict(examples or {})  # slip amounts a preset lacks, as shares of the cost (示例)
        self.facts = facts                     # the claim facts the policies' rules read (None: all)
        self._pending = None
        self.presets = presets
        self.preset = w.Dropdown(options=[("— 选择情形 choose a situation —", -1)]
                                 + [(p.label, i) for i, p in enumerate(presets)],
                                 value=-1, description="情形 Preset", style=STYLE, layout=WIDE)
        self.category = w.Dropdown(options=options(CATEGORIES), value=first.person["category"],
                                   description="类别 Category", style=STYLE, layout=WIDE)
        self.insurance = w.Dropdown(options=options(INSURANCE_TYPES), value=first.person["insurance"],
                                    description="险种 Insurance", style=STYLE, layout=WIDE)
        self.insurance_note = w.HTML()   # what switching 险种 changes here (insurance.py)
        self.claims = [ClaimRow(c, self.examples, self.facts) for c in first.claims]
        self.claim_tabs = w.Tab()
        self.add_claim = w.Button(description="＋ 再加一次就医 Add a claim", layout=w.Layout(width="16em"))
        self.remove_claim = w.Button(description="－ 删除最后一次 Remove last", layout=w.Layout(width="16em"))
        self.add_claim.on_click(lambda _b: self._add_claim())
        self.remove_claim.on_click(lambda _b: self._remove_claim())
        self.preset.observe(lambda ch: self.apply_preset(ch["new"]), names="value")
        for c in (self.category, self.insurance):
            c.observe(self.changed, names="value")
        for row in self.claims:
            self._watch(row)
        self._layout_claims()

    # claim rows
    def _watch(self, row: ClaimRow):
        for c in row.controls:
            c.observe(self.changed, names="value")

    def _watch_text(self, box):
        box.observe(self.changed, names="value")

    def _layout_claims(self):
        self.claim_tabs.children = [r.box for r in self.claims]
        self.claim_tabs.titles = [f"就医{i + 1} Claim {i + 1}" for i in range(len(self.claims))]
        self.remove_claim.disabled = len(self.claims) <= 1
        self.add_claim.disabled = len(self.claims) >= MAX_CLAIMS

    def _add_claim(self):
        try:
            last = self.claims[-1].to_dict()
        except FormProblem:
            last = self.presets[0].claims[0]
        row = ClaimRow(last, facts=self.facts)
        self._watch(row)
        self.claims.append(row)
        self._layout_claims()
        self.claim_tabs.selected_index = len(self.claims) - 1
        self.recompute()

    def _remove_claim(self):
        if len(self.claims) > 1:
            self.claims.pop()
            self._layout_claims()
            self.recompute()

    def changed(self, change=None):
        """Recompute; what is typed in the browser waits for a pause of DEBOUNCE_S (no Enter needed). A slip
        amount a row moves with its cost is part of the cost's change, not one of its own."""
        if self._hold or any(r.adjusting for r in self.claims):
            return
        loop = _running_loop()
        owner = change.get("owner") if isinstance(change, dict) else None
        if loop is not None and isinstance(owner, w.Text) and _from_front_end(change):
            if self._pending is not None:
                self._pending.cancel()
            self._pending = loop.call_later(DEBOUNCE_S, self._settle)
            return
        self.recompute()

    def _settle(self):
        self._pending = None
        self.recompute()

    def settle_now(self):
        """A change typed but still waiting for the pause is applied now (an export clicked right after typing
        exports what was typed, and is not wiped by that change landing afterwards)."""
        if self._pending is not None:
            self._pending.cancel()
            self._settle()

    def apply_preset(self, index):
        """Set every control from a preset, then compute once."""
        if index is None or index < 0:
            return
        p = self.presets[index]
        self._hold = True
        try:
            self.category.value = p.person["category"]
            self.insurance.value = p.person["insurance"]
            while len(self.claims) > len(p.claims):
                self.claims.pop()
            for i, claim in enumerate(p.claims):
                if i < len(self.claims):
                    self.claims[i].set(claim, self.examples)
                else:
                    row = ClaimRow(claim, self.examples, self.facts)
                    self._watch(row)
                    self.claims.append(row)
            self._layout_claims()
            self.claim_tabs.selected_index = 0
            self._apply_inputs(p)
        finally:
            self._hold = False
        self.recompute()

    def _apply_inputs(self, preset: Preset):
        pass

    def person(self) -> dict:
        return {"category": self.category.value, "insurance": self.insurance.value}

    def claim_dicts(self) -> list[dict]:
        """The claims as the CLI reads them; FormProblem if a box cannot be read."""
        return [r.to_dict(i + 1) for i, r in enumerate(self.claims)]

    def form_controls(self) -> list:
        return [self.preset, self.category, self.insurance, self.insurance_note, self.claim_tabs,
                w.HBox([self.add_claim, self.remove_claim])]

    def recompute(self):
        raise NotImplementedError


