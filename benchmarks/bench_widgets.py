"""How fast the workshop calculators respond to a change. Prints figures; asserts nothing (not a timed test).

    .venv/bin/python benchmarks/bench_widgets.py            # kernel side: recompute + redraw of the widgets
    .venv/bin/python benchmarks/bench_widgets.py --browser  # also end to end: a change typed into the Voilà page
                                                            # until the new amount is on screen (headless Chromium)

Kernel side, one "change" is setting a control's value: the observer recomputes with the engine and replaces every
displayed output (headline, chart, tables), which is all the kernel does before the front end redraws.

Every figure is printed as min / median / p95 / max over its changes, with the load average when it was measured.
Every wait is bounded (the server's start, each page load, each change on screen: a change not drawn within
CHANGE_TIMEOUT_S fails the run, naming it), and the workshop server is stopped on every exit: an error, Ctrl-C,
SIGTERM or SIGHUP to this process (turned into an ordinary exit, so the cleanup runs), and even SIGKILL (the
server's shell is started with the parent-death signal set: the kernel sends it SIGTERM when this process dies,
and its trap stops the server).
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medrules.core.categories import CATEGORIES  # noqa: E402
from medrules.publish.widgets import Calculator, Comparison, encoded_policies  # noqa: E402


SERVER_START_TIMEOUT_S = 180   # the workshop server's WORKSHOP_READY line
CHANGE_TIMEOUT_S = 20          # one change until its amount is on screen


def _report(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    print(f"{name:<58} n={len(ms):<4} min {ms[0]:6.1f}  median {statistics.median(ms):6.1f}  p95 {p95:6.1f}  "
          f"max {ms[-1]:6.1f} ms   (load average {os.getloadavg()[0]:.2f})", flush=True)


def _exit_on_signals() -> None:
    """SIGTERM and SIGHUP end this process as an ordinary exit (SystemExit), so every `finally` runs."""
    def stop(signum, frame):
        raise SystemExit(128 + signum)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


def _die_with_parent() -> None:
    """In the child before exec: the kernel sends it SIGTERM when this process dies, however it dies (Linux)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _ready_line(server: subprocess.Popen, timeout: float) -> str:
    """The server's WORKSHOP_READY line, waiting at most `timeout` seconds; TimeoutError otherwise."""
    import selectors
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(server.stdout, selectors.EVENT_READ)
        buffered = b""
        while time.monotonic() < deadline:
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                continue
            chunk = os.read(server.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError(f"the workshop server ended before it was ready (exit {server.poll()})")
            buffered += chunk
            for line in buffered.decode("utf-8", "replace").splitlines():
                if line.startswith("WORKSHOP_READY"):
                    return line
    raise TimeoutError(f"the workshop server was not ready within {timeout:.0f} s")


def _stop(server: subprocess.Popen) -> None:
    """The server's whole process group: SIGTERM, then SIGKILL if it has not ended within 30 s."""
    for signum, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(server.pid, signum)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _time_changes(apply, values) -> list[float]:
    out = []
    for v in values:
        t = time.perf_counter()
        apply(v)
        out.append(time.perf_counter() - t)
    return out


def kernel_side(n: int) -> None:
    calc = Calculator("wenzhou-2021-78")
    categories = [c for c in CATEGORIES if c != "general"]  # general needs a slip amount: an error message instead
    costs = [150000 + 1000 * i for i in range(n)]
    _time_changes(lambda v: setattr(calc.cost, "value", v), costs[:5])  # warm up
    _report("Calculator wenzhou-2021-78: change the bill",
            _time_changes(lambda v: setattr(calc.cost, "value", v), costs))
    _report("Calculator wenzhou-2021-78: change the category",
            _time_changes(lambda v: setattr(calc.category, "value", v), [categories[i % len(categories)]
                                                                          for i in range(n)]))
    _report("Calculator wenzhou-2021-78: input error shown instead",
            _time_changes(lambda v: setattr(calc.cost, "value", v), [-1.0 - i for i in range(n)]))
    calc.cost.value = 200000
    presets = list(range(len(calc.presets)))
    _report("Calculator wenzhou-2021-78: apply a preset (1-2 claims)",
            _time_changes(lambda v: setattr(calc.preset, "value", v), [presets[i % len(presets)] for i in range(n)]))

    comp = Comparison()
    _report(f"Comparison ({len(comp.policies)} policies): change the bill",
            _time_changes(lambda v: setattr(comp.claims[0].cost, "value", v), costs))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser_side(n: int) -> None:
    from playwright.sync_api import sync_playwright

    from medrules.core.result import evaluate
    from medrules.core.money import fmt_yuan
    from medrules.core.scenario import parse_scenario

    def expected(cost: int, category: str = "dibao") -> str:
        r = evaluate(parse_scenario({
            "policy": "wenzhou-2021-78", "person": {"category": category, "insurance": "resident"},
            # The dashboard's defaults (its first preset): a supplementary-insurance slip of 0 among them. Without it
            # a large bill's further relief is undetermined and the amount expected is not the one drawn.
            "claims": [{"date": "2023-03-10", "setting": "inpatient", "facility": "tertiary", "policy_range_cost": cost,
                        "basic_insurance_paid": 110000, "supplementary_insurance_paid": 0, "referred": True,
                        "followed_treatment_guidance": True, "in_city_designated_hospital": True}],
            "inputs": {"critical_illness_base_deductible": 30000}}))
        return fmt_yuan(r.totals["out_of_pocket"])

    port, token = _free_port(), "bench"
    env = {**os.environ, "WORKSHOP_PORT": str(port), "WORKSHOP_TOKEN": token,
           "MEDRULES_EXPORT_DIR": "/tmp/medrules-bench-exports"}
    server = subprocess.Popen([str(ROOT / "scripts" / "workshop.sh")], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent)
    try:
        _ready_line(server, SERVER_START_TIMEOUT_S)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = browser.new_page()
            page.set_default_timeout(120_000)   # every locator and navigation bounded
            t = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/voila/render/workshop/wenzhou-2021-78.ipynb?token={token}",
                      timeout=120_000)
            page.wait_for_selector(".medrules-amount[data-layer='out_of_pocket']", timeout=120_000)
            print(f"{'Voilà dashboard: first render (kernel start + execute)':<58} {time.perf_counter() - t:8.2f} s")
            # Measured inside the page (performance.now), so Playwright's own overhead is not counted: set the
            # control's value, fire the DOM event the widget listens to, and poll each animation frame until the
            # new amount is on screen: kernel round trip + recompute + redraw.
            measure = """async ([selector, value, want, timeoutMs]) => {
                const box = document.querySelector(selector);
                const shown = () => document.querySelector(".medrules-amount[data-layer='out_of_pocket']");
                const t0 = performance.now();
                if (box.tagName === "SELECT") {   // an option is chosen by its label, as a person reads it
                    const label = o => o.textContent.replace(/\u00a0/g, " ").trim();   // ipywidgets shows spaces as nbsp
                    const option = Array.from(box.options).find(o => label(o) === value);
                    if (!option) throw new Error(`${value}: no such option among ` +
                                                 Array.from(box.options).map(label).join(" | "));
                    box.value = option.value;
                } else {
                    box.value = value;
                }
                box.dispatchEvent(new Event("change", {bubbles: true}));
                return await new Promise((resolve, reject) => {
                    const check = () => {
                        if (shown() && shown().textContent === want) return resolve(performance.now() - t0);
                        if (performance.now() - t0 > timeoutMs)
                            return reject(new Error(`${value}: ${want} not shown within ${timeoutMs} ms ` +
                                                    `(shown: ${shown() ? shown().textContent : "nothing"})`));
                        requestAnimationFrame(check);
                    };
                    check();
                });
            }"""
            limit = CHANGE_TIMEOUT_S * 1000
            page.locator(".widget-text:has(label:has-text('政策范围内费用')) input").first.evaluate(
                "e => e.setAttribute('data-bench', 'cost')")
            cost_box = "[data-bench=cost]"
            times = [page.evaluate(measure, [cost_box, str(c), expected(c), limit]) / 1000
                     for c in range(180000, 180000 + 997 * n, 997)]
            _report("Browser: change the bill until the new amount is drawn", times)
            page.locator(".widget-dropdown:has(label:has-text('类别 Category')) select").first.evaluate(
                "e => e.setAttribute('data-bench', 'category')")
            cat_box = "[data-bench=category]"
            # A bill of 1,000,000: tekun (no assistance limit) and dibao (100,000 a year) then differ on screen.
            page.evaluate(measure, [cost_box, "1000000", expected(1000000), limit])
            times = []
            for i in range(n):
                code = ("tekun", "dibao")[i % 2]
                zh, en = CATEGORIES[code]
                want = expected(1000000, code)
                times.append(page.evaluate(measure, [cat_box, f"{zh} / {en}", want, limit]) / 1000)
            _report("Browser: change the category until the new amount is drawn", times)
            browser.close()
    finally:
        _stop(server)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100, help="changes per measurement (default 100)")
    parser.add_argument("--browser", action="store_true", help="also measure end to end in headless Chromium")
    args = parser.parse_args()
    _exit_on_signals()
    print(f"encoded policies: {', '.join(encoded_policies())}; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f} at start")
    kernel_side(args.n)
    if args.browser:
        browser_side(min(args.n, 30))
    return 0


if __name__ == "__main__":
    sys.exit(main())
