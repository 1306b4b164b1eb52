"""What a batch result depends on, pinned in its metadata, and checked before `explain` trusts it.

A result's Parquet metadata `medrules.provenance` names every file the result was computed from — the claims, the
code mapping (--codes), the inputs (--inputs), the readings (--readings), the identity records (--people) — each by
its absolute path and sha256, with the layout and the inputs and readings as used. `explain` re-runs a row from
those files: it refuses, naming the file, when any of them is gone or has changed, and refuses metadata that is not
of this shape (edited by hand, cut, not UTF-8, another program's) with one line; it also refuses a row whose figures
the rules no longer give (the engine or the policy changed since the result was written).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from ..core.datafiles import DataProblem, parse_json
from ..core.messages import Problem, read_problem
from ..core.oneline import shown
from ..core.scenario import pydantic_problem
from .columns import err

VERSION = 2
PINNED = ("claims", "codes", "inputs", "readings", "people")   # each file a result depends on, as batch names it


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pin(path) -> dict | None:
    """A file as the metadata pins it: its absolute path and sha256 (None for an option not given)."""
    return None if path is None else {"path": str(Path(path).resolve()), "sha256": sha256(path)}


def provenance(layout: str, files: dict, inputs: dict, readings: dict, audit: bool = False) -> dict:
    """The metadata of a result: the layout, each file (claims, codes, inputs, readings, people) pinned, and the
    inputs and readings as used (for a reader of the result; `explain` reads the pinned files again). `audit`: an
    audit's record table (medrules/analysis/audit), whose rows `explain` re-runs in audit mode."""
    out = {"version": VERSION, "layout": layout, "files": {k: pin(files.get(k)) for k in PINNED},
           "inputs": {k: v if isinstance(v, bool) else str(v) for k, v in inputs.items()},
           "readings": readings}
    if audit:
        out["audit"] = True
    return out


class _Pinned(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    path: Annotated[str, StringConstraints(min_length=1)]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class _Files(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    claims: _Pinned
    codes: Optional[_Pinned]
    inputs: Optional[_Pinned]
    readings: Optional[_Pinned]
    people: Optional[_Pinned]


class Provenance(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    version: Literal[2]
    layout: Literal["ours", "nhsa"]
    files: _Files
    inputs: dict[str, Union[str, bool]]
    readings: dict[str, str]
    audit: bool = False


def read_provenance(result_path, meta: dict) -> tuple[str, Provenance]:
    """(policy id, provenance) from a result's schema metadata; one line naming the result and what is wrong
    with the metadata otherwise."""
    if b"medrules.provenance" not in meta:
        raise err("result", "error.result_no_provenance", path=result_path)

    def bad(problem: Problem):
        return err("result", Problem.each("error.result_metadata", zh={"problem": problem.zh},
                                          en={"problem": problem.en}, path=result_path))
    try:
        policy_id = meta.get(b"medrules.policy", b"").decode("utf-8")
        text = meta[b"medrules.provenance"].decode("utf-8")
    except UnicodeDecodeError as e:
        raise bad(Problem("error.reason_not_utf8", byte=e.start)) from None
    if not policy_id:
        raise bad(Problem("error.result_metadata_policy"))
    try:
        data = parse_json(text)
    except DataProblem as e:
        raise bad(e) from None
    try:
        prov = Provenance.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "medrules.provenance"
        got = "" if first["type"] == "missing" else f", got {shown(first.get('input'))}"
        zh = pydantic_problem(first, lambda loc: "").zh
        raise bad(Problem.each("error.result_metadata_field", zh={"problem": zh}, en={"problem": first["msg"] + got},
                               field=where)) from None
    return policy_id, prov


def check_pinned(result_path, prov: Provenance) -> dict:
    """Every pinned file present and unchanged; {name: path} of those given. One line naming the file otherwise."""
    paths = {}
    for name in PINNED:
        pinned = getattr(prov.files, name)
        if pinned is None:
            continue
        path = Path(pinned.path)
        if not path.is_file():
            raise err("result", "error.result_input_gone", path=pinned.path, result=result_path)
        try:
            digest = sha256(path)
        except OSError as e:
            raise err("result", read_problem(pinned.path, e, "error.cannot_read_plain")) from None
        if digest != pinned.sha256:
            raise err("result", "error.result_input_changed", path=pinned.path, result=result_path)
        paths[name] = pinned.path
    return paths
