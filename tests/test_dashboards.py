"""The workshop dashboards as trainers use them, without a browser (tests/test_workshop_browser.py drives the same
ones in Chromium): an answer is never lost to a typo, every control changes the answer or says it does not, Guizhou
opens with an answer, and the exports open in Excel. Every figure expected here is worked by hand in the comment
above it."""
from __future__ import annotations

from decimal import Decimal

import pytest

from medrules.publish.widgets import Calculator, Comparison


@pytest.mark.parametrize("typed, basic, assistance, out_of_pocket", [
    # Wenzhou 三(三)9, dibao: basic insurance follows the cost at the preset's 55% (110,000 of 200,000). The burden
    # after it is under the halved critical-illness deductible of 15,000, so critical illness pays 0 and
    # assistance 80% of the burden:
    ("2,000", "1100.00", "720.00", "180.00"),          # 2,000 − 1,100 = 900; 80% = 720; 180 left
    ("1.5万", "8250.00", "5,400.00", "1,350.00"),       # 15,000 − 8,250 = 6,750; 80% = 5,400; 1,350 left
    ("￥1,234.5", "678.98", "444.42", "111.10"),        # 55% of 1,234.50 = 678.975 → 678.98; 555.52 × 80% = 444.416
])
def test_a_smaller_bill_typed_as_staff_write_it_gives_an_answer(typed, basic, assistance, out_of_pocket):
    calc = Calculator("wenzhou-2021-78")
    calc.cost.value = typed
    assert calc.result is not None, calc.message.value
    assert calc.basic_paid.value == basic
    assert (calc.summary()["medical_assistance"], calc.summary()["out_of_pocket"]) == (assistance, out_of_pocket)
    # the row says it moved the basic-insurance amount with the cost, in staff's words
    note = calc.claims[0].note.value
    assert "“基本医保已付”已随费用调整为" in note and "仍为费用的 55%" in note


def test_a_slip_amount_typed_above_the_cost_is_said_next_to_the_field_and_the_last_answer_stays_greyed():
    calc = Calculator("wenzhou-2021-78")
    calc.cost.value = "2,000"
    answer = calc.headline.value
    assert "720.00" in answer
    calc.basic_paid.value = "110000"   # typed by staff: theirs now, it no longer follows the cost
    assert calc.result is None and calc.export_button.disabled
    sentence = "第1次就医的已付金额（“基本医保已付” 110,000.00 元）超过了政策范围内费用（2,000.00 元）：请改小已付金额，或改大费用。"
    problem = calc.claims[0].problem.value
    assert sentence in problem and "data-field='basic_insurance_paid'" in problem   # next to the boxes
    assert sentence in calc.message.value                                         # and above the results
    for code in ("claims[0]", "basic_insurance_paid,", "policy_range_cost", "Traceback"):
        assert code not in calc.message.value
    # the last answer is still there, greyed, and said to be the last one
    assert "medrules-stale-answer" in calc.headline.value and "720.00" in calc.headline.value
    assert "灰色为上次的结果" in calc.headline.value
    # fixed: a new answer, nothing greyed, no message left next to the field
    calc.basic_paid.value = "1000"     # 2,000 − 1,000 = 1,000; 80% = 800; 200 left
    assert calc.summary()["medical_assistance"] == "800.00" and calc.summary()["out_of_pocket"] == "200.00"
    assert "medrules-stale-answer" not in calc.headline.value and calc.claims[0].problem.value == ""
    # typed over, the amount stays when the cost changes again: 3,000 − 1,000 = 2,000; 80% = 1,600
    calc.cost.value = "3000"
    assert calc.basic_paid.value == "1000" and calc.summary()["medical_assistance"] == "1,600.00"


def test_an_unreadable_amount_keeps_the_last_answer_and_names_the_box():
    calc = Calculator("wenzhou-2021-78")
    calc.cost.value = "abc"
    assert calc.result is None
    assert "第1次就医的“政策范围内费用”有误：无法读取金额“abc”" in calc.claims[0].problem.value
    assert "24,000.00" in calc.headline.value and "medrules-stale-answer" in calc.headline.value


def test_guizhou_opens_with_an_answer_its_local_values_marked_as_examples():
    calc = Calculator("guizhou-2024-medical-security")
    summary = calc.summary()
    # 20万 stay, basic insurance 110,000 on the slip, critical illness 30% of the cost = 60,000 (示例); assistance
    # 70% (示例) × (200,000 − 110,000 − 60,000) = 21,000; 9,000 left, under the 13,000 threshold (示例): no
    # tilted assistance.
    assert (summary["critical_illness_insurance"], summary["medical_assistance"], summary["further_relief"],
            summary["out_of_pocket"]) == ("60,000.00", "21,000.00", "0.00", "9,000.00")
    assert "待定" not in str(summary) and "≤" not in calc.headline.value
    assert calc.claims[0].ci_paid.value == "60000.00"
    assert "示例" in calc.claims[0].note.value and "大病已付(结算单)为示例值" in calc.claims[0].note.value
    marked = [row.value for row in calc.policy_inputs.box.children if "medrules-assumed" in getattr(row, "value", "")]
    assert any("示例：" in m and "0.70" in m for m in marked) and any("13000" in m for m in marked)
    # the example moves with the cost: 10,000 → 3,000 (30%), basic 5,500 (55%); 70% × 1,500 = 1,050
    calc.cost.value = "1万"
    assert calc.claims[0].ci_paid.value == "3000.00" and calc.summary()["medical_assistance"] == "1,050.00"


def test_the_insurance_control_says_what_it_changes_under_each_policy():
    # Wenzhou's and Shandong's rules never read the insurance: the control says so.
    for policy in ("wenzhou-2021-78", "shandong-2022-major-illness"):
        calc = Calculator(policy)
        assert "切换险种不改变结果" in calc.insurance_note.value
        before = calc.summary()
        calc.insurance.value = "employee"
        assert calc.summary() == before
    # Guizhou's do. An outpatient visit at a township health centre, basic insurance left to the policy (p3):
    # residents 50% of 1,000 = 500, employees 60% (示例, the middle of 50%–70%) = 600.
    calc = Calculator("guizhou-2024-medical-security")
    calc.setting.value = "outpatient"
    calc.facility.value = "township"
    calc.cost.value = "1000"
    calc.basic_paid.value = ""
    assert calc.summary()["basic_insurance"] == "500.00"
    assert "改为职工医保：基本医保 500.00 → 600.00" in calc.insurance_note.value
    calc.insurance.value = "employee"
    assert calc.summary()["basic_insurance"] == "600.00"
    assert "改为居民医保：基本医保 600.00 → 500.00" in calc.insurance_note.value
    # An inpatient stay settled by its slip: the same either way, and the note says which rules it would change.
    calc = Calculator("guizhou-2024-medical-security")
    assert "改为职工医保，本例结果相同；险种只影响本政策的：" in calc.insurance_note.value
    comparison = Comparison()
    assert "贵州省" in comparison.insurance_note.value and "切换险种不改变其结果" in comparison.insurance_note.value


def test_a_claim_control_no_rule_of_the_policy_reads_is_not_shown():
    def shown(calc):
        return {getattr(c, "description", "") for c in calc.claims[0].box.children}
    # Wenzhou reads referral and guidance (三(三)11, 三(二)6), not the facility; Guizhou the facility (p3), not the
    # yes/no facts; Shandong neither.
    assert "机构 Facility" not in shown(Calculator("wenzhou-2021-78"))
    assert "经规范转诊 Referred" in shown(Calculator("wenzhou-2021-78"))
    assert "机构 Facility" in shown(Calculator("guizhou-2024-medical-security"))
    assert "经规范转诊 Referred" not in shown(Calculator("guizhou-2024-medical-security"))
    assert not {"机构 Facility", "经规范转诊 Referred"} & shown(Calculator("shandong-2022-major-illness"))
    assert {"机构 Facility", "经规范转诊 Referred"} <= shown(Comparison())


def test_the_claim_kinds_come_from_the_categories_table():
    from medrules.core.categories import SETTINGS
    calc = Calculator("wenzhou-2021-78")
    assert [code for _label, code in calc.setting.options] == list(SETTINGS)


def test_the_excel_export_has_chinese_heads_numbers_with_two_decimals_and_reasons_apart(tmp_path, monkeypatch):
    import openpyxl

    import medrules.publish.widgets as widgets
    monkeypatch.setattr(widgets.exports, "EXPORT_DIR", tmp_path)
    calc = Calculator("guizhou-2024-medical-security")
    calc.claims[0].ci_paid.value = ""      # no critical-illness amount: that layer and those after it undetermined
    sheet = openpyxl.load_workbook(calc.export()[".xlsx"]).active
    rows = list(sheet.iter_rows(values_only=True))
    heads = rows[0]
    assert heads[:8] == ("政策", "政策名称", "人员类别", "险种", "就医", "日期", "就医类型", "政策范围内费用")
    assert heads[8:14] == ("基本医保", "大病保险", "医疗救助", "商业补充保险", "倾斜救助", "个人自付")
    assert heads[14:] == ("待定原因", "说明", "政策状态")
    claim = dict(zip(heads, rows[1]))
    assert claim["政策范围内费用"] == 200000 and claim["基本医保"] == 110000 and claim["个人自付"] == 90000
    # undetermined: an empty cell, never 待定 inside an amount; the reason in its own column
    assert claim["大病保险"] is None and claim["医疗救助"] is None and claim["倾斜救助"] is None
    assert claim["待定原因"].startswith("大病保险：待定（需：结算单上的大病保险支付额）")
    amounts = [sheet.cell(row=2, column=heads.index(h) + 1) for h in ("政策范围内费用", "基本医保", "个人自付")]
    assert all(cell.number_format == "#,##0.00" and cell.data_type == "n" for cell in amounts)
    assert sheet.cell(row=2, column=heads.index("日期") + 1).number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2"


def test_excel_keeps_amounts_exact_to_the_fen(tmp_path, monkeypatch):
    import openpyxl

    import medrules.publish.widgets as widgets
    monkeypatch.setattr(widgets.exports, "EXPORT_DIR", tmp_path)
    calc = Calculator("wenzhou-2021-78")
    calc.cost.value = "￥1,234.5"          # assistance 444.42 (see above)
    sheet = openpyxl.load_workbook(calc.export()[".xlsx"]).active
    heads = [c.value for c in sheet[1]]
    assert Decimal(str(sheet.cell(row=2, column=heads.index("医疗救助") + 1).value)) == Decimal("444.42")
    assert Decimal(str(sheet.cell(row=2, column=heads.index("政策范围内费用") + 1).value)) == Decimal("1234.5")


def test_the_dashboards_status_banner_is_styled_as_the_books():
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    book = (root / "book" / "_static" / "medrules.css").read_text(encoding="utf-8")
    dashboard = (root / "workshop" / "jupyter" / "voila" / "templates" / "offline" / "medrules-dashboard.css"
                 ).read_text(encoding="utf-8")

    def rules(css: str) -> set[str]:
        """The top-level status rules (those for phones and print, inside @media, are the book's own)."""
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
        css = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css)
        return {" ".join(rule.split()) for rule in re.findall(r"[^{}]+\{[^{}]*\}", css)
                if rule.strip().startswith((".medrules-status", ".medrules-mark"))}
    assert len(rules(book)) >= 8 and rules(book) <= rules(dashboard)
    template = (root / "workshop" / "jupyter" / "voila" / "templates" / "offline" / "index.html.j2").read_text()
    assert '{% include "medrules-dashboard.css" %}' in template
