"""Notebooks are reviewable in git: each .ipynb has a jupytext twin with the same cells (so the diff to read is the
.py), and stored outputs hold nothing that changes between runs of the same code (so a changed stored output means
a changed result, never a new memory address, timestamp, path or random order)."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
# The book's notebooks are paired with text twins; every notebook in the repository is scanned for unstable outputs
# (workshop/ dashboards are generated without outputs, so they pass trivially).
NOTEBOOKS = [p for p in sorted((REPO / "notebooks").glob("*.ipynb")) + sorted((REPO / "book").rglob("*.ipynb"))
             if ".ipynb_checkpoints" not in p.parts]
IDS = [str(p.relative_to(REPO)) for p in NOTEBOOKS]
SKIPPED_DIRS = {".venv", "_build", ".ipynb_checkpoints", ".git", "node_modules", ".jsdeps"}


def _all_notebooks() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]  # never descend into the venv or the build
        found += [Path(folder) / f for f in files if f.endswith(".ipynb")]
    return sorted(found)


ALL_NOTEBOOKS = _all_notebooks()
ALL_IDS = [str(p.relative_to(REPO)) for p in ALL_NOTEBOOKS]

# Widget views carry a model ID that is new on every run; nbval skips them, and so does this scan.
SKIPPED_MIME = {"application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json",
                "image/png", "image/jpeg"}


def unstable_patterns(today: dt.date) -> dict[str, re.Pattern]:
    """What must not be in a stored output, each with why."""
    return {
        "memory address (0x…)": re.compile(r"0x[0-9a-fA-F]{6,}"),
        "object repr with an address": re.compile(r"\bat 0x"),
        f"today's date ({today.isoformat()})": re.compile(re.escape(today.isoformat())),
        "timestamp (date and time)": re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?"),
        "absolute path of this machine": re.compile(r"(?<![\w.~])/(?:tmp|work|home|root|Users|private|var/folders)/"
                                                    + "|" + re.escape(str(REPO))),
        # A printed set's order follows string hashing, which changes between runs unless PYTHONHASHSEED is fixed.
        "set repr (order varies between runs)": re.compile(r"frozenset\(\{|\{'[^'{}:]*'(?:, '[^'{}:]*')+\}"),
        "timing (took/elapsed/Wall time)": re.compile(r"\b(?:Wall time|CPU times|elapsed|took)\s*[:=]?\s*\d",
                                                      re.IGNORECASE),
    }


def stored_texts(nb) -> list[tuple[str, str]]:
    """(where, text) for every stored output: streams, errors and every mime type but widgets and images.

    Cell metadata is not scanned: `jupyter execute` records execution timestamps there (nbclient's record_timing),
    which is diff noise but not an output."""
    texts = []
    for i, cell in enumerate(nb.cells):
        for j, out in enumerate(cell.get("outputs", [])):
            where = f"cell {i} output {j}"
            if out.get("output_type") == "stream":
                texts.append((f"{where} ({out.get('name')})", out.get("text", "")))
            elif out.get("output_type") == "error":
                texts.append((f"{where} (error)", "\n".join(out.get("traceback", []))))
            for mime, data in (out.get("data") or {}).items():
                if mime not in SKIPPED_MIME:
                    texts.append((f"{where} ({mime})", data if isinstance(data, str) else json.dumps(data)))
    return texts


def unstable(nb, today: dt.date) -> list[str]:
    found = []
    for where, text in stored_texts(nb):
        for what, pattern in unstable_patterns(today).items():
            m = pattern.search(text)
            if m:
                start = max(m.start() - 30, 0)
                found.append(f"{where}: {what}: …{text[start:m.end() + 30]!r}…")
    return found


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ALL_IDS)
def test_stored_outputs_hold_no_address_timestamp_path_or_timing(path):
    found = unstable(nbformat.read(path, as_version=4), dt.date.today())
    assert not found, f"{path.name}: stored outputs that would change between runs:\n" + "\n".join(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_notebook_has_a_jupytext_twin_with_the_same_cells(path):
    twin = path.with_suffix(".py")
    assert twin.exists(), f"{path.name} has no text twin: jupytext --set-formats ipynb,py:percent {path}"
    nb, text = nbformat.read(path, as_version=4), jupytext.read(twin)

    def cells(notebook):
        return [(c.cell_type, c.source.rstrip("\n"), list(c.metadata.get("tags", []))) for c in notebook.cells]

    a, b = cells(nb), cells(text)
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, (f"{path.name} cell {i} differs from {twin.name}: run `jupytext --sync {path.relative_to(REPO)}`"
                        f" (or --to ipynb --update from the .py you edited)\n ipynb: {x!r:.300}\n py:    {y!r:.300}")
    assert len(a) == len(b), f"{path.name} has {len(a)} cells, {twin.name} has {len(b)}: run jupytext --sync"


def test_jupytext_pairing_is_configured_for_the_repository():
    from jupytext.config import load_jupytext_configuration_file
    config = load_jupytext_configuration_file(str(REPO / "jupytext.toml"))
    assert "ipynb,py:percent" in (config.formats if isinstance(config.formats, list) else [config.formats])


# --- the checks themselves, on made-up notebooks -----------------------------------------------------------------

def _nb(*outputs, metadata=None):
    cell = nbformat.v4.new_code_cell("x", outputs=list(outputs), metadata=metadata or {})
    return nbformat.v4.new_notebook(cells=[cell])


@pytest.mark.parametrize("text", [
    "<medrules.core.engine.Result object at 0x7f3a2c1b9d90>",
    "id 0xdeadbeef12",
    "computed on 2031-05-06",
    "2024-01-01T10:00:00",
    "written to /tmp/tmpab12/out.json",
    "see /work/main/notebooks",
    "Wall time: 1.2 s",
    "{'dibao', 'tekun'}",
    "frozenset({1, 2})",
])
def test_the_scan_catches_unstable_outputs(text):
    nb = _nb(nbformat.v4.new_output("execute_result", data={"text/plain": text}, execution_count=1))
    assert unstable(nb, dt.date(2031, 5, 6))


def test_the_scan_accepts_stable_results():
    table = "2023-03-10  24,000.00 元  0x12  {'a': 1, 'b': 2}"
    fine = _nb(nbformat.v4.new_output("execute_result", data={"text/plain": table}, execution_count=1),
               nbformat.v4.new_output("stream", name="stdout", text="in force 2022-01-01 to 2025-12-31\n"))
    assert unstable(fine, dt.date(2031, 5, 6)) == []
