"""The book never shows a stale result (issue 15, point 1) and re-runs only what changed (issue 26, point 4): a
scratch copy of the repository is built with two small policy notebooks; a parameter the Wenzhou page shows is
changed in policies/, the book is rebuilt, and the page shows the new value (and the review page the diff of the
approval that went stale, point 3); a comment in an engine module re-executes both pages, a comment in Wenzhou's
rules only Wenzhou's.

jupyter-cache alone keys a notebook on its code cells, so without medrules/publish/notebook_inputs.py the second build says
"Using cached notebook" and the page keeps 100,000.00. The copy holds only the tracked files (git ls-files) and a
three-page table of contents, so the builds take seconds; the main checkout's .venv and .jsdeps are reused.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PARAMETERS = "policies/wenzhou-2021-78/parameters.yaml"
# 三(三)9: 救助限额为每人每年10万元 — the value the page shows, as written in parameters.yaml.
LIMIT_LINE = "value: 100000\n"

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Scratch page\n"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [
            "import datetime as dt\n",
            "from medrules import load_policy\n",
            "from medrules.core.money import fmt_yuan\n",
            "limit = load_policy('wenzhou-2021-78').param('medical_assistance.annual_limit', dt.date(2023, 6, 1))\n",
            "print('annual limit', fmt_yuan(limit.value))\n"]},
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}
# A second policy page: a change in Wenzhou's rules must not re-execute it (issue 26, point 4).
OTHER_NOTEBOOK = {**NOTEBOOK, "cells": [
    {"cell_type": "markdown", "metadata": {}, "source": ["# Another scratch page\n"]},
    {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [
        "from medrules import load_policy\n",
        "print('policy', load_policy('shandong-2022-major-illness').id)\n"]}]}
TOC = """\
format: jb-book
root: book/scratch
chapters:
  - file: notebooks/wenzhou-2021-78
  - file: notebooks/shandong-2022-major-illness
  - file: book/review
"""


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode("utf-8").split("\0")):
        src = REPO / rel
        if src.is_file() and not src.is_symlink():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, root / rel)
    jsdeps = REPO / ".jsdeps"
    if not jsdeps.exists():
        pytest.skip(".jsdeps is missing: run scripts/setup-js.sh (make setup)")
    (root / ".jsdeps").symlink_to(jsdeps.resolve())
    (root / "_toc.yml").write_text(TOC, encoding="utf-8")
    (root / "book" / "scratch.md").write_text("# Scratch\n", encoding="utf-8")
    (root / "notebooks" / "wenzhou-2021-78.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    (root / "notebooks" / "shandong-2022-major-illness.ipynb").write_text(json.dumps(OTHER_NOTEBOOK),
                                                                          encoding="utf-8")
    # 三(三)9 approved in the copy: the parameter change below makes it stale, and the review page shows the diff.
    done = subprocess.run([sys.executable, "-m", "medrules", "review", "approve", "wenzhou-2021-78/3.3.9",
                           "--reviewer", "Scratch", "--date", "2026-01-01", "--accept-open", "scratch copy"],
                          cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return root


def build(root: Path) -> str:
    venv_bin = Path(sys.executable).parent
    env = {**os.environ, "PYTHONPATH": str(root), "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    done = subprocess.run([str(venv_bin / "jupyter-book"), "build", "-W", "-n", "--keep-going", "."], cwd=root,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, "the scratch book does not build:\n" + done.stdout[-3000:] + done.stderr[-2000:]
    return (root / "_build" / "html" / "notebooks" / "wenzhou-2021-78.html").read_text(encoding="utf-8")


def test_a_changed_parameter_reexecutes_the_notebook_and_the_page_shows_the_new_value(scratch):
    assert "annual limit 100,000.00" in build(scratch)
    params = scratch / PARAMETERS
    text = params.read_text(encoding="utf-8")
    assert text.count(LIMIT_LINE) == 1
    params.write_text(text.replace(LIMIT_LINE, "value: 120000\n"), encoding="utf-8")
    page = build(scratch)
    assert "annual limit 120,000.00" in page and "100,000.00" not in page
    # The approval of 三(三)9 is stale, and the review page shows the value's diff against its snapshot.
    review_page = (scratch / "_build" / "html" / "book" / "review.html").read_text(encoding="utf-8")
    assert "What changed in" in review_page and "wenzhou-2021-78/3.3.9" in review_page
    assert "value: 100000" in review_page and "value: 120000" in review_page


def cached_executions(root: Path) -> dict[str, str]:
    """When each notebook's cached execution was made: a re-execution replaces its record with a newer one."""
    from jupyter_cache import get_cache
    cache = get_cache(str(root / "_build" / ".jupyter_cache"))
    return {Path(r.uri).stem: r.created.isoformat() for r in cache.list_cache_records()}


def test_an_unchanged_rebuild_uses_the_cache_and_a_changed_engine_module_reexecutes(scratch):
    build(scratch)  # whatever the previous test left, the cache is now current
    records = cached_executions(scratch)
    assert sorted(records) == ["shandong-2022-major-illness", "wenzhou-2021-78"]
    build(scratch)
    assert cached_executions(scratch) == records  # nothing changed: nothing re-executed
    money = scratch / "medrules" / "core" / "money.py"
    money.write_text(money.read_text(encoding="utf-8") + "\n# an engine change\n", encoding="utf-8")
    build(scratch)
    after = cached_executions(scratch)
    assert after.keys() == records.keys() and all(after[k] != records[k] for k in records)  # both executed again


def test_a_comment_in_one_policys_rules_reexecutes_that_page_only(scratch):
    build(scratch)
    records = cached_executions(scratch)
    rules = scratch / "medrules" / "rules" / "wenzhou_2021_78.py"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    build(scratch)
    after = cached_executions(scratch)
    assert after["wenzhou-2021-78"] != records["wenzhou-2021-78"]
    assert after["shandong-2022-major-illness"] == records["shandong-2022-major-illness"]
