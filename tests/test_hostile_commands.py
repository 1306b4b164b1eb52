"""Every command on mutated valid inputs (issue 27): a result with exit 0, or exit 2 with exactly one line on stderr
and nothing on stdout — never a traceback, never a second line, never a half-written file.

Each command gets a property-based test (hypothesis) that starts from the shipped examples and replaces, removes,
duplicates or cuts parts of them with values from the edges of the grammar: scenarios (`evaluate`, `compare`),
claims tables in our layout and the national one, as CSV and as Parquet, with their identity tables (`batch`),
inputs and readings files, a result's metadata (`explain`), policy ids (`readings`), per-person tables
(`indicators`), schemes (`check-scheme`), reforms' CHANGES.yaml (`reform`) and review ledgers (`review show`).
The commands run in this process through medrules.cli.main.main (a traceback would fail the test); a few dozen
examples per command keep the whole file to about a minute.
"""
from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from _wenzhou import REPO

from medrules.cli.main import main

EXAMPLES = REPO / "examples"
POLICY = "wenzhou-2021-78"
FEW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.function_scoped_fixture])

# Values on the edges of the one grammar, and beyond it: signs, exponents, blanks, other digits, control and layout
# characters, a lone surrogate, long text, structures where a value belongs.
HOSTILE_TEXT = ["+100", ".5", "100.", "1e5", "1.50e1", "-0", "-1", "NaN", "Infinity", "100000000.01", "0000-01-01",
                "2023-02-30", "2023-3-10", "2023-03-10 99:99:99", "true", "false", "1", "yes", "on", " true", "",
                " ", "dibao", "inpatient", "２０２３", "١٠٠", "a\nb", "\x1b[2J", "\u2028", "\u202e", "2023\ud800",
                "x" * 3000, "0" * 80 + "1", "null", "[]", "{}"]
hostile_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=12))
json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**12) | hostile_text | st.decimals(allow_nan=False, places=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3), max_leaves=6)


def run(*argv) -> tuple[int, str, str]:
    """The command in this process: (exit status, stdout, stderr), its output encoded as a real process's is
    (UTF-8; stderr with backslashreplace, as Python sets it), so text that is not Unicode fails here as there."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="\n")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", newline="\n")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as e:   # argparse's usage errors
            code = e.code
    out.flush()
    err.flush()
    return code, out.buffer.getvalue().decode("utf-8"), err.buffer.getvalue().decode("utf-8")


def result_or_one_line(code: int, out: str, err: str, refused: int = 2) -> bool:
    """True for a result (exit 0); for a refusal, exactly one line on stderr and nothing on stdout."""
    assert "Traceback" not in err, err
    event("result" if code == 0 else "refused")   # --hypothesis-show-statistics: both outcomes are reached
    if code == 0:
        return True
    assert code == refused, (code, err)
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    assert out == "", out[:300]
    return False


def json_dumps(data) -> str:
    """JSON as a user's file may hold it: decimals as numbers, a lone surrogate as its \\u escape."""
    def default(value):
        return float(value) if value == value else "NaN"
    return json.dumps(data, default=default, ensure_ascii=True)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


_FOLDERS = itertools.count()   # not `random`: hypothesis seeds it the same for every example


def fresh(work: Path, name: str) -> Path:
    folder = work / f"{name}-{next(_FOLDERS)}"
    folder.mkdir()
    return folder


# --- scenarios: evaluate and compare ------------------------------------------------------------------------------

SCENARIO = json.loads((EXAMPLES / "dibao-200k-inpatient.json").read_text(encoding="utf-8"))


def paths(data, prefix=()) -> list[tuple]:
    """Every place in a JSON document (keys and indices from the top), the leaves included."""
    found = [prefix] if prefix else []
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in children:
        found += paths(value, prefix + (key,))
    return found


@st.composite
def mutated_json(draw, base):
    """`base` with one to three places (drawn evenly among all of them) replaced, removed, made not Unicode or
    joined by an unknown key, as text; sometimes a key given twice or the text cut short."""
    data = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 3))):
        places = paths(data)
        if not places:
            break
        *way, key = draw(st.sampled_from(places))
        parent = data
        for step in way:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "delete", "extra", "not unicode"]))
        if action == "replace":
            parent[key] = draw(json_value)
        elif action == "not unicode":   # a lone surrogate after what was there (JSON writes it as \ud800)
            parent[key] = f"{parent[key]}\ud800" if not isinstance(parent[key], (dict, list)) else "\udfff"
        elif action == "delete" and isinstance(parent, dict):
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(hostile_text)] = draw(json_value)
    text = json_dumps(data)
    shape = draw(st.sampled_from(["as is", "as is", "as is", "key twice", "cut"]))
    if shape == "key twice" and text.startswith("{") and len(text) > 2:
        first = text[1:].split(",", 1)[0].rstrip("}")
        text = "{" + first + ", " + text[1:]
    elif shape == "cut":
        text = text[:draw(st.integers(0, len(text)))]
    return text


@FEW
@given(mutated_json(SCENARIO))
def test_evaluate_gives_a_result_or_one_line(work, text):
    path = fresh(work, "evaluate") / "scenario.json"
    path.write_text(text, encoding="utf-8")
    code, out, err = run("evaluate", path, "--trace", "none")
    if result_or_one_line(code, out, err):
        assert "totals" in json.loads(out)


@FEW
@given(mutated_json({k: v for k, v in SCENARIO.items() if k != "policy"}))
def test_compare_gives_a_result_or_one_line(work, text):
    path = fresh(work, "compare") / "scenario.json"
    path.write_text(text, encoding="utf-8")
    code, out, err = run("compare", path, "--json")
    if result_or_one_line(code, out, err):
        assert POLICY in json.loads(out)


# --- claims tables: batch in both layouts, CSV and Parquet ---------------------------------------------------------

def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


OURS = read_rows(EXAMPLES / "claims-small.csv")
NHSA = read_rows(EXAMPLES / "nhsa-settlements.csv")
NHSA_PEOPLE = read_rows(EXAMPLES / "nhsa-people.csv")


@st.composite
def mutated_table(draw, rows):
    """A table (header + rows of text) with cells replaced, a column dropped or repeated, a row repeated or cut."""
    rows = [list(r) for r in rows]
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["cell", "cell", "cell", "empty", "drop column", "repeat column",
                                       "repeat row", "cut row", "unknown column"]))
        width = len(rows[0])
        if action in ("cell", "empty") and len(rows) > 1:
            r, c = draw(st.integers(1, len(rows) - 1)), draw(st.integers(0, width - 1))
            rows[r][c] = "" if action == "empty" else draw(hostile_text)
        elif action == "drop column" and width > 1:
            c = draw(st.integers(0, width - 1))
            rows = [row[:c] + row[c + 1:] for row in rows]
        elif action == "repeat column":
            c = draw(st.integers(0, width - 1))
            rows = [row + [row[c]] for row in rows]
        elif action == "repeat row" and len(rows) > 1:
            rows.append(list(rows[draw(st.integers(1, len(rows) - 1))]))
        elif action == "cut row" and len(rows) > 2:
            del rows[draw(st.integers(1, len(rows) - 1))]
        elif action == "unknown column":
            rows = [row + ([draw(st.sampled_from(["colour", "Date", "person_id "]))] if i == 0 else ["x"])
                    for i, row in enumerate(rows)]
    return rows


def write_table(folder: Path, name: str, rows: list[list[str]], kind: str) -> Path:
    """The rows as CSV (UTF-8; a lone surrogate cannot be written, so it is written escaped) or as Parquet text."""
    rows = [[cell.encode("utf-8", "backslashreplace").decode("utf-8") for cell in row] for row in rows]
    if kind == "csv":
        path = folder / f"{name}.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)
        return path
    path = folder / f"{name}.parquet"
    header, body = rows[0], rows[1:]
    columns = [pa.array([(r[i] if i < len(r) else None) or None for r in body], pa.string())
               for i in range(len(header))]
    pq.write_table(pa.Table.from_arrays(columns, names=header), path)
    return path


def batch_result_or_one_line(code, out, err, result: Path, rows: int | None = None) -> None:
    if result_or_one_line(code, out, err):
        table = pq.read_table(result)
        assert table.num_rows >= 1 and "out_of_pocket" in table.column_names
        if rows is not None:
            assert table.num_rows == rows
    else:
        assert not result.exists()
    assert [p.name for p in result.parent.iterdir() if p.name.startswith(".")] == []   # no temporary file left


@FEW
@given(mutated_table(OURS), st.sampled_from(["csv", "parquet"]))
def test_batch_on_a_mutated_claims_table_gives_a_result_or_one_line(work, rows, kind):
    folder = fresh(work, "batch")
    claims = write_table(folder, "claims", rows, kind)
    result = folder / "result.parquet"
    code, out, err = run("batch", "--policy", POLICY, claims, "--inputs", EXAMPLES / "claims-inputs.json",
                         "--out", result)
    batch_result_or_one_line(code, out, err, result, len(rows) - 1)


@FEW
@given(mutated_table(NHSA), mutated_table(NHSA_PEOPLE), st.sampled_from(["csv", "parquet"]))
def test_batch_on_a_mutated_national_record_gives_a_result_or_one_line(work, rows, people, kind):
    folder = fresh(work, "nhsa")
    claims = write_table(folder, "settlements", rows, kind)
    identity = write_table(folder, "people", people, kind)
    result = folder / "result.parquet"
    code, out, err = run("batch", "--layout", "nhsa", "--codes", EXAMPLES / "nhsa-codes.yaml", "--people", identity,
                         "--policy", POLICY, claims, "--inputs", EXAMPLES / "claims-inputs.json", "--out", result)
    batch_result_or_one_line(code, out, err, result, len(rows) - 1)


READINGS = {"wenzhou-2021-78/3.3.11:high-cost-period": "calendar-year"}


@FEW
@given(mutated_json({"critical_illness_base_deductible": 30000}), mutated_json(READINGS))
def test_batch_with_mutated_inputs_and_readings_files_gives_a_result_or_one_line(work, inputs, readings):
    folder = fresh(work, "options")
    (folder / "i.json").write_text(inputs, encoding="utf-8")
    (folder / "r.json").write_text(readings, encoding="utf-8")
    result = folder / "result.csv"
    code, out, err = run("batch", "--policy", POLICY, EXAMPLES / "claims-small.csv", "--inputs", folder / "i.json",
                         "--readings", folder / "r.json", "--out", result)
    if result_or_one_line(code, out, err):
        assert len(result.read_text(encoding="utf-8").splitlines()) == len(OURS)
    else:
        assert not result.exists()


# --- explain: a result whose metadata was edited -------------------------------------------------------------------

@pytest.fixture(scope="module")
def good_result(work) -> tuple[Path, dict]:
    folder = fresh(work, "result")
    result = folder / "result.parquet"
    for name in ("claims-small.csv", "claims-inputs.json"):
        shutil.copy(EXAMPLES / name, folder / name)
    code, _, err = run("batch", "--policy", POLICY, folder / "claims-small.csv", "--inputs",
                       folder / "claims-inputs.json", "--out", result)
    assert code == 0, err
    return result, dict(pq.read_schema(result).metadata)


@FEW
@given(st.data())
def test_explain_on_a_result_with_edited_metadata_gives_the_trace_or_one_line(work, good_result, data):
    result, meta = good_result
    provenance = json.loads(meta[b"medrules.provenance"])
    edited = dict(meta)
    key = data.draw(st.sampled_from([b"medrules.provenance", b"medrules.provenance", b"medrules.policy"]))
    if key == b"medrules.policy":
        edited[key] = data.draw(st.sampled_from([b"", b"nope", b"\xff\xfe", b"zhejiang-2019-chronic-outpatient",
                                                 "wenzhou-2021-78\u202e".encode()]))
    else:
        edited[key] = data.draw(mutated_json(provenance)).encode("utf-8", "surrogatepass")
    folder = fresh(work, "explain")
    copy = folder / "result.parquet"
    pq.write_table(pq.read_table(result).replace_schema_metadata(edited), copy)
    code, out, err = run("explain", copy, "--row", data.draw(st.integers(-1, 8)))
    if result_or_one_line(code, out, err):
        assert "[wenzhou-2021-78/" in out


# --- readings, indicators, check-scheme, reform, review -------------------------------------------------------------

@FEW
@given(st.one_of(hostile_text, st.sampled_from(["wenzhou-2021-78", "../policies/wenzhou-2021-78", "WENZHOU-2021-78",
                                               "wenzhou-2021-78\u2028", "zhejiang-2022-illness-poverty"])))
def test_readings_of_any_policy_id_gives_the_list_or_one_line(policy):
    code, out, err = run("readings", policy)
    if result_or_one_line(code, out, err):
        assert "readings" in out


INDICATORS = read_rows(EXAMPLES / "indicators-people.csv")


@FEW
@given(mutated_table(INDICATORS), st.sampled_from(["csv", "parquet"]), st.sampled_from(["2025", "2022", "x"]))
def test_indicators_on_a_mutated_table_gives_the_report_or_one_line(work, rows, kind, target):
    folder = fresh(work, "indicators")
    people = write_table(folder, "people", rows, kind)
    code, out, err = run("indicators", people, "--target", target, "--readings",
                         EXAMPLES / "indicators-readings.yaml")
    result_or_one_line(code, out, err)


YAML_SCALARS = ["0.65", "65%", "1.5", "0.6500001", "1e-1", ".inf", "010", "1_0", "yes", "null", "2020-02-30",
                "2020-01-01", "[]", "{}", "*a", "&a 0.5", '"\\ud800"', '"\\u202e"', "[" * 200, "- " * 200 + "x",
                "true", "~", "'0.7'"]


@st.composite
def mutated_yaml(draw, text: str):
    """YAML text with values replaced by hostile scalars, a line repeated (a key twice) or removed, or cut."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["value", "value", "repeat", "remove", "cut"]))
        if action == "value" and ":" in lines[i]:
            head = lines[i].split(":", 1)[0]
            lines[i] = f"{head}: {draw(st.one_of(st.sampled_from(YAML_SCALARS), hostile_text.map(json.dumps)))}"
        elif action == "repeat":
            lines.insert(i, lines[i])
        elif action == "remove":
            del lines[i]
        elif action == "cut":
            lines = lines[:i]
        if not lines:
            lines = [""]
    return "\n".join(lines) + "\n"


@FEW
@given(mutated_yaml((EXAMPLES / "scheme-county.yaml").read_text(encoding="utf-8")))
def test_check_scheme_on_a_mutated_scheme_gives_the_findings_or_one_line(work, text):
    path = fresh(work, "scheme") / "scheme.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    code, out, err = run("check-scheme", path)
    result_or_one_line(code, out, err)


CHANGES = (EXAMPLES / "reform-wenzhou-limit.yaml").read_text(encoding="utf-8") + \
    "  medical_assistance.ratio:\n    - from: 2023-01-01\n      to: null\n      value: 0.85\n" + \
    "readings:\n  wenzhou-2021-78/3.3.11:high-cost-period: calendar-year\n"


@FEW
@given(mutated_yaml(CHANGES))
def test_reform_with_a_mutated_changes_file_gives_the_difference_or_one_line(work, text):
    folder = fresh(work, "reform")
    (folder / "changes.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    out_path = folder / "diff.parquet"
    code, out, err = run("reform", "--policy", POLICY, EXAMPLES / "claims-small.csv", "--change",
                         folder / "changes.yaml", "--inputs", EXAMPLES / "claims-inputs.json", "--out", out_path)
    if result_or_one_line(code, out, err):
        assert pq.read_table(out_path).num_rows == len(OURS) - 1
    else:
        assert not out_path.exists()


LEDGER_POLICY = "zhejiang-2022-illness-poverty"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(mutated_yaml((REPO / "reviews" / f"{LEDGER_POLICY}.yaml").read_text(encoding="utf-8")))
def test_review_show_on_a_mutated_ledger_gives_the_clause_or_one_line(work, monkeypatch, text):
    from medrules.review import ledger
    folder = fresh(work, "reviews")
    (folder / f"{LEDGER_POLICY}.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    with monkeypatch.context() as m:
        m.setattr(ledger, "REVIEWS_DIR", folder)
        code, out, err = run("review", "show", f"{LEDGER_POLICY}/p7")
    if result_or_one_line(code, out, err):
        assert f"{LEDGER_POLICY}/p7" in out
    assert sorted(p.name for p in folder.iterdir()) == [f"{LEDGER_POLICY}.yaml"]   # nothing written over it
