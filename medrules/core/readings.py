"""Readings: where a clause's words allow more than one meaning that changes an amount, an eligibility or a target.

policies/<id>/readings.yaml names each reading `<clause-id>:<short-name>`, its options with their words and why
the text allows them, and the default with why. `resolve` turns a user's selection into one option per reading,
defaults filled in; `python -m medrules readings POLICY` lists them, Chinese first.
"""
from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .policy import POLICIES_DIR, PolicyError, load_policy, read_yaml
from .messages import Problem
from .oneline import shown
from .scenario import InputError, pydantic_problem

# <policy-id>/<clause path>:<short-name>, e.g. wenzhou-2021-78/3.3.9:outpatient-burden
READING_ID = re.compile(r"^(?P<clause>(?P<policy>[a-z0-9-]+)/[A-Za-z0-9.]+):(?P<name>[a-z0-9-]+)$")
OPTION_NAME = re.compile(r"^[a-z0-9_-]+$")


class Words(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Option(Words):
    why: Words  # why the text allows this meaning, in Chinese and in English


class Reading(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    question: Words
    options: dict[str, Option]
    default: str
    default_why: Words
    # Where the choice is made in code or inputs today (a function, a parameter or an input name), for reviewers.
    applies_to: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _default_is_an_option(self):
        if len(self.options) < 2:
            raise Problem("error.reading_two_options")
        bad = [o for o in self.options if not OPTION_NAME.match(o)]
        if bad:
            raise Problem("error.reading_option_name", got=repr(bad[0]))
        if self.default not in self.options:
            raise Problem("error.reading_default", got=repr(self.default), allowed=", ".join(self.options))
        return self


class NotAReading(BaseModel):
    """A sentence that looks like a choice but is not one, with the reason (e.g. a reported statistic)."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    clause: str
    what: Words
    why: Words


class ReadingsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    readings: dict[str, Reading] = Field(default_factory=dict)
    not_readings: list[NotAReading] = Field(default_factory=list)


@lru_cache(maxsize=None)
def load_readings(policy_id: str) -> ReadingsFile:
    """The policy's readings.yaml, validated; a policy without the file has no readings."""
    load_policy(policy_id)  # an unknown policy is refused with the list of policies
    path = POLICIES_DIR / policy_id / "readings.yaml"
    if not path.exists():
        return ReadingsFile()
    raw = read_yaml(path) or {}
    try:
        parsed = ReadingsFile.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise PolicyError(Problem.each("error.readings_file_field", zh={"problem": pydantic_problem(first, lambda loc: "").zh},
                                       en={"problem": first["msg"]}, file=path.name, policy=policy_id,
                                       where=where)) from None
    for rid in parsed.readings:
        m = READING_ID.match(rid)
        if not m or m["policy"] != policy_id:
            raise PolicyError("error.readings_file_id", file=path.name, policy=policy_id, rid=repr(rid))
    return parsed


def readings(policy_id: str) -> dict[str, Reading]:
    """Every reading of the policy, by id (`<clause-id>:<short-name>`)."""
    return dict(load_readings(policy_id).readings)


def clause_of(reading_id: str) -> str:
    """The clause a reading belongs to: wenzhou-2021-78/3.3.9:outpatient-burden → wenzhou-2021-78/3.3.9."""
    return reading_id.rsplit(":", 1)[0]


def resolve(policy_id: str, selection: dict | None) -> dict[str, str]:
    """One option per reading of the policy: the selection where given, the default elsewhere.

    An unknown reading id or option is an InputError naming `readings.<id>` and the allowed values."""
    known = readings(policy_id)
    selection = selection or {}
    if not isinstance(selection, dict):
        raise InputError("readings", "error.readings_not_mapping")
    for rid, option in selection.items():
        if rid not in known:
            if known:
                raise InputError(f"readings.{rid}", "error.unknown_reading", policy=policy_id, allowed=", ".join(known))
            raise InputError(f"readings.{rid}", "error.unknown_reading_none", policy=policy_id)
        if not isinstance(option, str) or option not in known[rid].options:   # a list or object is no option
            raise InputError(f"readings.{rid}", "error.unknown_option", got=shown(option),
                             allowed=", ".join(known[rid].options))
    return {rid: selection.get(rid, r.default) for rid, r in known.items()}


def describe(policy_id: str) -> str:
    """The readings as text for the CLI: Chinese first, English beside, the default marked."""
    lines = []
    file = load_readings(policy_id)
    title = load_policy(policy_id).meta["title"]
    lines.append(f"{title['zh']} · {policy_id}")
    lines.append(f"解读 readings: {len(file.readings)}  （* 默认 default）")
    for rid, r in file.readings.items():
        lines.append("")
        lines.append(rid)
        lines.append(f"  {r.question.zh}")
        lines.append(f"  {r.question.en}")
        for name, o in r.options.items():
            mark = "*" if name == r.default else " "
            lines.append(f"  {mark} {name}: {o.zh} · {o.en}")
            lines.append(f"      理由：{o.why.zh}")
            lines.append(f"      why: {o.why.en}")
        lines.append(f"  默认理由：{r.default_why.zh}")
        lines.append(f"  why the default: {r.default_why.en}")
    if file.not_readings:
        lines.append("")
        lines.append("不是解读 not readings:")
        for n in file.not_readings:
            lines.append(f"  {n.clause}: {n.what.zh} · {n.what.en}")
            lines.append(f"      {n.why.zh}")
            lines.append(f"      {n.why.en}")
    return "\n".join(lines)
