"""The ledger of approvals, and the snapshots that show what changed since one was given.

The ledger is `reviews/<policy-id>.yaml`: one entry per clause (sorted by clause ID, block style, so a review shows
as a small diff) with its interpretation status (draft, in-review, approved, disputed), reviewer, date, open
questions, the fingerprint at the last action and the history of actions. An approval whose fingerprint no longer
matches is `stale` (computed here, never stored).
Each approval keeps a snapshot of what its fingerprint covered in reviews/snapshots/, so a stale approval shows a
diff of what changed. The ledger is written under a lock through unique temporary files, and validated (pydantic)
when read.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import fcntl
import json
import os
import tempfile
from pathlib import Path
from typing import Annotated, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from ..core.messages import Problem, msg
from ..core.policy import Clause, Policy
from ..core.scenario import pydantic_problem
from .clauses import REPO, ReviewError, natural_key, where_in_repo
from .fingerprint import SHORT, canonical_json, cases_for, engine_sources, fingerprint, fingerprint_parts, short

REVIEWS_DIR = REPO / "reviews"
STATUSES = ("draft", "in-review", "approved", "disputed")


def ledger_path(policy_id: str) -> Path:
    return REVIEWS_DIR / f"{policy_id}.yaml"


class _AcceptedOpen(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    why: str
    open: list[str]


class _HistoryItem(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    status: Literal["draft", "in-review", "approved", "disputed"]
    reviewer: Optional[str]
    date: Optional[dt.date]
    fingerprint: Optional[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]]
    note: Optional[str] = None
    accepted_open: Optional[_AcceptedOpen] = None


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    clause: str
    status: Literal["draft", "in-review", "approved", "disputed"]
    reviewer: Optional[str]
    date: Optional[dt.date]
    fingerprint: Optional[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]]
    open_questions: list[str]
    history: list[_HistoryItem]


class _Ledger(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    policy: str
    clauses: list[_Entry]


def _yaml_line(node, loc: tuple) -> int | None:
    """The line (1-based) of the YAML node at a pydantic error location, or of its closest parent."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def undecodable_line(data: bytes, error: UnicodeDecodeError) -> int:
    return data[:error.start].count(b"\n") + 1


def load_ledger(policy_id: str) -> dict[str, dict]:
    """The ledger's entries by clause ID. A ledger that is not valid UTF-8 YAML of the expected shape is a
    ReviewError naming the file, the line and what is wrong (exit status 2), never a traceback."""
    path = ledger_path(policy_id)
    if not path.exists():
        return {}
    where = where_in_repo(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ReviewError("error.review_ledger_utf8", where=f"{where} line {undecodable_line(data, e)}",
                          byte=f"0x{data[e.start]:02x}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        what = " ".join(str(getattr(e, "problem", None) or e).split())
        raise ReviewError("error.review_not_yaml", where=f"{where}{line}", reason=what) from None
    if not isinstance(raw, dict):
        if raw is None:
            raise ReviewError("error.review_ledger_empty", where=f"{where} line 1")
        raise ReviewError("error.review_ledger_not_mapping", where=f"{where} line 1", got=type(raw).__name__)
    try:
        ledger = _Ledger.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(err["loc"])
        field = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
        line = _yaml_line(node, loc)
        got = err.get("input")
        shown = "" if isinstance(got, (dict, list)) or err["type"] == "missing" else f", got {got!r}"
        allowed = f" (allowed: {', '.join(STATUSES)})" if field.endswith("status") else ""
        raise ReviewError(Problem.each("error.review_ledger_field", zh={"problem": pydantic_problem(err, lambda loc: "").zh,
                                                                       "allowed": allowed.replace("allowed", "可用")},
                                       en={"problem": f"{err['msg']}{shown}", "allowed": allowed},
                                       where=f"{where}" + (f" line {line}" if line else ""),
                                       field=field or "top level")) from None
    if ledger.policy != policy_id:
        raise ReviewError("error.review_ledger_policy", where=f"{where} line {_yaml_line(node, ('policy',))}",
                          policy=repr(policy_id), got=repr(ledger.policy))
    entries = {}
    for i, item in enumerate(raw["clauses"]):
        if item["clause"] in entries:
            raise ReviewError("error.review_ledger_twice", where=f"{where} line {_yaml_line(node, ('clauses', i))}",
                              clause=repr(item["clause"]))
        entries[item["clause"]] = item
    return entries


HEADER = """\
# Review ledger for {pid}.
# One entry per clause, sorted by clause ID; written by
# `python -m medrules review` (README.md, "Review workflow").
# fingerprint: sha256 of the clause text, notes, readings, dated
# values, policy dates, rule code and engine code at the last action.
# An approval whose fingerprint no longer matches is stale until it is
# approved again; reviews/snapshots/ keeps what each approval covered.
"""


class _Dumper(yaml.SafeDumper):
    """Block style, no anchors (&id001) for values that happen to be the same object."""

    def ignore_aliases(self, data):
        return True

    def increase_indent(self, flow=False, indentless=False):  # lists indented under their key, as yamllint wants
        return super().increase_indent(flow, False)


@contextlib.contextmanager
def ledger_lock(policy_id: str):
    """Hold the policy's ledger lock (fcntl.flock on reviews/.<id>.lock) around a read-modify-write: without it
    parallel approvals each read the old ledger and the last writer wins."""
    REVIEWS_DIR.mkdir(exist_ok=True)
    with open(REVIEWS_DIR / f".{policy_id}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_atomically(path: Path, text: str) -> None:
    """Write a unique temporary file in the same folder, then rename it over the target: a reader sees the old
    or the new file, never half of one, and parallel writers never share a temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_ledger(policy_id: str, entries: dict[str, dict]) -> Path:
    """Write the ledger (call under ledger_lock when it was read to be changed)."""
    REVIEWS_DIR.mkdir(exist_ok=True)
    ordered = [entries[cid] for cid in sorted(entries, key=natural_key)]
    body = yaml.dump({"policy": policy_id, "clauses": ordered}, Dumper=_Dumper, allow_unicode=True,
                     sort_keys=False, default_flow_style=False, width=1000)
    path = ledger_path(policy_id)
    write_atomically(path, HEADER.format(pid=policy_id) + body)
    return path


# --- what an entry says now -----------------------------------------------------------------------------------------

def accepted_open(entry: dict | None) -> dict | None:
    """The --accept-open reason of the approval in force, if it was given with items open."""
    history = (entry or {}).get("history") or []
    if entry and entry.get("status") == "approved" and history and history[-1].get("status") == "approved":
        return history[-1].get("accepted_open")
    return None


def effective_status(entry: dict | None, current_fp: str) -> str:
    """The status to show: an approval whose fingerprint no longer matches is `stale`."""
    if entry is None:
        return "missing"
    if entry["status"] == "approved" and entry.get("fingerprint") != current_fp:
        return "stale"
    return entry["status"]


# --- snapshots: what an approval covered, kept so that a stale approval can show what changed ---------------------

def snapshot_path(clause_id: str) -> Path:
    pid, _, path = clause_id.partition("/")
    return REVIEWS_DIR / "snapshots" / pid / f"{path}.json"


def source_path(sha: str) -> Path:
    """Engine sources are kept once per content (sha256), shared by every snapshot that ran them."""
    return REVIEWS_DIR / "snapshots" / "sources" / f"{sha}.py.txt"


def save_snapshot(policy: Policy, clause: Clause, fp: str, on: dt.date) -> None:
    """Keep what the approval covered (its fingerprint's parts) and the clause's casebook cases as they were, so
    that `review diff` can show what changed since."""
    parts = json.loads(canonical_json(fingerprint_parts(policy, clause)))
    for sha, text in engine_sources(policy.id).values():
        if not source_path(sha).exists():
            write_atomically(source_path(sha), text)
    doc = {"clause": clause.id, "fingerprint": fp, "approved_on": str(on), "parts": parts,
           "casebook": kept_cases(policy.id, clause.id)}
    write_atomically(snapshot_path(clause.id), json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def _text_keys(value):
    """Mapping keys as text, so a hand-written case whose YAML made a key a number still sorts and dumps."""
    if isinstance(value, dict):
        return {str(k): _text_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text_keys(v) for v in value]
    return value


def kept_cases(policy_id: str, clause_id: str) -> list:
    """The clause's casebook cases as a snapshot keeps them (JSON values, keys as text)."""
    return json.loads(canonical_json(_text_keys(cases_for(policy_id, clause_id))))


def load_snapshot(clause_id: str) -> dict | None:
    path = snapshot_path(clause_id)
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ReviewError("error.review_snapshot_unreadable", where=where_in_repo(path), reason=e) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("parts"), dict):
        raise ReviewError("error.review_not_snapshot", where=where_in_repo(path))
    return doc


def dump(value) -> str:
    return yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=True, default_flow_style=False,
                     width=110).rstrip("\n")


def _title(key: str, **values) -> str:
    """A section title of the diff, Chinese then English: `参数 assistance.ratio（自 2099-01-01） · parameter …`."""
    zh, en = msg(f"review.part.{key}", **values)
    return f"{zh} · {en}"


def render_parts(parts: dict, source=None, casebook: list | None = None) -> dict[str, list[str]]:
    """Everything a fingerprint covers as text, one titled section per part, for a readable diff; and the clause's
    casebook cases where given (kept with each approval, not in the fingerprint).
    `source(sha)` gives an engine module's text, or None when it was not kept."""
    sections: dict[str, list[str]] = {}

    def section(title, body):
        sections[title] = (body or "").rstrip("\n").splitlines() or [""]

    section(_title("text"), parts.get("text"))
    if parts.get("text_simplified"):
        section(_title("text_simplified"), parts["text_simplified"])
    section(_title("parallel"), parts.get("parallel"))
    for i, note in enumerate(parts.get("uncertain") or [], 1):
        section(_title("uncertain", n=i), dump(note) if not isinstance(note, str) else note)
    for rid, reading in (parts.get("readings") or {}).items():
        section(_title("reading", id=rid), dump(reading))
    for p in parts.get("parameters") or []:
        entry = p.get("entry") or {}
        title = (_title("parameter", name=p["name"], start=entry.get("from") or entry.get("reported_in_force_on") or "?")
                 if "name" in p else _title("input", name=p.get("input")))
        while title in sections:
            title += " (+)"
        section(title, dump(p))
    section(_title("validity"), dump(parts.get("validity") or {}))
    for name, text in (parts.get("code") or {}).items():
        section(_title("code", name=name), text)
    for path, sha in (parts.get("engine") or {}).items():
        text = source(sha) if source else None
        section(_title("engine", path=path), text if text is not None else
                msg("review.part.source_not_kept", sha=sha[:SHORT])[0])
    for case in casebook or []:
        title = _title("case", name=case.get("name", "?") if isinstance(case, dict) else "?")
        while title in sections:
            title += " (+)"
        section(title, dump(case))
    return sections


def diff_parts(old: dict, new: dict, old_label: str, new_label: str) -> str:
    """A unified diff per changed section (`=== title`), so that each hunk says which value or code it is in."""
    out = []
    for title in list(old) + [t for t in new if t not in old]:
        before, after = old.get(title, []), new.get(title, [])
        if before == after:
            continue
        out.append(f"=== {title}" + (msg("review.part.added")[0] if title not in old else
                                      msg("review.part.removed")[0] if title not in new else ""))
        out += list(difflib.unified_diff(before, after, old_label, new_label, lineterm=""))
    return "\n".join(out)


def _kept_source(sha: str) -> str | None:
    path = source_path(sha)
    return path.read_text(encoding="utf-8") if path.exists() else None


def last_approval(entry: dict | None) -> dict | None:
    """The history item of the clause's last approval, or None if it was never approved."""
    return next((h for h in reversed((entry or {}).get("history") or []) if h.get("status") == "approved"), None)


def changes_since_approval(policy: Policy, clause: Clause, entry: dict | None, always: bool = False) -> str | None:
    """A unified diff of what the last approval covered (and the casebook cases it saw) against what there is now;
    "" when nothing changed. None when there is no approval to compare with, or (unless `always`) when the approval
    is not stale."""
    now_fp = fingerprint(policy, clause)
    approval = last_approval(entry)
    if approval is None or (not always and effective_status(entry, now_fp) != "stale"):
        return None
    snap = load_snapshot(clause.id)
    if snap is None or snap.get("fingerprint") != approval.get("fingerprint"):
        return msg("review.part.no_snapshot", approved=short(approval.get("fingerprint")))[0]
    current = {path: text for path, (_, text) in engine_sources(policy.id).items()}
    now_parts = json.loads(canonical_json(fingerprint_parts(policy, clause)))
    now_cases = kept_cases(policy.id, clause.id)

    def source_now(sha):
        return next((t for p, t in current.items() if now_parts["engine"].get(p) == sha), None) or _kept_source(sha)

    # Snapshots from before the casebook was kept have no "casebook": compare the parts only.
    snap_cases = snap.get("casebook")
    diff = diff_parts(render_parts(snap["parts"], _kept_source, snap_cases),
                      render_parts(now_parts, source_now, now_cases if snap_cases is not None else None),
                      f"approved {short(snap['fingerprint'])} ({snap.get('approved_on')})", f"now {short(now_fp)}")
    if not diff and snap["fingerprint"] != now_fp:
        return msg("review.part.same_render")[0]
    return diff
