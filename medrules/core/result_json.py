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


def _money(fen: np.ndarray) -> tuple[str, list]:
    """A money column for %-formatting: its JSON pattern and argument columns — '"%d.%02d"' over yuan and fen, or
    '"%s"' over texts where it holds a negative amount."""
    if len(fen) and fen.min() < 0:
        return '"%s"', [np.array(_fen_text(fen), dtype=object)]
    return '"%d.%02d"', [fen // 100, fen % 100]


def claim_lines(result, start: int, stop: int) -> list[str]:
    """Claims start..stop-1 as JSON text, one object per claim (money as text): what `Result.claims` holds in
    Decimal, written straight from the run's columns. The claims of one shape (which layers wait and on what,
    whether the total cost is given, which decisions are made, or outside the validity) share one %-template,
    built and encoded once, filled from the columns by `map` — no Python loop over the claims' fields."""
    r = result.run
    t = r.claims
    part = slice(start, stop)
    n = stop - start
    if not n:
        return []
    total_oop, has_total = r.total_out_of_pocket()
    has_total = has_total[part]
    decisions = list(r.decisions.items())
    columns = {   # name -> (pattern, argument columns), each over the claims start..stop-1
        "claim": ("%d", [np.arange(start, stop)]),
        "date": ('"%s"', [np.datetime_as_string(t.date[part], unit="D")]),
        "setting": ('"%s"', [np.array(CODES["setting"], dtype=object)[t.setting[part]]]),
        "policy_range_cost": _money(t.policy_range_cost[part]),
        **{k: _money(r.amounts[k][part]) for k in LAYERS},
        "out_of_pocket": _money(r.out_of_pocket[part]),
    }
    if has_total.any():
        columns["total_cost"] = _money(t.total_cost[part])
        columns["total_out_of_pocket"] = _money(total_oop[part])
    for key, (values, _) in decisions:
        columns[key] = (("%s", [np.where(values[part], "true", "false").astype(object)]) if values.dtype == bool
                        else _money(values[part]))
    upper = list((r.upper_bounds or {}).items())
    # Each claim's shape as one row of small integers: in force, each layer's cause (-1 none), out of pocket not
    # known, which layers are upper bounds, total, decisions.
    shape = np.stack([r.in_force[part].astype(np.int64)] + [r.undetermined[k][part].astype(np.int64) for k in LAYERS]
                     + [r.unsettled[part].astype(np.int64)] + [bound[part].astype(np.int64) for _, bound in upper]
                     + [has_total.astype(np.int64)] + [given[part].astype(np.int64) for _, (_, given) in decisions],
                     axis=1)
    base = len(r.causes) + 2   # every entry lies in -1 .. len(causes): one integer per row (sorting rows is slow)
    if base ** shape.shape[1] < 2 ** 62:
        key = np.zeros(n, dtype=np.int64)
        for column in shape.T:
            key = key * base + column + 1
        _, first, which = np.unique(key, return_index=True, return_inverse=True)
        shapes = shape[first]
    else:
        shapes, which = np.unique(shape, axis=0, return_inverse=True)
    which = which.ravel()
    lines = np.empty(n, dtype=object)
    for k, row in enumerate(shapes.tolist()):
        members = np.flatnonzero(which == k)
        template, names = _claim_template(r, row, [layer for layer, _ in upper], decisions)
        args = [column[members].tolist() for name in names for column in columns[name][1]]
        patterns = tuple(columns[name][0] for name in names)
        lines[members] = list(map((template % patterns).__mod__, zip(*args)))
    return lines.tolist()


def _claim_template(r, shape: list, bounded: list, decisions: list) -> tuple[str, list]:
    """The template of the claims of one shape, with %%-placeholders left for the patterns of the columns it
    names (in order): (template, names). `bounded`: the layers that may be upper bounds, as the shape lists them."""
    in_force, cause = shape[0], shape[1:1 + len(LAYERS)]
    at = 1 + len(LAYERS)
    unsettled, upper = shape[at], [layer for layer, b in zip(bounded, shape[at + 1:at + 1 + len(bounded)]) if b]
    at += 1 + len(bounded)
    with_total, given = shape[at], shape[at + 1:]
    names = ["claim", "date", "setting", "policy_range_cost"]
    text = '{"claim": %s, "date": %s, "setting": %s, "policy_range_cost": %s, '
    if not in_force:
        return (text + ", ".join(f'"{layer}": null' for layer in LAYERS)
                + ', "out_of_pocket": null, "complete": false, "in_force": false, "outside_validity": '
                + _dumps(outside_validity(r.policy)).replace("%", "%%%%") + "}"), names
    parts = []
    for layer, c in zip(LAYERS, cause):
        parts.append(f'"{layer}": null' if c >= 0 else f'"{layer}": %s')
        names += [] if c >= 0 else [layer]
    # A claim whose record contradicts itself (or whose date the policy may not cover): its out of pocket is unknown.
    text += ", ".join(parts) + (', "out_of_pocket": null' if unsettled else ', "out_of_pocket": %s')
    names += [] if unsettled else ["out_of_pocket"]
    text += ', "complete": false' if max(cause) >= 0 or upper else ', "complete": true'
    if upper:
        text += ', "upper_bound": ' + _dumps(upper)
    if max(cause) >= 0:
        waits = {layer: dict(r.causes[c]) for layer, c in zip(LAYERS, cause) if c >= 0}
        text += ((', "out_of_pocket_is_upper_bound": true' if not unsettled else "") + ', "undetermined": '
                 + _dumps(waits).replace("%", "%%%%"))
    if with_total:
        text += ', "total_cost": %s, "total_out_of_pocket": ' + ("null" if unsettled else "%s")
        names += ["total_cost"] + ([] if unsettled else ["total_out_of_pocket"])
    for (key, _), g in zip(decisions, given):
        text += f', "{key}": %s' if g else f', "{key}": null'
        names += [key] if g else []
    return text + "}", names


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
