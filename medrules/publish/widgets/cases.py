"""`CaseDeck`: a policy's hand-worked cases (policies/<id>/cases.yaml, run by medrules/publish/casebook.py) or an
uploaded YAML of the same format (`read_cases`), stepped through one at a time, the expected figures beside the
computed ones (`case_rows`) and the working."""
from __future__ import annotations

import html

import ipywidgets as w

from ...core.messages import msg, text
from ...core.policy import PolicyError, policy_ids
from ...core.scenario import InputError
from .forms import STYLE, WIDE, FormProblem
from .render import refusal, sentence_html

# ---------------------------------------------------------------------------------------------------------------
# A case deck: hand-worked cases from a policy's casebook (policies/<id>/cases.yaml) or an uploaded YAML of the
# same format, stepped through one at a time, the expected figures beside the computed ones.


def _casebook_policies() -> list[str]:
    from ..casebook import casebook
    return [p for p in policy_ids() if casebook(p)]


def read_cases(data: bytes | str) -> list[dict]:
    """Cases from an uploaded YAML (a casebook: `cases: [...]`, or the list itself); FormProblem if unreadable."""
    import yaml
    try:
        doc = yaml.safe_load(data.decode("utf-8") if isinstance(data, bytes) else data)
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise FormProblem(*msg("workshop.deck_bad_file", problem=one_line_text(str(e)))) from None
    cases = doc.get("cases") if isinstance(doc, dict) else doc
    if not isinstance(cases, list) or not cases:
        raise FormProblem(*msg("workshop.deck_bad_file", problem="cases: [...] is missing or empty"))
    for i, case in enumerate(cases, 1):
        missing = [k for k in ("name", "expected") if not isinstance(case, dict) or k not in case]
        if missing:
            raise FormProblem(*msg("workshop.deck_bad_file", problem=f"case {i}: needs {', '.join(missing)}"))
    return cases


def one_line_text(s: str) -> str:
    from ...core.oneline import one_line
    return one_line(s)


def case_rows(policy_id: str, case: dict) -> tuple[list[tuple[str, str, str, bool]], str | None]:
    """([(figure, expected, computed, agrees)], refusal or None) for one case, run through the public entry
    points (medrules.publish.casebook.run_case, as the book's casebook tables)."""
    from .. import casebook
    kind = case.get("kind")
    try:
        got = casebook.run_case(policy_id, case)
    except (InputError, PolicyError, ValueError, KeyError, TypeError) as e:
        return [], str(e)
    agrees, misses = casebook.check_case(policy_id, case, got)
    rows = []
    for label, path in casebook.figures(case):
        label = str(label).replace("`", "")  # the book shows a `field` as code; the deck shows it plain
        want = casebook.at(case["expected"], path)
        if casebook.is_entry(path):
            have = casebook.at(got, path)
            rows.append((label, "✓", "✓" if have is True else "—", have is True))
            continue
        have = casebook.at(got, path) if kind != "function" else got
        if kind in (None, ""):
            ok = have is not casebook.ABSENT and casebook.part_of(have, want)
        elif kind == "function":
            ok = agrees
        else:
            ok = path[0] not in misses
        rows.append((label, casebook.shown_figure(want, kind), casebook.shown_figure(have, kind), ok))
    return rows, None


class CaseDeck:
    """The trainer picks named cases from a policy's casebook, or uploads a YAML of their own, and steps through
    them: each shows the expected figures worked by hand beside the engine's, and the working."""

    def __init__(self, policy_id: str | None = None):
        choices = _casebook_policies()
        self.policy = w.Dropdown(options=choices, value=policy_id if policy_id in choices else
                                 ("wenzhou-2021-78" if "wenzhou-2021-78" in choices else choices[0]),
                                 description="政策 Policy", style=STYLE, layout=WIDE)
        self.upload = w.FileUpload(accept=".yaml,.yml", multiple=False, description="上传案例 Upload YAML",
                                   layout=w.Layout(width="16em"))
        self.picker = w.SelectMultiple(description="案例 Cases", style=STYLE, layout=w.Layout(width="97%", height="12em"))
        self.prev = w.Button(description="◀ 上一个 Previous", layout=w.Layout(width="12em"))
        self.next = w.Button(description="下一个 Next ▶", layout=w.Layout(width="12em"))
        self.position = w.HTML()
        self.message = w.HTML()
        self.card = w.HTML()
        self.cases: list[dict] = []
        self.index = 0
        self.policy.observe(lambda _c: self.load_casebook(), names="value")
        self.upload.observe(lambda _c: self._uploaded(), names="value")
        self.picker.observe(lambda _c: self._picked(), names="value")
        self.prev.on_click(lambda _b: self.step(-1))
        self.next.on_click(lambda _b: self.step(1))
        self.load_casebook()

    # the deck
    def load_casebook(self):
        from ..casebook import casebook
        self.message.value = ""
        self._set_cases(casebook(self.policy.value))

    def load_yaml(self, data: bytes | str):
        """Cases of the selected policy from a YAML of the casebook's format."""
        try:
            cases = read_cases(data)
        except FormProblem as e:
            self.message.value = f"<div class='medrules-message' style='color:#b00'>{sentence_html(e.zh, e.en)}</div>"
            return
        self.message.value = ""
        self._set_cases(cases)

    def _uploaded(self):
        files = self.upload.value
        if files:
            item = files[0] if isinstance(files, (list, tuple)) else next(iter(files.values()))
            self.load_yaml(bytes(item["content"]))

    def _set_cases(self, cases: list[dict]):
        self.cases = list(cases)
        options = [(f"{i + 1}. {c.get('name', '?')}", i) for i, c in enumerate(self.cases)]
        self.picker.options = options
        self.picker.value = tuple(i for _, i in options)  # all picked; the trainer narrows the deck
        self.index = 0
        self.show()

    def _picked(self):
        self.index = 0
        self.show()

    def deck(self) -> list[int]:
        return sorted(self.picker.value) or list(range(len(self.cases)))

    def step(self, by: int):
        deck = self.deck()
        if deck:
            self.index = max(0, min(len(deck) - 1, self.index + by))
        self.show()

    def current(self) -> dict | None:
        deck = self.deck()
        return self.cases[deck[self.index]] if deck and self.cases else None

    def show(self):
        deck = self.deck()
        case = self.current()
        self.prev.disabled = self.index <= 0
        self.next.disabled = self.index >= len(deck) - 1
        if case is None:
            zh, en = msg("workshop.deck_empty")
            self.position.value, self.card.value = "", f"<p>{zh} {en}</p>"
            return
        self.position.value = "{} · {}".format(*msg("workshop.deck_position", i=self.index + 1, n=len(deck)))
        self.card.value = self.card_html(case)

    def card_html(self, case: dict) -> str:
        pid = self.policy.value
        rows, refused = case_rows(pid, case)
        ezh, een = msg("workshop.deck_expected")
        czh, cen = msg("workshop.deck_computed")
        body = "".join(
            f"<tr class='medrules-case-figure' data-agrees='{str(ok).lower()}'><td>{html.escape(label)}</td>"
            f"<td style='text-align:right' class='medrules-case-expected'>{html.escape(want)}</td>"
            f"<td style='text-align:right' class='medrules-case-computed'>{html.escape(have)}</td>"
            f"<td style='color:{'#080' if ok else '#b00'}'>{'✓ ' + text('workshop.deck_agrees', 'zh') if ok else '✗ ' + text('workshop.deck_differs', 'zh')}</td></tr>"
            for label, want, have, ok in rows)
        if refused:
            body += (f"<tr><td colspan='4' style='color:#b00'>"
                     f"{sentence_html(*refusal(pid, refused, case.get('claims')))}</td></tr>")
        working = case.get("working") or {}
        return (f"<div class='medrules-case' data-name='{html.escape(str(case.get('name', '')))}'>"
                f"<h3 style='margin:4px 0'>{html.escape(str(case.get('name', '')))}</h3>"
                f"<div style='font-size:12px'>条款 clause: <code>{html.escape(str(case.get('clause', '')))}</code></div>"
                "<table class='medrules-case-table' style='border-collapse:collapse;margin:6px 0' border='1' "
                f"cellpadding='4'><tr><th>数字 figure</th><th>{ezh}<br><small>{een}</small></th>"
                f"<th>{czh}<br><small>{cen}</small></th><th></th></tr>{body}</table>"
                f"<div class='medrules-case-working'><b>演算</b> {html.escape(working.get('zh', ''))}"
                f"<span lang='en' style='color:#555'><br>Working: {html.escape(working.get('en', ''))}</span></div></div>")

    def view(self):
        left = w.VBox([self.policy, self.upload, self.picker, self.message],
                      layout=w.Layout(width="34em", flex="0 0 34em"))
        right = w.VBox([w.HBox([self.prev, self.next, self.position]), self.card],
                       layout=w.Layout(flex="1 1 0%", min_width="30em", padding="0 0 0 1em"))
        return w.HBox([left, right], layout=w.Layout(flex_flow="row wrap"))
