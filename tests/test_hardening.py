"""Issue 16, outside batch and the engine: hard inputs and hard stops.

Each case here failed before the fix: a policy id that reached the file system, a lax coercion accepted without a
word, a message split over two lines, a traceback on Ctrl-C, SIGTERM, a closed pipe or a full disk, a workshop
server without a token as root, and dependencies installed without hashes. Expected amounts are worked by hand in
the comments beside them."""
from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from _errors import chinese_half, english_half
from _wenzhou import REPO

import medrules.core.policy as policy_module
from medrules.core.money import MAX_RATIO_DECIMALS, exact_ratio, fmt_yuan, to_yuan
from medrules.core.policy import PolicyError, load_policy, policy_ids
from medrules.core.scenario import MAX_SCENARIO_BYTES, InputError, load_scenario_json, parse_scenario

GOOD = {
    "policy": "wenzhou-2021-78",
    "person": {"category": "dibao", "insurance": "resident"},
    "claims": [
        {"date": "2023-03-10", "setting": "inpatient", "facility": "tertiary", "policy_range_cost": 200000,
         "basic_insurance_paid": 110000, "referred": True, "followed_treatment_guidance": True,
         "in_city_designated_hospital": True},
    ],
    "inputs": {"critical_illness_base_deductible": 30000},
}


def scenario_with(path, value) -> dict:
    data = copy.deepcopy(GOOD)
    *head, last = path
    target = data
    for key in head:
        target = target[key]
    target[last] = value
    return data


def run_cli(*args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, timeout=60):
    return subprocess.run([sys.executable, "-m", "medrules", *args], cwd=REPO, stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, timeout=timeout, env={**os.environ, "PYTHONPATH": str(REPO)})


def one_error_line(p) -> str:
    """The single stderr line of a refused run; fails on a traceback, a second line or anything on stdout."""
    err = p.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    if p.stdout is not None:
        assert p.stdout == b"", p.stdout[:200]
    return lines[0]


def write_json(tmp_path, data, name="scenario.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# --- 1. policy ids are checked against the list before any file is opened ---------------------------------------

BAD_IDS = ["./wenzhou-2021-78", "wenzhou-2021-78/.", "../policies/wenzhou-2021-78", "wenzhou-2021-78/",
           "wenzhou-2021-78/../wenzhou-2021-78", "/work/main/policies/wenzhou-2021-78", "x" * 256, "w" * 5000, "",
           "wenzhou-2021-78\n"]


@pytest.mark.parametrize("policy_id", BAD_IDS, ids=lambda s: repr(s)[:40])
def test_a_policy_id_not_in_the_list_is_refused_without_opening_any_file(policy_id, monkeypatch):
    opened = []
    monkeypatch.setattr(policy_module, "read_yaml", lambda path: opened.append(path))
    load_policy.cache_clear()
    with pytest.raises(PolicyError) as e:
        load_policy(policy_id)
    load_policy.cache_clear()
    assert opened == []
    message = str(e.value)
    assert message.startswith("unknown policy ") and message.endswith("; allowed: " + ", ".join(policy_ids()))
    assert "\n" not in message and len(message) < 500, message


def test_a_known_policy_reads_only_files_inside_its_own_folder(monkeypatch):
    opened = []
    real = policy_module.read_yaml
    monkeypatch.setattr(policy_module, "read_yaml", lambda path: opened.append(Path(path)) or real(path))
    load_policy.cache_clear()
    try:
        load_policy("wenzhou-2021-78")
    finally:
        load_policy.cache_clear()
    folder = policy_module.POLICIES_DIR / "wenzhou-2021-78"
    assert opened and all(p.resolve().parent == folder for p in opened), opened


@pytest.mark.parametrize("policy_id", ["./wenzhou-2021-78", "wenzhou-2021-78/.", "../policies/wenzhou-2021-78",
                                       "wenzhou-2021-78/", "p" * 300])
def test_the_cli_refuses_a_bad_policy_id_with_one_line_naming_the_allowed_ones(tmp_path, policy_id):
    p = run_cli("evaluate", str(write_json(tmp_path, scenario_with(["policy"], policy_id))))
    line = one_error_line(p)
    assert p.returncode == 2
    assert english_half(line).startswith("error: policy: unknown policy "), line
    assert chinese_half(line).startswith("输入有误：policy：没有编号为 "), line
    assert "allowed: " + ", ".join(policy_ids()) in line
    assert len(english_half(line)) < 600  # a 300-character id is shown cut, with its length


# --- 2. the command line: one line per message, signals, closed pipes, full disks, no "-0.00" ---------------------

def test_an_unknown_key_with_a_newline_stays_on_one_escaped_line(tmp_path):
    data = copy.deepcopy(GOOD)
    data["claims"][0]["doctor\nerror: everything is fine\x1b[2J"] = 1
    p = run_cli("evaluate", str(write_json(tmp_path, data)))
    line = one_error_line(p)
    assert p.returncode == 2
    assert "claims[0].doctor\\nerror: everything is fine\\x1b[2J" in line, line


def test_a_usage_error_is_one_line_too():
    p = run_cli("evaluate")
    assert p.returncode == 2
    assert "scenario" in one_error_line(p)


def _wait_until_reading_stdin(pid: int, timeout: float = 60) -> None:
    """Wait until the process sits in read(0, …) (x86-64 syscall 0 on fd 0): past start-up, waiting for input."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/syscall").read_text().startswith("0 0x0 "):
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("the command never waited on standard input")


@pytest.mark.skipif(not Path("/proc/self/syscall").exists(), reason="needs Linux /proc/PID/syscall")
@pytest.mark.parametrize("signum, status, line", [(signal.SIGINT, 130, "已中断 | interrupted"),
                                                  (signal.SIGTERM, 143, "已终止 | terminated")])
def test_a_signal_while_waiting_ends_with_one_line_and_the_shell_status(signum, status, line):
    proc = subprocess.Popen([sys.executable, "-m", "medrules", "evaluate", "-"], cwd=REPO, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        _wait_until_reading_stdin(proc.pid)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert (proc.returncode, err.decode(), out) == (status, line + "\n", b"")


def test_a_closed_stdout_pipe_is_one_line_and_no_traceback(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written, like `| head -c1` after its byte
    try:
        p = run_cli("evaluate", str(write_json(tmp_path, GOOD)), stdout=write_end)
    finally:
        os.close(write_end)
    line = one_error_line(p)
    assert p.returncode == 1
    assert "standard output" in english_half(line) and "closed" in line, line
    assert chinese_half(line) == "无法将结果写到标准输出：读取方已关闭管道", line


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_one_line_and_no_traceback(tmp_path):
    with open("/dev/full", "wb") as full:
        p = run_cli("evaluate", str(write_json(tmp_path, GOOD)), stdout=full)
    line = one_error_line(p)
    assert p.returncode == 1
    assert "No space left on device" in english_half(line), line
    assert chinese_half(line) == "无法将结果写到标准输出：磁盘已满", line


def test_minus_zero_amounts_are_written_as_zero(tmp_path):
    data = copy.deepcopy(GOOD)
    data["claims"][0].update(policy_range_cost="-0", basic_insurance_paid="-0.00")
    p = run_cli("evaluate", str(write_json(tmp_path, data)))
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["claims"][0]["policy_range_cost"] == "0.00"
    assert out["totals"]["basic_insurance"] == "0.00"
    assert not re.search(r'"-0[.0-9]*"', p.stdout.decode())
    assert fmt_yuan(Decimal("-0")) == "0.00"
    assert str(to_yuan("-0.004")) == "0.00"  # rounds to zero fen, which has no sign


# --- 3. strict types at the scenario file ----------------------------------------------------------------------

# (path in GOOD, value given, words the one-line refusal must hold)
STRICT = [
    (["claims", 0, "referred"], 1, ["claims[0].referred", "true or false", "got 1"]),
    (["claims", 0, "referred"], Decimal("1.0"), ["claims[0].referred", "true or false", "got 1.0"]),
    (["claims", 0, "followed_treatment_guidance"], "yes", ["claims[0].followed_treatment_guidance", "'yes'"]),
    (["claims", 0, "in_city_designated_hospital"], "no", ["claims[0].in_city_designated_hospital", "'no'"]),
    (["claims", 0, "date"], 1678406400, ["claims[0].date", "YYYY-MM-DD", "1678406400"]),
    (["claims", 0, "date"], "2023-03-10T00:00:00+08:00", ["claims[0].date", "YYYY-MM-DD"]),
    (["claims", 0, "date"], "20230310", ["claims[0].date", "YYYY-MM-DD", "'20230310'"]),
    (["claims", 0, "date"], "２０２３-03-10", ["claims[0].date", "YYYY-MM-DD"]),
    (["claims", 0, "policy_range_cost"], "1_000", ["claims[0].policy_range_cost", "ASCII digits", "'1_000'"]),
    (["claims", 0, "policy_range_cost"], "１０００", ["claims[0].policy_range_cost", "ASCII digits"]),
    (["claims", 0, "policy_range_cost"], "١٠٠٠", ["claims[0].policy_range_cost", "ASCII digits"]),
    (["claims", 0, "policy_range_cost"], "200000.000", ["claims[0].policy_range_cost", "two decimals"]),
    (["claims", 0, "policy_range_cost"], Decimal("200000.000"), ["claims[0].policy_range_cost", "two decimals"]),
    (["claims", 0, "policy_range_cost"], " 200000", ["claims[0].policy_range_cost", "ASCII digits"]),
    (["claims", 0, "policy_range_cost"], "1e5", ["claims[0].policy_range_cost", "ASCII digits"]),
    (["inputs", "critical_illness_base_deductible"], "３００００", ["inputs.critical_illness_base_deductible",
                                                              "ASCII digits"]),
]


@pytest.mark.parametrize("path, value, words", STRICT, ids=lambda v: str(v)[:30])
def test_lax_values_are_refused_with_the_field_and_what_is_allowed(path, value, words):
    with pytest.raises(InputError) as e:
        from medrules import evaluate
        evaluate(parse_scenario(scenario_with(path, value)))
    for word in words:
        assert word in str(e.value), (word, str(e.value))


def test_strict_values_written_as_the_rules_say_are_accepted():
    import datetime as dt
    claim = parse_scenario(scenario_with(["claims", 0, "date"], dt.date(2023, 3, 10))).claims[0]
    assert claim.date == dt.date(2023, 3, 10) and claim.referred is True
    cost = parse_scenario(scenario_with(["claims", 0, "policy_range_cost"], "200000.5")).claims[0].policy_range_cost
    assert str(cost) == "200000.50"


def test_a_key_given_twice_is_refused_naming_the_key():
    text = json.dumps(GOOD).replace('"setting": "inpatient"', '"setting": "inpatient", "setting": "outpatient"')
    with pytest.raises(InputError) as e:
        load_scenario_json(text)
    assert "'setting' appears twice" in str(e.value)


def test_a_5000_digit_integer_is_refused_by_its_length(tmp_path):
    path = tmp_path / "long.json"
    path.write_text(json.dumps(GOOD).replace('"policy_range_cost": 200000', '"policy_range_cost": ' + "9" * 5000))
    line = one_error_line(p := run_cli("evaluate", str(path)))
    assert p.returncode == 2
    assert "5000 characters long" in line and len(line) < 300, line


def test_json_nested_100000_levels_is_one_line(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"policy": "wenzhou-2021-78", "inputs": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001)
    p = run_cli("evaluate", str(path))
    assert p.returncode == 2
    assert "nested too deeply" in one_error_line(p)


def test_nesting_within_the_parser_limit_inside_a_ratio_input_is_one_line(tmp_path):
    data = copy.deepcopy(GOOD)
    data["inputs"]["critical_illness_ratio"] = json.loads("[" * 900 + "]" * 900)
    p = run_cli("evaluate", str(write_json(tmp_path, data)))
    assert p.returncode == 2
    assert "inputs.critical_illness_ratio" in one_error_line(p)


def test_an_endless_file_is_refused_at_the_size_cap():
    p = run_cli("evaluate", "/dev/zero", timeout=60)
    line = one_error_line(p)
    assert p.returncode == 2
    assert f"larger than {MAX_SCENARIO_BYTES // 2**20} MiB" in line, line


def test_an_endless_standard_input_is_refused_at_the_size_cap():
    with open("/dev/zero", "rb") as zero:
        p = run_cli("evaluate", "-", stdin=zero)
    assert p.returncode == 2
    assert "MiB" in one_error_line(p)


# Ratios: exact up to MAX_RATIO_DECIMALS decimals, refused beyond, with the number of decimals allowed.
@pytest.mark.parametrize("ratio", ["0.8500000000000000000001", "0.85000000000000000000000000000000000000001",
                                   "0.8500001"])
def test_a_ratio_with_more_decimals_than_allowed_is_refused_saying_how_many(ratio):
    with pytest.raises(InputError) as e:
        parse_scenario(scenario_with(["inputs", "critical_illness_ratio"], ratio))
    assert e.value.field == "inputs.critical_illness_ratio"
    assert f"at most {MAX_RATIO_DECIMALS} decimals" in str(e.value)


def test_a_ratio_with_six_decimals_is_used_exactly():
    from medrules import evaluate
    result = evaluate(parse_scenario(scenario_with(["inputs", "critical_illness_ratio"], "0.850001"))).to_dict()
    # dibao, 200,000 cost, 110,000 basic insurance: burden 90,000; deductible 30,000 halved for dibao = 15,000;
    # critical illness = (90,000 − 15,000) × 0.850001 = 63,750.075 → 63,750.08 (half up to the fen).
    assert result["claims"][0]["critical_illness_insurance"] == "63750.08"
    # assistance = (200,000 − 110,000 − 63,750.08) × 80% = 26,249.92 × 0.8 = 20,999.936 → 20,999.94.
    assert result["claims"][0]["medical_assistance"] == "20999.94"


@pytest.mark.parametrize("value, shown", [("0.825", "0.825"), (1, "1"), ("-0", "0"), (Decimal("0.123456"),
                                                                                      "0.123456")])
def test_exact_ratio_keeps_the_value_as_given(value, shown):
    assert str(exact_ratio(value)) == shown


@pytest.mark.parametrize("value", ["０.８", "1.5", "-0.1", "0.8 ", True, 0.8, "NaN", "1e-1"])
def test_exact_ratio_refuses_anything_else(value):
    with pytest.raises(ValueError, match="ratio between 0 and 1"):
        exact_ratio(value)


def test_parsing_100000_claims_takes_well_under_the_five_seconds_for_the_whole_evaluation():
    """The parse share of issue 16's 5-second budget: ~0.7 s on an idle core here. CPU time, not wall time, so other
    work on a shared machine does not fail it; anything quadratic in the number of claims still does."""
    claims = [{"date": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}", "setting": "inpatient",
               "policy_range_cost": f"{1000 + i}.{i % 100:02d}", "basic_insurance_paid": "500", "referred": True}
              for i in range(100_000)]
    data = {**GOOD, "claims": claims}
    start = time.process_time()
    scenario = parse_scenario(data)
    elapsed = time.process_time() - start
    assert len(scenario.claims) == 100_000
    assert elapsed < 3.0, f"{elapsed:.2f} s"


# --- review: a reviewer's name cannot break the status table ----------------------------------------------------

def test_a_reviewer_name_with_control_characters_is_refused(tmp_path, monkeypatch):
    from medrules.review import actions, ledger
    from medrules.review.clauses import ReviewError
    monkeypatch.setattr(ledger, "REVIEWS_DIR", tmp_path)
    with pytest.raises(ReviewError) as e:
        actions.record("wenzhou-2021-78/3.3.9", "approved", "Li\nwenzhou-2021-78/3.3.1 approved", __import__(
            "datetime").date(2026, 1, 1), resolve=True)
    assert "--reviewer" in str(e.value) and "\\n" in str(e.value)
    assert list(tmp_path.iterdir()) == []


# --- 4. the workshop server refuses a short token ---------------------------------------------------------------

def _workshop(env: dict, user: list | None = None):
    proc = subprocess.Popen([*(user or []), "bash", str(REPO / "scripts" / "workshop.sh")], cwd=REPO,
                            env={**os.environ, "WORKSHOP_PORT": "1", **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # it started a server: stop it and everything it started
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError("the workshop started instead of refusing") from None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("token", ["", "  ", "a", "1234", "token", "x" * 15, "abcd efgh ijkl mnop",
                                   "abcdefgh&ijklmnop", "abcdefghijklmnop\n"])
def test_a_workshop_token_under_16_characters_or_not_url_safe_is_refused_before_anything_starts(token):
    # WORKSHOP_TOKEN=a (or 1234, token) started a server running as root with terminals enabled (issue 27).
    status, out, err = _workshop({"WORKSHOP_TOKEN": token})
    assert (status, out, len(err.splitlines())) == (2, "", 1), err
    assert "WORKSHOP_TOKEN must have at least 16 characters" in err


def test_a_workshop_token_file_that_others_can_read_is_refused(tmp_path):
    secret = tmp_path / "token"
    secret.write_text("a-long-enough-token-1234\n")
    secret.chmod(0o644)
    status, out, err = _workshop({"WORKSHOP_TOKEN_FILE": str(secret)})
    assert (status, out, len(err.splitlines())) == (2, "", 1), err
    assert "chmod 600" in err


# --- 5. supply chain: every package pinned with its hash --------------------------------------------------------

def _requirements(path: Path) -> dict:
    pins = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\#]+)", line)
        if m:
            pins[re.sub(r"[-_.]+", "-", m[1]).lower()] = m[2]
    return pins


def test_every_python_package_in_the_lock_has_a_version_and_a_hash():
    text = (REPO / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1])  # one entry per package, with its lines
    packages = [e for e in entries if not e.startswith("#")]
    assert len(packages) > 100
    for entry in packages:
        assert re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*==\S+ \\\n", entry), entry[:80]
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), entry[:80]
    assert not re.search(r"^(-e|--index-url|--extra-index-url|--find-links|-f) ", text, re.M)


def test_every_pin_in_requirements_txt_is_in_the_lock_at_the_same_version():
    wanted, locked = _requirements(REPO / "requirements.txt"), _requirements(REPO / "requirements.lock")
    assert wanted
    assert {n: v for n, v in wanted.items() if locked.get(n) != v} == {}
    assert "setuptools" in locked  # the package is built with it (--no-build-isolation), so it is pinned too


def test_make_installs_python_packages_only_from_the_hashed_lock():
    makefile = (REPO / "Makefile").read_text()
    installs = re.findall(r"pip install[^\n]*", makefile)
    assert any("--require-hashes -r requirements.lock" in i for i in installs), installs
    assert all("--require-hashes" in i or "--no-deps" in i for i in installs), installs
    assert not re.search(r"-r requirements\.txt|--upgrade pip", makefile)


def test_every_debian_package_make_setup_installs_is_pinned_to_a_version():
    # make setup installed fonts-noto-cjk, fontconfig and chromium at whatever version the mirror had (issue 27).
    calls = [line for path in sorted((REPO / "scripts").glob("setup-*.sh"))
             for line in path.read_text().splitlines() if "apt-install.sh" in line and not line.lstrip().startswith("#")]
    assert len(calls) >= 2
    for call in calls:
        packages = call.split("#")[0].split('" ', 2)[-1].split()   # after the quoted reason
        assert packages and all(re.fullmatch(r"[a-z0-9.+-]+=[0-9][A-Za-z0-9.+:~-]*", p) for p in packages), call
    refused = subprocess.run(["bash", str(REPO / "scripts" / "apt-install.sh"), "why", "chromium"],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "give the version" in refused.stderr


def test_the_book_javascript_is_installed_with_npm_ci_from_a_lockfile_with_integrity_hashes():
    folder = REPO / "scripts" / "js"
    lock = json.loads((folder / "package-lock.json").read_text())
    manifest = json.loads((folder / "package.json").read_text())
    assert lock["lockfileVersion"] >= 2
    packages = {k: v for k, v in lock["packages"].items() if k}
    assert len(packages) > 3
    assert [k for k, v in packages.items() if not re.match(r"sha512-[A-Za-z0-9+/]+=*$", v.get("integrity", ""))] == []
    assert lock["packages"][""]["dependencies"] == manifest["dependencies"]
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in manifest["dependencies"].values())  # exact pins
    commands = [line for line in (REPO / "scripts" / "setup-js.sh").read_text().splitlines()
                if not line.lstrip().startswith("#")]
    assert any("npm ci " in line for line in commands)
    assert not any("npm install" in line or "npm i " in line for line in commands)


def test_a_reviewer_name_already_in_a_ledger_keeps_its_clause_on_one_row():
    from medrules.review.reports import format_status
    row = {"clause": "wenzhou-2021-78/3.3.9", "status": "encoded", "review": "approved",
           "reviewer": "Li\n  wenzhou-2021-78/3.3.1 approved\x1b[2K", "date": "2026-01-01", "current_fp": "ab" * 32,
           "tests": None}
    text = format_status([], True, [("wenzhou-2021-78", [row])])
    rows = [line for line in text.splitlines() if "wenzhou-2021-78/3.3" in line]
    assert len(rows) == 1 and "Li\\n  wenzhou-2021-78/3.3.1 approved\\x1b[2K" in rows[0], text
