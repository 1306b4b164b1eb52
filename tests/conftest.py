"""Rule-call recorder: which test calls which @rule function, measured while the tests run.

`RuleCallRecorder` (medrules/review/exercised.py) installs a profile hook for the whole session that notes, for every call of
a rule function of any importable module in medrules/rules/, the test running at the time. The hook matches code
objects, so a rule is seen however it is reached (the engine's getattr, a name imported by a test, the DECISIONS
tuple); it needs no list of modules or clauses, so policies added later are covered as they appear.

At the end of a complete run of tests/ (every test file collected but those left out with --ignore, nothing
deselected, not stopped early) the measurement is written to _build/review/exercised.json, which
`python -m medrules review status`, `review show` and the book's review page read. tests/test_review.py's
coverage test runs last and fails for any encoded clause with a rule no test called (it skips on partial runs,
where "never called" would only mean "not selected").

Calls inside notebook kernels (nbval) run in another process and are not seen: an encoded clause needs a unit test.
"""
from __future__ import annotations

import fnmatch
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from medrules.review.exercised import RuleCallRecorder, save_exercised

# The property tests draw the same examples on every run and keep no example database: a red `make test` is
# reproduced by running it again, on any machine (a failing example is printed in full).
settings.register_profile("medrules", derandomize=True, database=None, print_blob=True)
settings.load_profile("medrules")

TESTS = Path(__file__).resolve().parent
COVERAGE_TEST = "test_every_encoded_clause_has_a_test_that_calls_its_rules"


class RuleCalls:
    def __init__(self):
        self.recorder = RuleCallRecorder()
        self.deselected = 0
        self.items: list = []

    def by_tests(self) -> dict:
        """Rule key -> the tests that called it (calls made while collecting are not examples)."""
        return {k: sorted(t for t in v if not t.startswith("(")) for k, v in self.recorder.calls.items()
                if any(not t.startswith("(") for t in v)}

    def complete(self, session) -> str | None:
        """Why this run cannot say a rule is never called, or None when it can."""
        if self.deselected:
            return f"{self.deselected} tests deselected (-k/-m/--deselect)"
        files = {Path(str(item.path)).resolve() for item in self.items}
        # Files left out on purpose with --ignore/--ignore-glob (make test runs the browser tests after the build)
        # are not "not selected": they are run on their own.
        ignored = {Path(p).resolve() for p in session.config.getoption("ignore") or []}
        globs = session.config.getoption("ignore_glob") or []
        missing = sorted(p.name for p in TESTS.glob("test_*.py") if p.resolve() not in files
                         and p.resolve() not in ignored and not any(fnmatch.fnmatch(str(p), g) for g in globs))
        if missing:
            return "not every test file was collected: " + ", ".join(missing)
        if session.shouldstop or session.shouldfail:
            return "the run stopped early"
        return None


_calls = RuleCalls()


def pytest_configure(config):
    _calls.recorder.start()


def pytest_deselected(items):
    _calls.deselected += len(items)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """The coverage test goes last, after every other test (and notebook) has run."""
    last = [i for i in items if i.name == COVERAGE_TEST]
    items[:] = [i for i in items if i.name != COVERAGE_TEST] + last
    _calls.items = list(items)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    recorder = _calls.recorder
    if recorder.codes and getattr(sys.getprofile(), "__self__", None) is not recorder:
        recorder.start()  # something replaced the hook: put it back
    recorder.current = item.nodeid
    yield
    recorder.current = "(between tests)"


def pytest_sessionfinish(session, exitstatus):
    _calls.recorder.stop()
    if _calls.complete(session) is None and _calls.items:
        save_exercised(_calls.by_tests())


@pytest.fixture
def rule_calls(request):
    """The session's recorder state, for the coverage test."""
    return _calls
