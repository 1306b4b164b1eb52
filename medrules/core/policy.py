"""Policies as data: metadata, clauses and dated parameters, loaded from policies/<id>/*.yaml."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from .oneline import shown

POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"


class PolicyError(Exception):
    """A policy, clause or parameter that does not exist or does not apply. Given a catalogue key and its values,
    the message is built in Chinese (.zh) and English (str()); given plain text, it is English only."""

    def __init__(self, problem, /, **values):
        from .messages import Problem, catalogue, problem_texts
        if isinstance(problem, str) and problem in catalogue():
            problem = Problem(problem, **values)
        self.problem = problem
        self.zh, en = problem_texts(problem)
        super().__init__(en)


class ExactLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML loader that reads decimals as Decimal, so 0.8 stays exactly 0.8 (libyaml's parser where built: a
    policy's files are read in a fifth of the time)."""


ExactLoader.add_constructor(
    "tag:yaml.org,2002:float", lambda loader, node: Decimal(loader.construct_scalar(node))
)


def read_yaml(path: Path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=ExactLoader)


@dataclass(frozen=True)
class Clause:
    id: str
    label: str
    title: dict
    text: str
    parallel: str
    status: str
    reason: dict | None = None  # {zh, en}: why nothing is computed (narrative / not encodable), read as 中文 first
    rules: tuple = ()
    text_simplified: str | None = None
    uncertain: tuple = ()  # of {zh, en}: doubts about the words or figures
    open_questions: tuple = ()  # of {zh, en}: what the text leaves open
    # 参考译文: for a source that is not Chinese (Shandong's English machine translation), a Chinese rendering made
    # from `text` and `parallel`, shown as the clause's text to Chinese readers and labelled as not the original.
    reference_zh: str | None = None

    @property
    def path(self) -> str:
        return self.id.split("/", 1)[1]


@dataclass(frozen=True)
class ParamValue:
    """One dated value of a parameter, with the clause and words it comes from."""
    name: str
    value: object
    kind: str
    unit: str
    clause: str
    quote: str
    start: dt.date | None
    end: dt.date | None
    note: str | None = None
    reported_in_force_on: dt.date | None = None


@dataclass(frozen=True)
class Parameter:
    name: str
    label: dict
    unit: str
    kind: str
    values: tuple

    def at(self, on: dt.date) -> ParamValue:
        """The value in force on a date; an error where the text gives none for that date."""
        for v in self.values:
            # A report that gives no start date is known to hold from the day it reports the value in force.
            start = v.start or v.reported_in_force_on
            if start is not None and start <= on and (v.end is None or on <= v.end):
                return v
        spans = ", ".join(f"{v.start or '?'} to {v.end or 'open'}" for v in self.values)
        raise PolicyError("error.parameter_no_value", name=self.name, on=on, spans=spans)


@dataclass
class Policy:
    id: str
    meta: dict
    clauses: dict
    parameters: dict
    inputs: dict
    facts: list = field(default_factory=list)

    @property
    def in_force_from(self) -> dt.date | None:
        return self.meta["dates"].get("in_force_from")

    @property
    def in_force_to(self) -> dt.date | None:
        return self.meta["dates"].get("in_force_to")

    @property
    def known_from(self) -> dt.date | None:
        """For a report that gives no start date, the day its measures are known to hold from: the day they were
        first said in public — the press conference where the report names one, else the report's own date. One
        convention for every report (each `reported_in_force_on` in parameters.yaml is this day)."""
        dates = self.meta["dates"]
        return dates.get("press_conference") or dates.get("report")

    def clause(self, ref: str) -> Clause:
        """A clause by full ID (wenzhou-2021-78/3.3.9) or by path (3.3.9)."""
        cid = ref if "/" in ref else f"{self.id}/{ref}"
        try:
            return self.clauses[cid]
        except KeyError:
            raise PolicyError("error.unknown_clause", ref=repr(ref), policy=self.id,
                              allowed=", ".join(c.path for c in self.clauses.values())) from None

    def param(self, name: str, on: dt.date) -> ParamValue:
        try:
            parameter = self.parameters[name]
        except KeyError:
            raise PolicyError("error.unknown_parameter", policy=self.id, name=repr(name)) from None
        return parameter.at(on)


def policy_ids() -> list[str]:
    return sorted(p.name for p in POLICIES_DIR.iterdir() if (p / "policy.yaml").exists())


def check_policy_id(policy_id) -> str:
    """policy_id itself if it is one of policy_ids(), else PolicyError naming the allowed ones.

    Compared as a whole string with the listing, before any path is built: `./wenzhou-2021-78`, `wenzhou-2021-78/`,
    `../policies/...` or a 300-character id never reach the file system."""
    if not isinstance(policy_id, str) or policy_id not in policy_ids():
        raise PolicyError("error.unknown_policy", got=shown(policy_id), allowed=", ".join(policy_ids()))
    return policy_id


def _parameter(name: str, raw: dict) -> Parameter:
    values = tuple(
        ParamValue(
            name=name, value=v["value"], kind=v.get("kind", raw["kind"]), unit=raw["unit"], clause=v["clause"],
            quote=v["quote"], start=v.get("from"), end=v.get("to"), note=v.get("note"),
            reported_in_force_on=v.get("reported_in_force_on"),
        )
        for v in raw["values"]
    )
    return Parameter(name=name, label=raw["label"], unit=raw["unit"], kind=raw["kind"], values=values)


def _zh_en(value, file: Path, entry: str, field: str) -> dict | None:
    """A sentence readers see, as {zh: ..., en: ...} with both non-empty (staff read the Chinese; the English stays
    beside it); None where the file leaves it out. A plain string or half a pair is refused naming where it is."""
    if value is None:
        return None
    if not (isinstance(value, dict) and set(value) == {"zh", "en"}
            and all(isinstance(v, str) and v.strip() for v in value.values())):
        raise PolicyError("error.policy_zh_en", file=f"policies/{file.parent.name}/{file.name}", entry=entry,
                          field=field, got=shown(value))
    return value


def _zh_en_items(value, file: Path, entry: str, field: str) -> tuple:
    """A list of notes readers see (uncertain, open_questions), each {zh: ..., en: ...}; () where the file leaves it
    out. A single string, a plain-string item or half a pair is refused naming the item (1-based)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise PolicyError("error.policy_zh_en_list", file=f"policies/{file.parent.name}/{file.name}", entry=entry,
                          field=field, got=shown(value))
    return tuple(_zh_en(item, file, entry, f"{field} #{i}") for i, item in enumerate(value, 1))


def _chinese_text(value, file: Path, entry: str) -> str | None:
    """A clause's reference_zh: Chinese text, or None where the file leaves it out; anything else (a number, a
    {zh, en} pair, blank or text without a Chinese character) is refused naming the clause."""
    if value is None:
        return None
    if not (isinstance(value, str) and any("\u4e00" <= ch <= "\u9fff" for ch in value)):
        raise PolicyError("error.policy_reference_zh", file=f"policies/{file.parent.name}/{file.name}", entry=entry,
                          got=shown(value))
    return value.strip()


@lru_cache(maxsize=None)
def load_policy(policy_id: str) -> Policy:
    folder = POLICIES_DIR / check_policy_id(policy_id)
    meta = read_yaml(folder / "policy.yaml")
    # The whole document's open questions, {zh, en} as a clause's (checked here; read as meta["open_questions"]).
    _zh_en_items(meta.get("open_questions"), folder / "policy.yaml", policy_id, "open_questions")
    clauses = {}
    for raw in read_yaml(folder / "clauses.yaml"):
        fields = {k: raw.get(k) for k in Clause.__dataclass_fields__ if k in raw}
        fields["rules"] = tuple(raw.get("rules") or ())
        for k in ("uncertain", "open_questions"):
            fields[k] = _zh_en_items(raw.get(k), folder / "clauses.yaml", raw["id"], k)
        fields["reason"] = _zh_en(raw.get("reason"), folder / "clauses.yaml", raw["id"], "reason")
        fields["reference_zh"] = _chinese_text(raw.get("reference_zh"), folder / "clauses.yaml", raw["id"])
        clauses[raw["id"]] = Clause(**fields)
    params = read_yaml(folder / "parameters.yaml") or {}
    parameters = {n: _parameter(n, raw) for n, raw in (params.get("parameters") or {}).items()}
    inputs = params.get("inputs") or {}
    for name, spec in inputs.items():
        _zh_en(spec.get("required_when"), folder / "parameters.yaml", f"inputs.{name}", "required_when")
    return Policy(policy_id, meta, clauses, parameters, inputs, params.get("facts") or [])
