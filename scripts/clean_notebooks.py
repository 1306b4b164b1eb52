"""Keep stored notebooks reviewable: drop what changes on every run but is no result.

Merges stream chunks split by timing, removes per-cell execution timestamps, the saved widget state and widget model IDs (random on every run; the book
re-executes the notebooks, so nothing needs them). Outputs stay: they are the reviewed results.
Usage: python scripts/clean_notebooks.py [--check] NOTEBOOK...   (--check: exit 1 if any would change)"""
import sys

import nbformat

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def clean(nb) -> None:
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if "outputs" in cell:
            cell.outputs = _merge_streams(cell.outputs)
        for out in cell.get("outputs", []):
            if WIDGET_VIEW in out.get("data", {}):
                del out["data"][WIDGET_VIEW]


def _merge_streams(outputs: list) -> list:
    """One print can arrive as several stream chunks depending on timing; store it as one."""
    merged = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (out.get("output_type") == "stream" and prev is not None and prev.get("output_type") == "stream"
                and prev.get("name") == out.get("name")):
            prev["text"] = "".join(prev["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged


def main(argv: list[str]) -> int:
    check = "--check" in argv
    dirty = []
    for path in (a for a in argv if a != "--check"):
        before = open(path, encoding="utf-8").read()
        nb = nbformat.reads(before, as_version=4)
        clean(nb)
        after = nbformat.writes(nb) + "\n"
        if after != before:
            dirty.append(path)
            if not check:
                open(path, "w", encoding="utf-8").write(after)
    if check and dirty:
        print("not clean (run: python scripts/clean_notebooks.py NOTEBOOK): " + ", ".join(dirty), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
