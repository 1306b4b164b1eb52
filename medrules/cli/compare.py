"""`python -m medrules compare SCENARIO.json`: the same person and claims under every claim policy, side by side
(medrules/analysis/compare.py computes the columns), as a plain-text table or as JSON."""
from __future__ import annotations

import json
import sys
from decimal import Decimal

from ..analysis.compare import Column, claim_policy_ids, compare, render_text
from ..core.scenario import InputError
from .parsing import command, helptext
from .stops import output_failed


def _to_json(columns: list[Column]) -> dict:
    return {c.policy: {"name": c.name, "state": c.state,
                       "totals": {k: (None if v is None else f"{v:.2f}") for k, v in c.amounts.items()},
                       "cells": c.cells, "notes": [{"zh": zh, "en": en} for zh, en in c.notes],
                       "assumed_inputs": c.assumed} for c in columns}


def _load(path: str) -> tuple[dict, list, dict, dict, list[str]]:
    """(person, claims, inputs per policy, readings per policy, policies) from a scenario whose policy is optional.

    `inputs` is either one policy's inputs (with `policy` given) or {policy: inputs}."""
    from ..core.scenario import unique_keys, read_scenario_text
    raw = read_scenario_text(path)
    try:
        data = json.loads(raw, object_pairs_hook=unique_keys, parse_float=Decimal)
    except json.JSONDecodeError as e:
        raise InputError("scenario", "error.compare_json", line=e.lineno, column=e.colno, reason=e.msg) from None
    if not isinstance(data, dict):
        raise InputError("scenario", "error.compare_not_object")
    unknown = set(data) - {"policy", "person", "claims", "inputs", "readings"}
    if unknown:
        raise InputError(sorted(unknown)[0], "error.compare_unknown_key")
    for key in ("person", "claims"):
        if key not in data:
            raise InputError(key, "error.compare_missing")
    policies = claim_policy_ids()
    named = data.get("policy")
    if named is not None and named not in policies:
        raise InputError("policy", "error.compare_policy", allowed=", ".join(policies), got=repr(named))
    inputs, readings = data.get("inputs") or {}, data.get("readings") or {}
    for key, value in (("inputs", inputs), ("readings", readings)):
        if not isinstance(value, dict):
            raise InputError(key, "error.must_be_object")
    if named is not None:
        inputs, readings = {named: inputs}, ({named: readings} if readings else {})
        policies = [named] + [p for p in policies if p != named]  # the scenario's own policy first
    else:
        for key, value in (("inputs", inputs), ("readings", readings)):
            for p, v in value.items():
                if p not in policies or not isinstance(v, dict):
                    raise InputError(f"{key}.{p}", "error.compare_per_policy", allowed=", ".join(policies))
    return data["person"], data["claims"], inputs, readings, policies


def _run(args) -> int:
    person, claims, inputs, readings, policies = _load(args.scenario)
    columns = compare(person, claims, inputs, policies, readings)  # everything is computed before anything is written
    out = (json.dumps(_to_json(columns), ensure_ascii=False, indent=2) + "\n") if args.json else render_text(columns)
    try:
        sys.stdout.write(out)
        sys.stdout.flush()
    except OSError as e:
        return output_failed(e)
    return 0


def add_parser(sub) -> None:
    p = command(sub, "compare", "cli.compare")
    p.add_argument("scenario", help=helptext("cli.compare.scenario"))
    p.add_argument("--json", action="store_true", help=helptext("cli.compare.json"))
    p.set_defaults(run=_run)
