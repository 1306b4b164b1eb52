"""Write the workshop dashboards: one notebook per policy whose rules module exists, and the comparison.

Run by scripts/workshop.sh (make workshop) before the server starts, so a policy encoded since the last run gets
its dashboard. The notebooks hold no outputs: Voilà executes them when a page is opened. A file is rewritten only
when its content would change."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat

from medrules.core.policy import load_policy
from medrules.publish.widgets import claim_policies

HERE = Path(__file__).resolve().parent


def _notebook(title: str, intro: str, code: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\n{intro}"), nbformat.v4.new_code_cell(code)]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    return nb


INTRO = ("选择一个情形，或修改类别、费用和日期：边输入边重新计算，无需按回车。金额可写 200000、20万、2.5万元、1,000 或 "
         "￥1,234.5。文件未给出的数值按本书的示例填入（标为“示例”），可以修改；**导出** 可得 Excel、CSV 和命令行的 JSON。\n\n"
         "Pick a situation or change the category, the bill or the date: the engine recomputes as you type (no Enter). "
         "Values the text leaves open are the book's examples (marked 示例), editable; **Export** gives Excel, CSV "
         "and the CLI's JSON.")


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
            f"from medrules.publish.widgets import Calculator\n\nCalculator({pid!r}).view()")
    out["compare.ipynb"] = _notebook(
        "政策对比 · Policies side by side",
        "同一个人、同样的就医, 在每个已编码的政策下各付多少。文件未给出的数值按本书的演示假设填入（标为“含假设”, 可在左侧修改）; "
        "缺少某个数值时, 该格写明“待定（需……）”; 就医日期不在某政策施行期间时, 该列写明已失效或尚未施行。"
        "与 `python -m medrules compare` 的结果相同。\n\n"
        "The same person and claims under every claim policy. Values a text leaves open start at the book's "
        "illustrative assumptions (marked 含假设, editable on the left); a layer that needs a value nobody gave says "
        "so in its cell; a column whose policy is not in force on the claim dates says so.",
        "from medrules.publish.widgets import Comparison\n\nComparison().view()")
    out["zhejiang-2022-illness-poverty.ipynb"] = _notebook(
        "浙江省因病致贫返贫防范 · 2022年指标与目标",
        "*Zhejiang 2022: the indicators and their targets for a population*\n\n"
        "在表格中输入或修改一个人群（每行一人一年），或上传逐人表 / 批处理结果，检查资助参保率、综合保障率、个人负担率是否达到"
        "2025年或2022年底的目标。与 `python -m medrules indicators` 的结果相同。\n\n"
        "Type or edit a population (one row per person and year), or upload a per-person table or a batch result, "
        "and check it against the 2025 or end-2022 targets (the same as `python -m medrules indicators`).",
        "from medrules.publish.widgets import Targets\n\nTargets().view()")
    out["zhejiang-2019-chronic-outpatient.ipynb"] = _notebook(
        "浙江省慢性病门诊保障 · 地方方案对照2019年底线",
        "*Zhejiang 2019: a local chronic-outpatient scheme against the provincial floors*\n\n"
        "修改或上传一个地方方案，逐条对照省定底线（报销比例、药店购药、病种）。与 `python -m medrules check-scheme` 的结果相同。"
        "\n\nEdit or upload a local scheme and check it against each provincial floor (the same as "
        "`python -m medrules check-scheme`).",
        "from medrules.publish.widgets import SchemeCheck\n\nSchemeCheck().view()")
    out["reform.ipynb"] = _notebook(
        "改革测算 · A reform on a synthetic population",
        "改一个参数（例如温州医疗救助年度限额 10万 → 12万），看合成人群中各基金支出和个人自付的变化。数据为合成数据（固定种子）。"
        "与 `python -m medrules reform` 的计算相同。\n\nChange one parameter (e.g. Wenzhou's assistance limit "
        "10万 → 12万) and see each fund's cost and out-of-pocket change on a synthetic population (fixed seed), "
        "as `python -m medrules reform` computes it.",
        "from medrules.publish.widgets import ReformDemo\n\nReformDemo().view()")
    out["cases.ipynb"] = _notebook(
        "案例演练 · Case deck",
        "从政策的案例集（policies/<id>/cases.yaml）中选择案例, 或上传同样格式的 YAML 文件, 逐个演示: 手算的预期数字与"
        "引擎的计算结果并列。\n\nPick cases from a policy's casebook, or upload a YAML file of the same format, and "
        "step through them: the figures worked by hand beside the engine's.",
        "from medrules.publish.widgets import CaseDeck\n\nCaseDeck().view()")
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
