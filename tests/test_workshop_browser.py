"""Workshop mode, tested for real: `scripts/workshop.sh` (what `make workshop` runs) starts JupyterLab + Voilà on
127.0.0.1; headless Chromium opens the Wenzhou dashboard, changes the category and the bill through the page, and
reads the displayed assistance and out-of-pocket amounts, which must be the engine's values for those inputs.
Every request the page makes must stay on 127.0.0.1 (the workshop runs offline)."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

import pytest

from medrules.categories import label
from medrules.engine import evaluate
from medrules.money import fmt_yuan
from medrules.scenario import parse_scenario

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TOKEN = "workshop-test-token"
TIMEOUT_MS = 90_000  # first render starts a kernel: generous on a shared 2-core machine

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    return tmp_path_factory.mktemp("workshop-exports")


@pytest.fixture(scope="module")
def server(exports):
    """The workshop server as trainers start it, on a free port; always stopped afterwards."""
    port = _free_port()
    env = {**os.environ, "WORKSHOP_PORT": str(port), "WORKSHOP_TOKEN": TOKEN, "MEDRULES_EXPORT_DIR": str(exports)}
    proc = subprocess.Popen([str(ROOT / "scripts" / "workshop.sh")], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines, ready = [], threading.Event()

    def read():
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("WORKSHOP_READY"):
                ready.set()
    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 90
        while not ready.is_set() and proc.poll() is None and time.monotonic() < deadline:
            ready.wait(0.5)
        assert ready.is_set(), "workshop server did not start:\n" + "".join(lines)
        yield f"http://127.0.0.1:{port}", lines
    finally:
        # The server runs in its own session: stop that process group (the script, JupyterLab and its kernels).
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup-browser.sh installs it (make runs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _engine(category: str, cost, basic) -> dict:
    """The engine's values for what the dashboard sends (its Wenzhou defaults besides category and bill)."""
    result = evaluate(parse_scenario({
        "policy": "wenzhou-2021-78", "person": {"category": category, "insurance": "resident"},
        "claims": [{"date": "2023-03-10", "setting": "inpatient", "facility": "tertiary", "policy_range_cost": cost,
                    "basic_insurance_paid": basic, "referred": True, "followed_treatment_guidance": True,
                    "in_city_designated_hospital": True}],
        "inputs": {"critical_illness_base_deductible": 30000}}))
    return {k: fmt_yuan(result.totals[k]) for k in ("medical_assistance", "out_of_pocket")}


def _shown(page, layer: str, policy: str = "wenzhou-2021-78") -> str:
    return page.locator(f".medrules-amount[data-policy='{policy}'][data-layer='{layer}']").first.inner_text()


def _wait_shown(page, expected: dict, policy: str = "wenzhou-2021-78", start: float | None = None) -> float:
    """Wait until the page shows the expected amounts; return the seconds since start (default: now)."""
    start = time.perf_counter() if start is None else start
    page.wait_for_function(
        """([policy, exp]) => Object.entries(exp).every(([layer, value]) => {
             const el = document.querySelector(`.medrules-amount[data-policy='${policy}'][data-layer='${layer}']`);
             return el !== null && el.textContent.trim() === value; })""",
        arg=[policy, expected], timeout=30_000)
    return time.perf_counter() - start


def _control(page, kind: str, label: str):
    """The <select>/<input> of the ipywidget whose description contains label."""
    return page.locator(f".widget-{kind}:has(label:has-text('{label}'))").first.locator(
        "select" if kind == "dropdown" else "input")


def _set_amount(page, label: str, value: int):
    box = _control(page, "text", label)
    box.fill(str(value))
    box.press("Enter")


def _watch_requests(page) -> list[str]:
    seen = []
    page.on("request", lambda r: seen.append(r.url))
    page.on("websocket", lambda ws: seen.append(ws.url))
    return seen


def _off_machine(urls: list[str]) -> list[str]:
    return [u for u in urls if urlparse(u).scheme not in ("data", "blob", "about")
            and urlparse(u).hostname != "127.0.0.1"]


def test_dashboard_recomputes_what_the_engine_says_when_category_and_bill_change(server, browser, exports):
    base, _log = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests = _watch_requests(page)
    page.goto(f"{base}/voila/render/workshop/wenzhou-2021-78.ipynb?token={TOKEN}", timeout=TIMEOUT_MS)
    page.wait_for_selector(".medrules-amount[data-layer='medical_assistance']", timeout=TIMEOUT_MS)

    # The default is the Wenzhou worked example, written out by hand from the text (三(三)9): dibao, 200,000
    # within the policy range, 110,000 paid by basic insurance, deductible 30,000 halved to 15,000; critical
    # illness 80% × (90,000 − 15,000) = 60,000; assistance 80% × 30,000 = 24,000; out of pocket 6,000.
    _wait_shown(page, {"medical_assistance": "24,000.00", "out_of_pocket": "6,000.00"})
    assert _engine("dibao", 200000, 110000) == {"medical_assistance": "24,000.00", "out_of_pocket": "6,000.00"}

    # A trainer changes the category, then the bill: each time the page shows the engine's values.
    # (Each timing runs from the action to the new figures on screen.)
    timings = []
    t = time.perf_counter()
    _control(page, "dropdown", "类别 Category").select_option(label=label("tekun"))
    timings.append(_wait_shown(page, _engine("tekun", 200000, 110000), start=t))
    t = time.perf_counter()
    _set_amount(page, "政策范围内费用", 300000)
    timings.append(_wait_shown(page, _engine("tekun", 300000, 110000), start=t))
    t = time.perf_counter()
    _set_amount(page, "基本医保已付", 100000)
    expected = _engine("tekun", 300000, 100000)
    timings.append(_wait_shown(page, expected, start=t))
    assert expected == {"medical_assistance": "41,600.00", "out_of_pocket": "10,400.00"}
    t = time.perf_counter()
    _control(page, "dropdown", "类别 Category").select_option(label=label("dibian"))
    timings.append(_wait_shown(page, _engine("dibian", 300000, 100000), start=t))
    print(f"\nbrowser round trip per change (s): {', '.join(f'{t:.3f}' for t in timings)}")

    # Bad input gives a message naming the field, not a traceback.
    _set_amount(page, "政策范围内费用", -5)
    page.wait_for_selector("text=输入有误 Input problem", timeout=30_000)
    assert "claims[0].policy_range_cost" in page.inner_text("body")
    assert "Traceback" not in page.inner_text("body")

    # A preset sets two admissions in one year: assistance stops at the 100,000 annual limit (三(三)9).
    _control(page, "dropdown", "情形 Preset").select_option(
        label="低保, 一年两次住院, 超过医疗救助年度限额 / dibao, two admissions in one year crossing the assistance limit")
    _wait_shown(page, {"medical_assistance": "100,000.00"})

    # Export: the result file is what the CLI prints for the exported scenario.
    page.get_by_role("button", name="导出 Export JSON + CSV").click()
    page.wait_for_selector(".medrules-export-path", timeout=30_000)
    shown_path = Path(page.locator(".medrules-export-path").first.inner_text())
    assert shown_path.parent == exports
    assert page.locator(".medrules-export a[download][href^='data:']").count() == 3
    scenario = sorted(exports.glob("*.scenario.json"))[-1]
    cli = subprocess.run([sys.executable, "-m", "medrules", "evaluate", str(scenario)], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    assert Path(str(scenario).replace(".scenario.json", ".result.json")).read_text(encoding="utf-8") == cli.stdout
    assert json.loads(cli.stdout)["totals"]["medical_assistance"] == "100000.00"

    assert _off_machine(requests) == [], "the dashboard reached beyond 127.0.0.1"
    page.close()


def test_comparison_shows_each_policy_or_its_refusal(server, browser):
    base, _log = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests = _watch_requests(page)
    page.goto(f"{base}/voila/render/workshop/compare.ipynb?token={TOKEN}", timeout=TIMEOUT_MS)
    page.wait_for_selector(".medrules-compare", timeout=TIMEOUT_MS)
    _wait_shown(page, {"medical_assistance": "24,000.00", "out_of_pocket": "6,000.00"})
    _control(page, "dropdown", "类别 Category").select_option(label=label("tekun"))
    _wait_shown(page, _engine("tekun", 200000, 110000))
    # Every other column shows either amounts or the policy's own message; none is blank.
    for column in page.locator(".medrules-compare th code").all_inner_texts():
        has_amount = page.locator(f".medrules-amount[data-policy='{column}']").count() == 6
        has_refusal = page.locator(f".medrules-refused[data-policy='{column}']").count() == 1
        assert has_amount or has_refusal, column
    assert _off_machine(requests) == []
    page.close()


def test_jupyterlab_serves_the_notebooks_offline(server, browser):
    base, _log = server
    page = browser.new_page()
    requests = _watch_requests(page)
    # The file browser (opening a notebook would start a kernel and risk an autosave of reviewed outputs).
    page.goto(f"{base}/lab/tree/notebooks?token={TOKEN}", timeout=TIMEOUT_MS)
    page.wait_for_selector(".jp-DirListing-item:has-text('wenzhou-2021-78.ipynb')", timeout=TIMEOUT_MS)
    assert _off_machine(requests) == [], "JupyterLab reached beyond 127.0.0.1"
    page.close()


# --- The same calculators without a browser (fast): presets, exports, messages, comparison ------------------------

def test_calculator_starts_on_the_wenzhou_worked_example():
    from medrules.widgets import Calculator
    summary = Calculator("wenzhou-2021-78").summary()
    assert (summary["medical_assistance"], summary["out_of_pocket"]) == ("24,000.00", "6,000.00")


def test_two_admissions_preset_stops_assistance_at_the_annual_limit():
    # 三(三)9, by hand: 1st admission 500,000 − basic 200,000 = 300,000; critical illness 80% × (300,000 − 15,000)
    # = 228,000; assistance 80% × 72,000 = 57,600. 2nd: 600,000 − 240,000 = 360,000, deductible already met:
    # 80% × 360,000 = 288,000; 80% × 72,000 = 57,600 is cut to what is left of 100,000: 42,400.
    from medrules.widgets import Calculator
    calc = Calculator("wenzhou-2021-78")
    calc.preset.value = next(i for i, p in enumerate(calc.presets) if "crossing the assistance limit" in p.en)
    assert [c["medical_assistance"] for c in calc.result.claims] == [Decimal("57600.00"), Decimal("42400.00")]
    assert calc.summary()["medical_assistance"] == "100,000.00"
    assert calc.summary()["out_of_pocket"] == "44,000.00"


def test_bad_input_is_a_message_naming_the_field_not_a_traceback():
    from medrules.widgets import Calculator
    calc = Calculator("wenzhou-2021-78")
    calc.cost.value = 200000.005
    assert "claims[0].policy_range_cost: must be exact to the fen" in calc.message.value
    assert "Claim 1" in calc.hint.value and calc.result is None
    calc.policy_inputs.widgets["medical_assistance_ratio"].value = "eighty"
    calc.cost.value = 200000
    assert "inputs.medical_assistance_ratio" in calc.message.value


def test_export_writes_what_the_cli_prints_and_a_csv(tmp_path, monkeypatch):
    import medrules.widgets as widgets
    from medrules.cli import main
    monkeypatch.setattr(widgets, "EXPORT_DIR", tmp_path)
    calc = widgets.Calculator("wenzhou-2021-78")
    paths = calc.export()
    assert all(p.parent == tmp_path and p.exists() for p in paths.values())
    assert str(paths[".csv"]) in calc.export_box.value and "href='data:text/csv" in calc.export_box.value
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["evaluate", str(paths[".scenario.json"])]) == 0
    assert paths[".result.json"].read_text(encoding="utf-8") == out.getvalue()
    rows = paths[".csv"].read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("policy,category,insurance,claim,date,setting,policy_range_cost,basic_insurance")
    # The export carries the policy's status: the plan ran to 2025-12-31 (施行: 有效期至2025年12月31日).
    status = "已失效（自2026-01-01起）" if dt.date.today() >= dt.date(2026, 1, 1) else "现行有效"
    assert rows[0].endswith(",error,policy_status")
    assert rows[-1] == ("wenzhou-2021-78,dibao,resident,total,,,200000.00,110000.00,60000.00,24000.00,0.00,0.00,"
                        "6000.00,," + status)


def test_comparison_shows_a_refusal_in_its_column():
    from medrules.widgets import Comparison
    comp = Comparison(["wenzhou-2021-78", "no-such-policy"])
    assert comp.summary()["wenzhou-2021-78"]["medical_assistance"] == "24,000.00"
    assert comp.summary()["no-such-policy"]["error"].startswith("policy: 'no-such-policy'")
    comp.claims[0].date.value = dt.date(2026, 2, 1)  # after Wenzhou's plan ends on 2025-12-31
    assert "outside wenzhou-2021-78's validity" in comp.summary()["wenzhou-2021-78"]["error"]
    assert "class='medrules-refused' data-policy='wenzhou-2021-78'" in comp.headline.value
