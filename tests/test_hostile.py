"""Issue 27, by hand: each failure the hostile checks found, as a test that failed before its fix.

1. One grammar: batch refused nothing evaluate refuses (+100, .5, 1e5, yes/no as 1, 0000-01-01, 99:99:99), a key
   given twice was kept silently, a reading option given as a list crashed four commands.
2. One line for every failure: a lone surrogate crashed evaluate and compare; a write on a full disk, over a
   file-size limit or on a read-only mount, and a full or closed standard output, ended in a traceback; a 10 MB
   value made a 20 MB line.
3. explain trusted a codes file that had changed, and crashed nine ways on edited metadata.
4. The review ledger: 2026-02-30 and deep nesting crashed it, a key twice was kept, no size limit, U+2028/U+202E
   names printed raw.
5. The workshop: a short token was accepted, the token was on the command line, terminals were on.
7. Signals: the handlers stay until the process exits.
Full disks are made without touching the machine: /dev/full for standard output, RLIMIT_FSIZE in the child for
files (the command itself ignores SIGXFSZ), and a small or read-only tmpfs in a private mount namespace
(`unshare -m`, skipped where that is not allowed).
"""
from __future__ import annotations

import copy
import errno
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from _errors import chinese_half, english_half
from _wenzhou import REPO

from medrules.cli.main import main

EXAMPLES = REPO / "examples"
POLICY = "wenzhou-2021-78"
SCENARIO = json.loads((EXAMPLES / "dibao-200k-inpatient.json").read_text(encoding="utf-8"))
ENV = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    """The single stderr line of a refused run, Chinese first; the English half is returned."""
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    chinese_half(err.strip())
    return english_half(err.strip())


def problem(line: str) -> str:
    """What an error line says after its field: the same sentence whichever way the value came in."""
    return re.sub(r"^error: (claims\[0\]\.|row 1 \(line 2\), )", "", line).split(": ", 1)[1]


def process(*argv, stdout=subprocess.PIPE, limit: int | None = None, cwd=REPO, timeout=120):
    """python -m medrules as its own process; `limit`: RLIMIT_FSIZE in bytes (as `ulimit -f` sets it)."""
    def limited():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return subprocess.run([sys.executable, "-m", "medrules", *map(str, argv)], cwd=cwd, env=ENV, stdout=stdout,
                          stderr=subprocess.PIPE, timeout=timeout, preexec_fn=limited if limit else None)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- 1. one grammar ------------------------------------------------------------------------------------------------

SMALL = (EXAMPLES / "claims-small.csv").read_text(encoding="utf-8")
NHSA = (EXAMPLES / "nhsa-settlements.csv").read_text(encoding="utf-8")


def batch_ours(capsys, tmp_path, claims_text: str, *extra) -> tuple[int, str, str]:
    claims = write(tmp_path / "claims.csv", claims_text)
    return cli(capsys, "batch", "--policy", POLICY, claims, "--inputs", EXAMPLES / "claims-inputs.json",
               "--out", tmp_path / "r.parquet", *extra)


def evaluate_with(capsys, tmp_path, field: str, value) -> tuple[int, str, str]:
    data = copy.deepcopy(SCENARIO)
    data["claims"][0][field] = value
    return cli(capsys, "evaluate", write(tmp_path / "s.json", json.dumps(data)))


@pytest.mark.parametrize("amount", ["+100", ".5", "100.", "1.50e1", "1e-2", "1e5"])
def test_batch_refuses_the_amounts_evaluate_refuses_with_the_same_sentence(tmp_path, capsys, amount):
    code, _, err = batch_ours(capsys, tmp_path, SMALL.replace(",200000,110000,", f",{amount},110000,", 1))
    assert code == 2 and not (tmp_path / "r.parquet").exists()
    line = one_line(err)
    assert line.startswith("error: row 1 (line 2), policy_range_cost: ")
    code, _, err = evaluate_with(capsys, tmp_path, "policy_range_cost", amount)
    assert code == 2 and problem(line) == problem(one_line(err))


@pytest.mark.parametrize("amount", ["+100", ".5", "1e5"])
def test_the_national_layout_refuses_them_too(tmp_path, capsys, amount):
    settlements = write(tmp_path / "s.csv", NHSA.replace(",110000.00,", f",{amount},", 1))
    code, _, err = cli(capsys, "batch", "--layout", "nhsa", "--codes", EXAMPLES / "nhsa-codes.yaml", "--people",
                       EXAMPLES / "nhsa-people.csv", "--policy", POLICY, settlements, "--inputs",
                       EXAMPLES / "claims-inputs.json", "--out", tmp_path / "r.parquet")
    assert code == 2
    assert one_line(err) == (f"error: row 1 (line 2), hifp_pay: must be an amount in yuan in ASCII digits with at "
                             f"most two decimals (such as 1234.50), got '{amount}'")


@pytest.mark.parametrize("flag", ["1", "yes", "on", "True", " true"])
def test_batch_refuses_the_yes_no_values_evaluate_refuses_with_the_same_sentence(tmp_path, capsys, flag):
    code, _, err = batch_ours(capsys, tmp_path, SMALL.replace(",true,true,true\n", f",{flag},true,true\n", 1))
    assert code == 2
    line = one_line(err)
    assert line == f"error: row 1 (line 2), referred: must be true or false, got '{flag}'"
    code, _, err = evaluate_with(capsys, tmp_path, "referred", flag)
    assert code == 2 and problem(one_line(err)) == problem(line)


@pytest.mark.parametrize("day", ["0000-01-01", "2023-02-30"])
def test_a_csv_date_that_is_no_day_is_refused_as_evaluate_refuses_it(tmp_path, capsys, day):
    # 0000-01-01 ended in OverflowError, exit 1.
    code, _, err = batch_ours(capsys, tmp_path, SMALL.replace("2023-03-10", day, 1))
    assert code == 2
    line = one_line(err)
    assert line.startswith(f"error: row 1 (line 2), date: '{day}' is not a day of the calendar (")
    code, _, err = evaluate_with(capsys, tmp_path, "date", day)
    assert code == 2 and problem(one_line(err)) == problem(line)


@pytest.mark.parametrize("time_", ["2023-03-10 99:99:99", "2023-03-10 24:00:00", "2023-03-10 23:60"])
def test_a_settlement_time_out_of_the_clock_is_refused_in_the_record_and_the_identity_table(tmp_path, capsys,
                                                                                           time_):
    settlements = write(tmp_path / "s.csv", NHSA.replace("2023-03-10 09:41:12", time_, 1))
    args = ["batch", "--layout", "nhsa", "--codes", EXAMPLES / "nhsa-codes.yaml", "--policy", POLICY, "--inputs",
            EXAMPLES / "claims-inputs.json", "--out", tmp_path / "r.parquet"]
    code, _, err = cli(capsys, *args, "--people", EXAMPLES / "nhsa-people.csv", settlements)
    assert code == 2 and one_line(err).startswith(f"error: row 1 (line 2), setl_time: '{time_}' is not a time")
    people = write(tmp_path / "p.csv", (EXAMPLES / "nhsa-people.csv").read_text().replace("2020-01-01 00:00:00",
                                                                                          time_[:10] + time_[10:], 1))
    code, _, err = cli(capsys, *args, "--people", people, EXAMPLES / "nhsa-settlements.csv")
    assert code == 2 and f"p.csv: row 1 (line 2), begntime: '{time_}' is not a time" in one_line(err)


def test_a_key_given_twice_is_refused_in_every_file(tmp_path, capsys):
    twice = '{"critical_illness_base_deductible": 30000, "critical_illness_base_deductible": 1}'
    inputs = write(tmp_path / "i.json", twice)
    code, _, err = cli(capsys, "batch", "--policy", POLICY, EXAMPLES / "claims-small.csv", "--inputs", inputs,
                       "--out", tmp_path / "r.parquet")
    assert code == 2 and "the key 'critical_illness_base_deductible' appears twice" in one_line(err)
    readings = write(tmp_path / "r.json", '{"wenzhou-2021-78/3.3.11:high-cost-period": "calendar-year", '
                                          '"wenzhou-2021-78/3.3.11:high-cost-period": "rolling-12-months"}')
    code, _, err = cli(capsys, "batch", "--policy", POLICY, EXAMPLES / "claims-small.csv", "--inputs",
                       EXAMPLES / "claims-inputs.json", "--readings", readings, "--out", tmp_path / "r.parquet")
    assert code == 2 and "appears twice" in one_line(err)
    changes = write(tmp_path / "c.yaml", (EXAMPLES / "reform-wenzhou-limit.yaml").read_text() +
                    "  medical_assistance.annual_limit:\n    - {from: 2023-01-01, to: null, value: 1}\n")
    code, _, err = cli(capsys, "reform", "--policy", POLICY, EXAMPLES / "claims-small.csv", "--change", changes,
                       "--inputs", EXAMPLES / "claims-inputs.json", "--out", tmp_path / "d.parquet")
    assert code == 2 and re.search(r"c\.yaml line 7: the key 'medical_assistance\.annual_limit' appears twice",
                                   one_line(err))
    codes = write(tmp_path / "codes.yaml", (EXAMPLES / "nhsa-codes.yaml").read_text().replace(
        '  "2102": [dibao]', '  "2102": [dibao]\n  "2102": [tekun]', 1))
    code, _, err = cli(capsys, "batch", "--layout", "nhsa", "--codes", codes, "--people", EXAMPLES / "nhsa-people.csv",
                       "--policy", POLICY, EXAMPLES / "nhsa-settlements.csv", "--inputs",
                       EXAMPLES / "claims-inputs.json", "--out", tmp_path / "r.parquet")
    assert code == 2 and "the key '2102' appears twice" in one_line(err)
    scheme = write(tmp_path / "scheme.yaml", (EXAMPLES / "scheme-county.yaml").read_text() + "primary_ratio: 0.9\n")
    code, _, err = cli(capsys, "check-scheme", scheme)
    assert code == 2 and "the key 'primary_ratio' appears twice" in one_line(err)
    people = tmp_path / "people.parquet"   # Arrow allows a column name twice; a table of ours does not
    pq.write_table(pa.Table.from_arrays([pa.array(["P001"]), pa.array(["dibao"]), pa.array(["2020-01-01"]),
                                         pa.array([None], pa.string()), pa.array(["tekun"])],
                                        names=["person_id", "status", "from", "to", "status"]), people)
    code, _, err = cli(capsys, "batch", "--policy", POLICY, EXAMPLES / "claims-small.csv", "--people", people,
                       "--inputs", EXAMPLES / "claims-inputs.json", "--out", tmp_path / "r.parquet")
    assert code == 2 and one_line(err) == "error: people: column(s) named twice: status"


@pytest.mark.parametrize("option", [["calendar-year"], {"a": 1}, 1, True, None])
def test_a_reading_option_that_is_not_text_is_one_line_everywhere(tmp_path, capsys, option):
    # A list or an object crashed evaluate, compare, batch --readings and explain with `unhashable type`.
    rid = "wenzhou-2021-78/3.3.11:high-cost-period"
    data = {**copy.deepcopy(SCENARIO), "readings": {rid: option}}
    for argv in (["evaluate", write(tmp_path / "s.json", json.dumps(data))],
                 ["compare", tmp_path / "s.json"],
                 ["batch", "--policy", POLICY, EXAMPLES / "claims-small.csv", "--inputs",
                  EXAMPLES / "claims-inputs.json", "--readings", write(tmp_path / "r.json", json.dumps({rid: option})),
                  "--out", tmp_path / "r.parquet"]):
        code, out, err = cli(capsys, *argv)
        assert (code, out) == (2, "")
        assert f"readings.{rid}: unknown option " in one_line(err)


def test_json_numbers_written_with_an_exponent_are_refused_as_the_same_text_is(tmp_path, capsys):
    text = json.dumps(SCENARIO).replace('"policy_range_cost": 200000', '"policy_range_cost": 2e5')
    code, _, err = cli(capsys, "evaluate", write(tmp_path / "s.json", text))
    assert code == 2
    assert one_line(err) == ("error: claims[0].policy_range_cost: must be an amount in yuan in ASCII digits with at "
                             "most two decimals (such as 1234.50), got 2e5")


# --- 2. one line for every failure ---------------------------------------------------------------------------------

@pytest.mark.parametrize("place", [("policy",), ("claims", 0, "date"), ("claims", 0, "policy_range_cost"),
                                   ("claims", 0, "referred"), ("person", "insurance"), ("inputs", "x\ud800")])
@pytest.mark.parametrize("command", ["evaluate", "compare"])
def test_a_lone_surrogate_anywhere_is_one_line_and_exit_2(place, command):
    data = copy.deepcopy(SCENARIO)
    target = data
    for key in place[:-1]:
        target = target[key]
    target[place[-1]] = "2023\ud800"
    p = subprocess.run([sys.executable, "-m", "medrules", command, "-"], cwd=REPO, env=ENV, capture_output=True,
                       input=json.dumps(data).encode("ascii"), timeout=60)   # \ud800 as JSON writes it
    assert (p.returncode, p.stdout) == (2, b"")
    line = one_line(p.stderr.decode("utf-8"))
    assert "lone surrogate \\ud800" in line


def test_a_ten_megabyte_value_gives_a_line_of_a_readable_length(tmp_path, capsys):
    huge = "9" * 10_000_000
    for text in (SMALL.replace("2023-03-10", huge, 1), SMALL.replace(",dibao,", f",{huge},", 1),
                 SMALL.replace(",inpatient,", f",{huge},", 1), SMALL.replace(",true,true,true\n", f",{huge},true,true\n", 1)):
        code, _, err = batch_ours(capsys, tmp_path, text)
        assert code == 2 and len(err) < 2000, len(err)
    data = copy.deepcopy(SCENARIO)
    data["claims"][0]["x" * 1_000_000] = 1
    data["claims"] += [{**data["claims"][0], "date": "2023-02-30"} for _ in range(1000)]
    code, _, err = cli(capsys, "evaluate", write(tmp_path / "s.json", json.dumps(data)))
    assert code == 2 and len(err) < 4000, len(err)


def _full_stdout_commands(tmp_path) -> dict:
    result = tmp_path / "result.parquet"
    assert process("batch", "--policy", POLICY, EXAMPLES / "claims-small.csv", "--inputs",
                   EXAMPLES / "claims-inputs.json", "--out", result).returncode == 0
    return {
        "evaluate": ["evaluate", EXAMPLES / "dibao-200k-inpatient.json"],
        "compare": ["compare", EXAMPLES / "dibao-200k-inpatient.json"],
        "batch": ["batch", "--policy", POLICY, EXAMPLES / "claims-small.csv", "--inputs",
                  EXAMPLES / "claims-inputs.json", "--out", tmp_path / "again.parquet"],
        "explain": ["explain", result, "--row", "2"],
        "readings": ["readings", POLICY],
        "indicators": ["indicators", EXAMPLES / "indicators-people.csv", "--target", "2025", "--readings",
                       EXAMPLES / "indicators-readings.yaml"],
        "check-scheme": ["check-scheme", EXAMPLES / "scheme-county.yaml"],
        "review status": ["review", "status"],
        "review show": ["review", "show", "wenzhou-2021-78/3.3.9"],
        "reform": ["reform", "--policy", POLICY, EXAMPLES / "claims-small.csv", "--change",
                   EXAMPLES / "reform-wenzhou-limit.yaml", "--inputs", EXAMPLES / "claims-inputs.json",
                   "--out", tmp_path / "diff.parquet"],
    }


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_every_command_with_standard_output_on_a_full_disk_or_a_closed_pipe_says_so_in_one_line(tmp_path):
    # batch, explain, readings, indicators, check-scheme and review status/show printed a traceback.
    for name, argv in _full_stdout_commands(tmp_path).items():
        with open("/dev/full", "wb") as full:
            p = process(*argv, stdout=full)
        line = one_line(p.stderr.decode("utf-8"))
        assert p.returncode == 1, (name, p.stderr)
        assert line == "error: cannot write the output to standard output: No space left on device", name
        if name in ("batch", "explain", "review show"):   # a closed pipe too, for a few (each run is a process)
            read_end, write_end = os.pipe()
            os.close(read_end)
            try:
                p = process(*argv, stdout=write_end)
            finally:
                os.close(write_end)
            assert p.returncode == 1 and one_line(p.stderr.decode()).endswith("the reader closed the pipe"), name


def test_a_closed_standard_output_descriptor_is_one_line_too():
    p = subprocess.run(f"exec >&-; {sys.executable} -m medrules readings {POLICY}", shell=True, cwd=REPO, env=ENV,
                       stderr=subprocess.PIPE, timeout=60)
    assert p.returncode == 1
    assert one_line(p.stderr.decode()) == "error: cannot write the output to standard output: Bad file descriptor"


@pytest.mark.parametrize("out", ["r.parquet", "r.csv", "r-dataset.parquet"])
def test_a_result_over_the_file_size_limit_is_one_line_naming_it_and_nothing_is_left(tmp_path, out):
    claims = EXAMPLES / "claims-small.csv"
    extra = []
    if out.startswith("r-dataset"):   # a Dask dataset: each worker writes its part
        folder = tmp_path / "claims"
        folder.mkdir()
        _csv_as_parquet(claims, folder / "part-0.parquet")
        claims, extra = folder, ["--engine", "dask"]
    p = process("batch", "--policy", POLICY, claims, "--inputs", EXAMPLES / "claims-inputs.json",
                "--out", tmp_path / out, *extra, limit=1024)
    assert p.returncode == 1, p.stderr.decode()
    assert one_line(p.stderr.decode()) == f"error: cannot write {tmp_path / out}: File too large"
    assert sorted(q.name for q in tmp_path.iterdir()) == (["claims"] if extra else [])


def _csv_as_parquet(csv_path: Path, out: Path) -> None:
    from pyarrow import csv as pacsv
    table = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(
        column_types={n: pa.string() for n in SMALL.splitlines()[0].split(",")}, strings_can_be_null=True))
    pq.write_table(table, out)


def test_reform_over_the_file_size_limit_writes_neither_file(tmp_path):
    p = process("reform", "--policy", POLICY, EXAMPLES / "claims-small.csv", "--change",
                EXAMPLES / "reform-wenzhou-limit.yaml", "--inputs", EXAMPLES / "claims-inputs.json",
                "--out", tmp_path / "diff.parquet", limit=1024)
    assert p.returncode == 1
    assert re.fullmatch(rf"error: cannot write {re.escape(str(tmp_path))}/diff(\.people)?\.parquet: File too large",
                        one_line(p.stderr.decode()))
    assert list(tmp_path.iterdir()) == []


def _unshare_works() -> bool:
    if not shutil.which("unshare") or os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="needs root and `unshare -m` for a private tmpfs")
@pytest.mark.parametrize("mount, reason", [("full", "No space left on device"), ("ro", "Read-only file system")])
def test_a_result_on_a_full_or_read_only_disk_is_one_line_naming_it(tmp_path, mount, reason):
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (f"mount -t tmpfs -o size=4k tmpfs {disk} && "
              + (f"mount -o remount,ro {disk} && " if mount == "ro" else "")
              + f"{sys.executable} -m medrules batch --policy {POLICY} {EXAMPLES / 'claims-small.csv'} "
              f"--inputs {EXAMPLES / 'claims-inputs.json'} --out {disk / 'r.parquet'}; echo \"rc=$?\"; ls -A {disk}")
    p = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=REPO, env=ENV, capture_output=True, timeout=120)
    out = p.stdout.decode().split("\n")
    assert "rc=1" in out, p.stdout + p.stderr
    assert out[out.index("rc=1") + 1:] == [""]   # nothing left on the disk
    assert one_line(p.stderr.decode()) == f"error: cannot write {disk / 'r.parquet'}: {reason}"


def test_a_ledger_that_cannot_be_written_is_one_line_and_exit_1(tmp_path, capsys, monkeypatch):
    from medrules.review import ledger
    reviews = tmp_path / "reviews"
    shutil.copytree(REPO / "reviews", reviews)
    monkeypatch.setattr(ledger, "REVIEWS_DIR", reviews)
    before = (reviews / f"{POLICY}.yaml").read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(ledger.os, "fsync", full)
    code, out, err = cli(capsys, "review", "request", f"{POLICY}/3.3.9", "--reviewer", "Li Wei")
    assert (code, out) == (1, "")
    assert one_line(err) == f"error: cannot write {reviews / (POLICY + '.yaml')}: No space left on device"
    assert (reviews / f"{POLICY}.yaml").read_bytes() == before
    assert not [p for p in reviews.iterdir() if p.name.startswith(f".{POLICY}.yaml.")]


# --- 3. explain: everything a result depends on, pinned ------------------------------------------------------------

@pytest.fixture
def nhsa_result(tmp_path, capsys) -> Path:
    for name in ("nhsa-settlements.csv", "nhsa-codes.yaml", "nhsa-people.csv", "claims-inputs.json"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    write(tmp_path / "readings.json", '{"wenzhou-2021-78/3.3.11:high-cost-period": "calendar-year"}')
    code, _, err = cli(capsys, "batch", "--layout", "nhsa", "--codes", tmp_path / "nhsa-codes.yaml", "--people",
                       tmp_path / "nhsa-people.csv", "--policy", POLICY, tmp_path / "nhsa-settlements.csv",
                       "--inputs", tmp_path / "claims-inputs.json", "--readings", tmp_path / "readings.json",
                       "--out", tmp_path / "r.parquet")
    assert code == 0, err
    return tmp_path / "r.parquet"


@pytest.mark.parametrize("name, change", [
    ("nhsa-codes.yaml", lambda t: t.replace('"2102": [dibao]', '"2102": []')),   # the case
    ("claims-inputs.json", lambda t: t.replace("30000", "30001")),
    ("readings.json", lambda t: t.replace("calendar-year", "rolling-12-months")),
    ("nhsa-people.csv", lambda t: t.replace("2020-01-01", "2020-01-02")),
    ("nhsa-settlements.csv", lambda t: t.replace("H33030001", "H33030009")),
])
def test_explain_refuses_a_result_whose_codes_inputs_readings_people_or_claims_changed(nhsa_result, capsys, name,
                                                                                      change):
    assert cli(capsys, "explain", nhsa_result, "--row", "1")[0] == 0
    path = nhsa_result.parent / name
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    code, out, err = cli(capsys, "explain", nhsa_result, "--row", "1")
    assert (code, out) == (2, "")
    assert one_line(err) == f"error: result: the input {path} has changed since {nhsa_result} was computed; re-run batch"
    path.unlink()
    code, _, err = cli(capsys, "explain", nhsa_result, "--row", "1")
    assert code == 2 and one_line(err) == f"error: result: the input {path} that {nhsa_result} was computed from is gone"


def _with_metadata(result: Path, **changes) -> Path:
    table = pq.read_table(result)
    meta = dict(table.schema.metadata)
    for key, value in changes.items():
        key = key.replace("_", ".").encode()
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    out = result.with_name("edited.parquet")
    pq.write_table(table.replace_schema_metadata(meta), out)
    return out


def _provenance(result: Path, edit) -> bytes:
    data = json.loads(pq.read_schema(result).metadata[b"medrules.provenance"])
    edit(data)
    return json.dumps(data).encode()


@pytest.mark.parametrize("what, edit", [
    ("cut JSON", lambda r: {"medrules_provenance": pq.read_schema(r).metadata[b"medrules.provenance"][:40]}),
    ("not UTF-8", lambda r: {"medrules_provenance": b"\xff\xfe{}"}),
    ("no files", lambda r: {"medrules_provenance": _provenance(r, lambda d: d.pop("files"))}),
    ("claims missing", lambda r: {"medrules_provenance": _provenance(r, lambda d: d["files"].pop("claims"))}),
    ("claims a number", lambda r: {"medrules_provenance": _provenance(r, lambda d: d["files"].update(claims=5))}),
    ("sha256 a list", lambda r: {"medrules_provenance": _provenance(
        r, lambda d: d["files"]["claims"].update(sha256=[]))}),
    ("readings not text", lambda r: {"medrules_provenance": _provenance(
        r, lambda d: d.update(readings={"wenzhou-2021-78/3.3.11:high-cost-period": ["calendar-year"]}))}),
    ("a list", lambda r: {"medrules_provenance": b"[1, 2]"}),
    ("no policy", lambda r: {"medrules_policy": None}),
    ("policy not UTF-8", lambda r: {"medrules_policy": b"\xff"}),
    ("unknown policy", lambda r: {"medrules_policy": b"zhejiang-2019-chronic-outpatient"}),
])
def test_explain_refuses_metadata_that_is_not_its_own_shape_with_one_line(nhsa_result, capsys, what, edit):
    edited = _with_metadata(nhsa_result, **edit(nhsa_result))
    code, out, err = cli(capsys, "explain", edited, "--row", "1")
    assert (code, out) == (2, "")
    assert one_line(err).startswith(f"error: result: {edited}: its metadata is not as batch writes it: "), what


def test_explain_refuses_a_row_whose_figures_the_rules_no_longer_give(nhsa_result, capsys):
    table = pq.read_table(nhsa_result)
    assistance = table.column("medical_assistance").to_pylist()
    assistance[0] = Decimal("1.00")
    column = pa.array(assistance, table.schema.field("medical_assistance").type)
    changed = table.set_column(table.column_names.index("medical_assistance"), "medical_assistance", column)
    pq.write_table(changed.replace_schema_metadata(table.schema.metadata), nhsa_result)
    code, out, err = cli(capsys, "explain", nhsa_result, "--row", "1")
    assert (code, out) == (2, "")
    assert re.fullmatch(rf"error: result: row 1 of {re.escape(str(nhsa_result))} holds medical_assistance 1\.00, but "
                        r"the rules now give [0-9]+\.[0-9]{2}: the engine or the policy changed since; re-run batch",
                        one_line(err))


# --- 4. the review ledger ------------------------------------------------------------------------------------------

@pytest.fixture
def reviews(tmp_path, monkeypatch) -> Path:
    from medrules.review import ledger
    folder = tmp_path / "reviews"
    shutil.copytree(REPO / "reviews", folder)
    monkeypatch.setattr(ledger, "REVIEWS_DIR", folder)
    return folder


LEDGER = "zhejiang-2022-illness-poverty"


def _ledger_line(capsys, folder: Path, text: str, expect: str) -> None:
    (folder / f"{LEDGER}.yaml").write_text(text, encoding="utf-8")
    start = time.monotonic()
    code, out, err = cli(capsys, "review", "show", f"{LEDGER}/p7")
    assert (code, out) == (2, "")
    assert re.search(expect, one_line(err)), err
    assert time.monotonic() - start < 20


def test_a_ledger_date_that_is_no_day_is_one_line(reviews, capsys):
    text = (reviews / f"{LEDGER}.yaml").read_text(encoding="utf-8")
    day = re.search(r"date: (\d{4}-\d{2}-\d{2})", text)[1]
    line = text[:text.index(f"date: {day}")].count("\n") + 1
    _ledger_line(capsys, reviews, text.replace(f"date: {day}", "date: 2026-02-30", 1),
                 rf"reviews/{LEDGER}\.yaml line {line}: '2026-02-30' is not a day of the calendar")


def test_a_deeply_nested_ledger_is_one_line(reviews, capsys):
    _ledger_line(capsys, reviews, "policy: x\nclauses: " + "[" * 10_000 + "]" * 10_000 + "\n",
                 r"line 2: nested more than 64 levels deep")
    _ledger_line(capsys, reviews, "policy: x\nclauses:\n" + "- " * 10_000 + "x\n", r"nested more than 64 levels")


def test_a_ledger_key_given_twice_is_one_line(reviews, capsys):
    text = (reviews / f"{LEDGER}.yaml").read_text(encoding="utf-8")
    _ledger_line(capsys, reviews, text.replace("policy: ", "policy: x\npolicy: ", 1),
                 r"the key 'policy' appears twice")


def test_a_ledger_alias_is_refused_so_it_cannot_multiply_itself(reviews, capsys):
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))
    _ledger_line(capsys, reviews, laughs, r"YAML aliases \(\*name\) are not accepted")


def test_a_ledger_over_the_size_limit_is_refused_unread(reviews, capsys):
    from medrules.review.ledger import MAX_LEDGER_BYTES
    text = (reviews / f"{LEDGER}.yaml").read_text(encoding="utf-8")
    _ledger_line(capsys, reviews, text + "#" * MAX_LEDGER_BYTES + "\n", r"larger than 8 MiB, too large to be a "
                                                                         r"review ledger; not read")


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u202a", "\u202e", "\u2066", "\u2069", "\x1b"])
def test_a_reviewer_name_with_a_line_separator_or_bidirectional_control_is_refused_or_shown_escaped(
        reviews, capsys, char):
    code, _, err = cli(capsys, "review", "request", f"{LEDGER}/p7", "--reviewer", f"Li{char}Wei")
    escaped = f"\\u{ord(char):04x}" if ord(char) > 0xff else f"\\x{ord(char):02x}"
    assert code == 2 and "--reviewer: control characters" in one_line(err) and f"Li{escaped}Wei" in err
    # A name already in the ledger (edited by hand) is shown escaped: it cannot reorder or split the table's row.
    text = (reviews / f"{LEDGER}.yaml").read_text(encoding="utf-8")
    entry = text.index(f"clause: {LEDGER}/p7\n")
    edited = text[:entry] + text[entry:].replace("reviewer: null", f'reviewer: "Li{escaped}Wei"', 1)
    (reviews / f"{LEDGER}.yaml").write_text(edited, encoding="utf-8")
    code, out, _ = cli(capsys, "review", "status", "--clauses", "--policy", LEDGER)
    rows = [line for line in out.splitlines() if f"{LEDGER}/p7 " in line]
    assert code == 0 and len(rows) == 1 and f"Li{escaped}Wei" in rows[0] and char not in out


# --- 5. the workshop -----------------------------------------------------------------------------------------------

def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not (Path(sys.executable).parent / "jupyter").exists(), reason="needs JupyterLab beside Python")
def test_the_workshop_keeps_its_token_off_every_command_line_and_has_no_terminals(tmp_path):
    import urllib.error
    import urllib.request
    token = "issue27-" + os.urandom(12).hex()
    port = _free_port()
    env = {**os.environ, "WORKSHOP_PORT": str(port), "WORKSHOP_TOKEN": token, "MEDRULES_EXPORT_DIR": str(tmp_path)}
    if not (REPO / ".venv").exists():   # a worktree without its own venv: the shared one's jupyter on PATH
        env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    proc = subprocess.Popen(["bash", str(REPO / "scripts" / "workshop.sh")], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, text=True)
    try:
        deadline = time.monotonic() + 240
        for line in proc.stdout:
            if line.startswith("WORKSHOP_READY") or time.monotonic() > deadline:
                break
        assert proc.poll() is None, proc.stderr.read()
        leaked = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if token.encode() in cmdline:
                leaked.append(cmdline.replace(b"\0", b" ")[:200])
        assert leaked == []   # what `ps` shows any local user
        base = f"http://127.0.0.1:{port}"
        request = urllib.request.Request(f"{base}/api/terminals", data=b"", method="POST",
                                         headers={"Authorization": f"token {token}"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(request, timeout=10)
        assert e.value.code == 404   # terminals are off
        with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=10) as ok:
            assert ok.status == 200
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"{base}/api/status?token=" + "x" * 16, timeout=10)
        assert e.value.code == 403
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- 7. signals: installed before any work, kept until the process exits --------------------------------------------

def _exit_of(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=ENV, capture_output=True, timeout=60)


def test_a_signal_after_the_command_returned_changes_neither_the_status_nor_the_output():
    # Two of 82 runs died by the signal itself at the very end, one with no message.
    p = _exit_of("import os, signal, sys, time\n"
                 "from medrules.cli import stops\n"
                 "stops.install()\n"
                 "code = stops.run(lambda: print('done') or 0)\n"
                 "os.kill(os.getpid(), signal.SIGTERM); os.kill(os.getpid(), signal.SIGINT); time.sleep(0.2)\n"
                 "sys.exit(code)\n")
    assert (p.returncode, p.stdout, p.stderr) == (0, b"done\n", b"")


def test_a_second_signal_during_the_clean_up_changes_nothing():
    p = _exit_of("import os, signal, sys, time\n"
                 "from medrules.cli import stops\n"
                 "stops.install()\n"
                 "def main():\n"
                 "    try:\n"
                 "        os.kill(os.getpid(), signal.SIGINT); time.sleep(5)\n"
                 "    finally:\n"
                 "        os.kill(os.getpid(), signal.SIGTERM); time.sleep(0.1); print('cleaned', file=sys.stderr)\n"
                 "sys.exit(stops.run(main))\n")
    assert (p.returncode, p.stdout, p.stderr.decode()) == (130, b"", "cleaned\n已中断 | interrupted\n")
