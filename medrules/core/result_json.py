"""A scenario's result as JSON text, written claim by claim and step by step from the run's columns.

The layout: the object indented by two spaces, each element of the long lists — `undetermined`, `claims`,
`trace` — on one line of its own, so a long scenario stays readable line by line and is written in a fraction of the
time and space of an indented dump (100,000 claims: 600,000 trace steps, about 500 MB of text).

`write_result` never holds the whole text: the claims and the trace are encoded a chunk of claims at a time into
the stream it is given. The command line gives it an unnamed temporary file and copies that to stdout only once the
last line is written, so a failure part-way leaves nothing on stdout, never half a JSON (medrules/cli/main.py).
`result_json` is the same layout built in memory from `Result.to_dict()` (the calculators' export).
"""
from __future__ import annotations

import json

import numpy as np

from .claims import CODES
from .engine import outside_validity
from .rulebook import LAYERS

CHUNK_CLAIMS = 5_000      # claims encoded at once: the memory of a long trace stays that of a few thousand steps


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))   # one line, as the trace steps


def _dumps(value) -> str:
    return _ENCODER.encode(value)


def _fen_text(fen: np.ndarray) -> list[str]:
    """int64 fen as JSON's money text: 1234.50 (no separators), as f"{Decimal:.2f}" writes it."""
    return [f"-{-v // 100}.{-v % 100:02d}" if v < 0 else f"{v // 100}.{v % 100:02d}" for v in fen.tolist()]


def _money_columns(columns: list) -> tuple[list, list]:
    """For %-formatting: per column its JSON text pattern and its values per claim — '"%d.%02d"' over (yuan, fen)
    pairs, or '"%s"' over texts for a column holding a negative amount."""
    patterns, values = [], []
    for fen in columns:
        if len(fen) and fen.min() < 0:
            patterns.append('"%s"')
            values.append([(t,) for t in _fen_text(fen)])
        else:
            patterns.append('"%d.%02d"')
            values.append(list(zip((fen // 100).tolist(), (fen % 100).tolist())))
    return patterns, values


def claim_lines(result, start: int, stop: int) -> list[str]:
    """Claims start..stop-1 as JSON text, one object per claim (money as text): what `Result.claims` holds in
    Decimal, written straight from the run's columns. Claims alike in shape (which layers wait, whether the total
    cost is given, which decisions are made) share one %-template, built and encoded once."""
    r = result.run
    t = r.claims
    part = slice(start, stop)
    n = stop - start
    dates = np.datetime_as_string(t.date[part], unit="D").tolist()
    settings = [CODES["setting"][k] for k in t.setting[part].tolist()]
    total_oop, has_total = r.total_out_of_pocket()
    has_total = has_total[part].tolist()
    given_total = any(has_total)
    decisions = list(r.decisions.items())
    money = [t.policy_range_cost[part]] + [r.amounts[k][part] for k in LAYERS] + [r.out_of_pocket[part]]
    money += [t.total_cost[part], total_oop[part]] if given_total else []
    money += [values[part] for _, (values, _) in decisions if values.dtype != bool]
    patterns, amounts = _money_columns(money)
    cost_pattern, layer_patterns, oop_pattern = patterns[0], patterns[1:1 + len(LAYERS)], patterns[1 + len(LAYERS)]
    rest = 2 + len(LAYERS)
    total_patterns = patterns[rest:rest + 2] if given_total else []
    amount_patterns = iter(patterns[rest + len(total_patterns):])
    decision_patterns = ["%s" if values.dtype == bool else next(amount_patterns) for _, (values, _) in decisions]
    flags = [["true" if v else "false" for v in values[part].tolist()] if values.dtype == bool else None
             for _, (values, _) in decisions]
    givens = [given[part].tolist() for _, (_, given) in decisions]
    causes = np.stack([r.undetermined[k][part] for k in LAYERS], axis=1).tolist() if n else []
    in_force = r.in_force[part].tolist()
    head = '{"claim": %d, "date": "%s", "setting": "%s", "policy_range_cost": ' + cost_pattern + ", "
    outside = (head + ", ".join(f'"{layer}": null' for layer in LAYERS)
               + ', "out_of_pocket": null, "complete": false, "in_force": false, "outside_validity": '
               + _dumps(outside_validity(r.policy)).replace("%", "%%") + "}")
    templates: dict = {}
    lines = []
    for j in range(n):
        if not in_force[j]:
            lines.append(outside % ((start + j, dates[j], settings[j]) + amounts[0][j]))
            continue
        cause = tuple(causes[j])
        given_j = tuple(g[j] for g in givens)
        shape = (cause, given_total and has_total[j], given_j)
        template = templates.get(shape)
        if template is None:
            template = templates[shape] = _claim_template(r, head, layer_patterns, oop_pattern, total_patterns,
                                                          decision_patterns, decisions, *shape)
        args = [start + j, dates[j], settings[j], *amounts[0][j]]
        for k, c in enumerate(cause):
            if c < 0:
                args += amounts[1 + k][j]
        args += amounts[1 + len(LAYERS)][j]
        if shape[1]:
            args += amounts[rest][j] + amounts[rest + 1][j]
        column = rest + len(total_patterns)
        for k, (key, (values, _)) in enumerate(decisions):
            if values.dtype == bool:
                if given_j[k]:
                    args.append(flags[k][j])
            else:
                if given_j[k]:
                    args += amounts[column][j]
                column += 1
        lines.append(template % tuple(args))
    return lines


def _claim_template(r, head, layer_patterns, oop_pattern, total_patterns, decision_patterns, decisions, cause,
                    with_total, given) -> str:
    """The %-template of an in-force claim of one shape; what the claim waits for is encoded into it."""
    parts = [", ".join(f'"{layer}": null' if c >= 0 else f'"{layer}": {pattern}'
                       for layer, c, pattern in zip(LAYERS, cause, layer_patterns))]
    parts.append(f', "out_of_pocket": {oop_pattern}')
    if max(cause) >= 0:
        waits = {layer: dict(r.causes[c]) for layer, c in zip(LAYERS, cause) if c >= 0}
        parts.append(', "complete": false, "out_of_pocket_is_upper_bound": true, "undetermined": '
                     + _dumps(waits).replace("%", "%%"))
    else:
        parts.append(', "complete": true')
    if with_total:
        parts.append(f', "total_cost": {total_patterns[0]}, "total_out_of_pocket": {total_patterns[1]}')
    for (key, _), pattern, g in zip(decisions, decision_patterns, given):
        parts.append(f', "{key}": {pattern if g else "null"}')
    return head + "".join(parts) + "}"


def claim_dicts(result, start: int, stop: int) -> list[dict]:
    """Claims start..stop-1 as JSON-ready dicts: the objects of claim_lines."""
    return [json.loads(line) for line in claim_lines(result, start, stop)]


def _texts(amounts: dict) -> dict:
    return {k: None if v is None else f"{v:.2f}" for k, v in amounts.items()}


def _list(out, name: str, lines, last: bool = False) -> None:
    """`"name": [` then one element per line, into `out` (a write function); `lines` yields lists of encoded
    elements."""
    out(f'  "{name}": [')
    first = True
    for chunk in lines:
        if chunk:
            out(("\n    " if first else ",\n    ") + ",\n    ".join(chunk))
            first = False
    out("]" if first else "\n  ]")
    out("\n}\n" if last else ",\n")


def _object_head(head: dict, out) -> None:
    text = json.dumps(head, ensure_ascii=False, indent=2)
    out(text[:-2] + ",\n")   # without the closing brace: the lists follow


def write_result(result, out, trace: bool = True, chunk: int | None = None) -> None:
    """The result as JSON into `out` (a function taking text), `chunk` claims (CHUNK_CLAIMS) at a time."""
    chunk = chunk or CHUNK_CLAIMS
    head = result.head()
    undetermined = head.pop("undetermined")
    readings = head.pop("readings")
    _object_head(head, out)
    _list(out, "undetermined", [[_dumps(u) for u in undetermined]])
    out(f'  "readings": {_indented(readings)},\n')
    n = len(result.run.claims)
    _list(out, "claims", (claim_lines(result, a, min(n, a + chunk)) for a in range(0, n, chunk)))
    out(f'  "years": {_indented({str(y): _texts(t) for y, t in result.years.items()})},\n')
    out(f'  "totals": {_indented(_texts(result.totals))},\n')
    _list(out, "trace", (result.run.trace_lines(range(a, min(n, a + chunk))) for a in range(0, n, chunk))
          if trace else [], last=True)


def _indented(value) -> str:
    """A value as it sits one level into the object (json.dumps' indent=2, shifted)."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")


def result_json(result: dict) -> str:
    """The text `write_result` writes, from a result's to_dict()."""
    parts = []
    head = {k: v for k, v in result.items() if k not in ("undetermined", "readings", "claims", "years", "totals",
                                                         "trace")}
    _object_head(head, parts.append)
    _list(parts.append, "undetermined", [[_dumps(u) for u in result.get("undetermined", [])]])
    parts.append(f'  "readings": {_indented(result.get("readings", {}))},\n')
    _list(parts.append, "claims", [[_dumps(c) for c in result.get("claims", [])]])
    parts.append(f'  "years": {_indented(result.get("years", {}))},\n')
    parts.append(f'  "totals": {_indented(result.get("totals", {}))},\n')
    _list(parts.append, "trace", [[_dumps(s) for s in result.get("trace", [])]], last=True)
    return "".join(parts)
