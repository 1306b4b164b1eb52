"""The book re-runs what changed and never less (issue 26, point 4): a page's digest (medrules/publish/
notebook_inputs.py) covers the modules its cells import, directly or not, its policy's data and its own cells —
and nothing else. Computed on a scratch copy of the repository's tracked files, edited one way at a time:

- a comment in Wenzhou's rules re-runs the Wenzhou page and the pages that run every policy, not the other policy
  pages (a page whose text names Wenzhou counts as running it);
- a comment in a helper module of Guizhou's rules (declaring its POLICY_ID) re-runs Guizhou's page, not Wenzhou's;
- a comment in an engine module (core) re-runs every page;
- a new function in Shandong's rules changes which names the module defines: every page re-runs (listing the
  policies may change), though a comment there would not re-run Wenzhou's;
- a parameter of Shandong re-runs Shandong's page and the pages over all policies, not Wenzhou's;
- a cell of Guizhou's page re-runs that page only.
The re-execution itself (the cached run removed, the page executed again) is tests/test_book_cache.py.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from medrules.publish.notebook_inputs import digest, executed_pages, inputs_of

REPO = Path(__file__).resolve().parent.parent
WENZHOU, SHANDONG, GUIZHOU = ("notebooks/wenzhou-2021-78", "notebooks/shandong-2022-major-illness",
                              "notebooks/guizhou-2024-medical-security")
EVERY_POLICY = {"book/comparison", "book/population"}


@pytest.fixture
def copy(tmp_path):
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode("utf-8").split("\0")):
        src = REPO / rel
        if src.is_file() and not src.is_symlink():
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, tmp_path / rel)
    return tmp_path


def digests(root: Path) -> dict[str, str]:
    return {doc: digest(doc, path, root) for doc, path in executed_pages(root).items()}


def rerun_after(root: Path, edit) -> set[str]:
    before = digests(root)
    edit()
    after = digests(root)
    assert after.keys() == before.keys()
    return {doc for doc in after if after[doc] != before[doc]}


def append(path: Path, text: str):
    return lambda: path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def names_wenzhou(root: Path) -> set[str]:
    return {doc for doc, path in executed_pages(root).items() if "wenzhou-2021-78" in path.read_text(encoding="utf-8")}


def test_the_pages_are_the_books_executed_ones(copy):
    pages = set(executed_pages(copy))
    assert {WENZHOU, SHANDONG, GUIZHOU} | EVERY_POLICY <= pages and len(pages) >= 7


def test_a_comment_in_one_policys_rules_reruns_that_policys_page_and_not_the_others(copy):
    changed = rerun_after(copy, append(copy / "medrules/rules/wenzhou_2021_78.py", "\n# a comment\n"))
    assert WENZHOU in changed and EVERY_POLICY <= changed
    assert SHANDONG not in changed and GUIZHOU not in changed
    assert changed == {WENZHOU} | EVERY_POLICY | names_wenzhou(copy)   # and no other page


def test_a_change_in_core_reruns_every_page(copy):
    changed = rerun_after(copy, append(copy / "medrules/core/money.py", "\n# an engine change\n"))
    assert changed == set(executed_pages(copy))


def test_a_comment_in_a_helper_module_of_one_policys_rules_reruns_that_policys_page(copy):
    # guizhou_2024_questions.py declares Guizhou's POLICY_ID and Guizhou's rules import it.
    changed = rerun_after(copy, append(copy / "medrules/rules/guizhou_2024_questions.py", "\n# a comment\n"))
    assert GUIZHOU in changed and EVERY_POLICY <= changed
    assert WENZHOU not in changed and SHANDONG not in changed


def test_a_new_name_in_a_rules_module_reruns_every_page_a_comment_there_does_not(copy):
    rules = copy / "medrules/rules/shandong_2022_major_illness.py"
    assert WENZHOU not in rerun_after(copy, append(rules, "\n# a comment\n"))
    assert rerun_after(copy, append(rules, "\n\ndef a_new_layer(c):\n    return []\n")) == set(executed_pages(copy))


def test_a_parameter_reruns_its_policys_page_and_those_over_every_policy(copy):
    params = copy / "policies/shandong-2022-major-illness/parameters.yaml"
    changed = rerun_after(copy, append(params, "\n# a note\n"))
    assert SHANDONG in changed and EVERY_POLICY <= changed and WENZHOU not in changed and GUIZHOU not in changed


def test_a_cell_reruns_its_page_only(copy):
    notebook = executed_pages(copy)[GUIZHOU]
    text = notebook.read_text(encoding="utf-8")
    assert text.count('"import datetime as dt\\n"') == 1
    changed = rerun_after(copy, lambda: notebook.write_text(text.replace('"import datetime as dt\\n"',
                                                                         '"import datetime as dt  # edited\\n"'),
                                                            encoding="utf-8"))
    assert changed == {GUIZHOU}


def test_a_page_runs_the_modules_its_cells_import_through_medrules_lazy_names(copy):
    files, _ = inputs_of(WENZHOU, executed_pages(copy)[WENZHOU], copy)
    shown = {f.relative_to(copy).as_posix() for f in files}
    # `from medrules import evaluate` loads medrules.core.result on first use: no import statement names it.
    assert {"medrules/core/result.py", "medrules/core/engine.py", "medrules/rules/wenzhou_2021_78.py",
            "medrules/messages.yaml", "policies/wenzhou-2021-78/parameters.yaml"} <= shown
    assert "medrules/rules/shandong_2022_major_illness.py" not in shown
    assert not any(s.startswith("policies/shandong") for s in shown)


def test_a_cell_that_is_not_python_counts_as_running_every_module(copy):
    notebook = executed_pages(copy)[GUIZHOU]
    text = notebook.read_text(encoding="utf-8")
    notebook.write_text(text.replace('"import datetime as dt\\n"', '"import datetime as dt (\\n"'), encoding="utf-8")
    files, _ = inputs_of(GUIZHOU, notebook, copy)
    assert copy / "medrules/publish/widgets/calculator.py" in files
