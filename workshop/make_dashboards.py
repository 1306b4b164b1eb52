"""Write the workshop dashboards: one notebook per policy whose rules module exists, and the comparison.

Run by scripts/workshop.sh (make workshop) before the server starts, so a policy encoded since the last run gets
its dashboard. The notebooks hold no outputs: Voilà executes them when a page is opened. A file is rewritten only
when its content would change."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat

from medrules.policy import load_policy
from medrules.widgets import claim_policies

HERE = Path(__file__).resolve().parent


def _notebook(title: str, intro: str, code: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\n{intro}"), nbformat.v4.new_code_cell(code)]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    return nb


INTRO = ("选择一个情形, 或修改类别、费用和日期: 每次修改都由规则引擎重新计算。"
         "Pick a situation or change the category, the bill (type it, then Enter) or the date: the engine "
         "recomputes at once. "
         "Each layer's amount is shown beside the clause it comes from; **导出 Export** writes the scenario and "
         "the result (the CLI's JSON, and CSV) for a reviewer.")


def dashboards() -> dict[str, object]:
    out = {}
    for pid in claim_policies()[0]:
        try:
            meta = load_policy(pid).meta
            title = f"{meta['title']['zh']} · {meta.get('document_number') or pid}"
            en = meta["title"].get("en", "")
        except Exception:  # noqa: BLE001 - a policy being written: still give it a page that shows its message
            title, en = pid, ""
        out[f"{pid}.ipynb"] = _notebook(
            title, (f"*{en}*\n\n" if en else "") + INTRO,
            f"from medrules.widgets import Calculator\n\nCalculator({pid!r}).view()")
    out["compare.ipynb"] = _notebook(
        "政策对比 · Policies side by side",
        "同一个人、同样的就医, 在每个已编码的政策下各付多少。A policy that refuses the scenario shows why in its "
        "column (for example a date outside its validity, or an input it needs).",
        "from medrules.widgets import Comparison\n\nComparison().view()")
    return out


def main() -> int:
    for name, nb in dashboards().items():
        path = HERE / name
        text = nbformat.writes(nb) + "\n"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            tmp = path.with_suffix(".ipynb.tmp")  # replace atomically: a page being opened never reads half a file
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
            print(f"wrote {path.relative_to(HERE.parent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
