# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext
#     cell_metadata_filter: tags
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 温州 Wenzhou 2021 · 医保纾困·携手共富 (温政办〔2021〕78号)
#
# **温州市“医保纾困·携手共富”实施方案** — the Wenzhou plan for relieving the medical costs of people in hardship.
# Issued by the General Office of the Wenzhou Municipal People's Government (温州市人民政府办公室), written
# 2021-11-29, published 2021-12-22, **in force 2022-01-01 to 2025-12-31** (so expired since 2026-01-01).
# Source: the government's official full text (seed `001_b751bad2d304d220.txt`); the scrape had replaced
# “温州市” with spam, restored as explained in `policies/wenzhou-2021-78/policy.yaml`.
#
# How to read this page: each clause section quotes the original (原文), gives an English rendering, states the
# **interpretation** with every `Assumption:` flagged, then the rule that encodes it (folded; click to open) and
# worked examples computed by that rule. Every yuan in a result can be traced back to its clause in the trace.

# %% tags=["remove-cell"]
import datetime as dt

from medrules import evaluate, parse_scenario
from medrules.report import (cases, clause_table, inputs_table, parameter_table, result_table, show_clause,
                             show_rule, trace_table)
from medrules.rules.wenzhou_2021_78 import (coverage_start, critical_illness_insurance, enrolment_subsidy,
                                            high_cost_resolution, in_force, in_hardship, medical_assistance,
                                            pay_after_treatment, special_disease_catalogue_additions,
                                            supplementary_insurance, basic_insurance)
from medrules.scenario import InputError

P = "wenzhou-2021-78"
MA, RELIEF, OOP, CI = ("医疗救助 medical assistance", "倾斜救助/化解 further relief", "个人自付 out of pocket",
                       "大病保险 critical-illness insurance")

# %% [markdown]
# ## Parameters, inputs and clauses at a glance
#
# Every number the rules use, with what kind of statement the text makes (`floor` = 不低于/以上: the encoding
# pays at least this; `ceiling` = 以下/以内) and the clause it cites:

# %% tags=["hide-input"]
parameter_table(P)

# %% [markdown]
# What the text does **not** give is never made up: it is a named input the user supplies.

# %% tags=["hide-input"]
inputs_table(P)

# %% tags=["hide-input"]
clause_table(P)

# %% [markdown]
# ## 通知 Covering notice and 序言 Purpose

# %% tags=["hide-input"]
show_clause(P, "notice")

# %% tags=["hide-input"]
show_clause(P, "0")

# %% [markdown]
# ## 一 Objectives

# %% tags=["hide-input"]
show_clause(P, "1")

# %% [markdown]
# Nothing to compute: the objectives name the three layers (basic insurance, critical-illness insurance, medical
# assistance) that 三(三)9 encodes.
#
# ## 二 Who the plan covers (困难群众)

# %% tags=["hide-input"]
show_clause(P, "2")

# %% [markdown]
# **Interpretation.** A person is one of the 困难群众 when they hold the status 特困 (`tekun`), 低保 (`dibao`) or
# 低保边缘 (`dibian`) — or when a county-level government designates them. A person holds statuses, not one
# category: 因病致贫 (`yinbing_zhipin`) counts only together with 低保 or 低边, as the clause says
# (纳入低保、低边的因病致贫对象); the status alone, outside those families, does not make a person one of the
# 困难群众 under this plan.
#
# Assumption (reading 2:yinbing-zhipin): 因病致贫 counts only within 低保/低边 families; the other option
# (`on-its-own`) counts the status alone (`python -m medrules readings wenzhou-2021-78`).
#
# Assumption (one reading: the plan names only 其他特殊困难人员 designated by a county, so the county's designation is the fact asked for): 防止返贫监测对象 (`jiance`) and 突发严重困难人员 (`tufa_kunnan`) are not named by the plan; they count
# only when the input `county_designated_special_hardship` is true (其他特殊困难人员). It defaults to false.

# %% tags=["hide-input", "hide-output"]
show_rule(in_hardship)

# %% tags=["hide-input"]
import pandas as pd


def assisted(statuses, designated):
    """Whether the rule counts the person as in hardship: a 1,000 yuan outpatient claim gets assistance or not."""
    r = evaluate(parse_scenario({
        "policy": P, "person": {"statuses": statuses, "insurance": "resident"},
        "claims": [{"date": "2023-03-10", "setting": "outpatient", "policy_range_cost": 1000,
                    "basic_insurance_paid": 500, "critical_illness_paid": 0, "supplementary_insurance_paid": 0}],
        "inputs": {"county_designated_special_hardship": designated}}))
    return r.claims[0]["medical_assistance"] > 0


pd.DataFrame(
    [{"statuses 身份": "、".join(s) or "(none 无)", "designated by county": d, "困难群众 in hardship": assisted(s, d)}
     for s in (["tekun"], ["dibao"], ["dibian"], ["dibao", "yinbing_zhipin"], ["yinbing_zhipin"], ["jiance"],
               ["tufa_kunnan"], [])
     for d in (False, True) if d is False or s in (["jiance"], ["tufa_kunnan"], ["yinbing_zhipin"])]
).set_index("statuses 身份")

# %% [markdown]
# ## 三(一)1–3 Prevention and monitoring

# %% tags=["hide-input"]
show_clause(P, "3.1.1")

# %% tags=["hide-input"]
show_clause(P, "3.1.2")

# %% tags=["hide-input"]
show_clause(P, "3.1.3")

# %% [markdown]
# Health education, disease control and the early-warning mechanism are organisational: the text gives no
# threshold that would trigger a warning, so 三(一)3 is marked *not encodable* with that open question.
#
# ## 三(二)4–5 Orderly care and treatment guidance

# %% tags=["hide-input"]
show_clause(P, "3.2.4")

# %% tags=["hide-input"]
show_clause(P, "3.2.5")

# %% [markdown]
# 三(二)4 raises the primary-care ratio "appropriately" without a number: not encodable. 三(二)5 defines the
# treatment guidance (就医指导方案) that 三(三)11 requires; the engine takes "followed the guidance" as a yes/no
# field on each claim (`followed_treatment_guidance`).
#
# ## 三(二)6 Treatment first, payment after (先诊疗后付费)

# %% tags=["hide-input"]
show_clause(P, "3.2.6")

# %% [markdown]
# **Interpretation.** The inpatient deposit is waived when all four hold: the person is in hardship (二), the
# claim is an inpatient stay, the person was referred after a first visit at primary level, and the hospital is a
# designated hospital within the city area. At discharge the person pays only the out-of-pocket remainder after
# the layers, which is the engine's `out_of_pocket`.
#
# Assumption (one reading: each condition is a fact about the claim that the user states): each condition is a yes/no field on the claim (`referred`, `in_city_designated_hospital`), false
# unless stated.

# %% tags=["hide-input", "hide-output"]
show_rule(pay_after_treatment)

# %% tags=["hide-input"]
def deposit_case(category, setting, referred, in_city):
    claim = {"date": "2023-05-01", "setting": setting, "policy_range_cost": 10000, "basic_insurance_paid": 6000,
             "critical_illness_paid": 0, "referred": referred, "in_city_designated_hospital": in_city}
    r = evaluate(parse_scenario({"policy": P, "person": {"category": category, "insurance": "resident"},
                                 "claims": [claim]}))
    return {"category": category, "setting": setting, "referred": referred, "city hospital": in_city,
            "deposit waived 免押金": r.claims[0]["pay_after_treatment"], "due at discharge 出院自付": r.claims[0]["out_of_pocket"]}


deposit_cases = pd.DataFrame([
    deposit_case("dibao", "inpatient", True, True),
    deposit_case("dibao", "inpatient", False, True),
    deposit_case("dibao", "inpatient", True, False),
    deposit_case("dibao", "outpatient", True, True),
    deposit_case("general", "inpatient", True, True),
])
deposit_cases["due at discharge 出院自付"] = deposit_cases["due at discharge 出院自付"].map("{:,.2f}".format)
deposit_cases

# %% tags=["remove-cell"]
assert list(deposit_cases["deposit waived 免押金"]) == [True, False, False, False, False]

# %% [markdown]
# ## 三(二)7 Lower costs of drugs and services

# %% tags=["hide-input"]
show_clause(P, "3.2.7")

# %% [markdown]
# The maximum self-pay share is only to be "explored": no value, so not encodable.
#
# ## 三(三)8 Subsidised enrolment (资助参保)

# %% tags=["hide-input"]
show_clause(P, "3.3.8")

# %% [markdown]
# **Interpretation.** For a given year, the individual contribution to resident insurance is paid in full by
# government (share 100%, parameter `enrolment.individual_contribution_subsidy_share`) when the person was
# recognised in or before that year and had not left assistance before that year. A new recipient is enrolled in
# the month of recognition and covered from the first day of the next month. One who leaves stays covered for the
# rest of that year and is not subsidised from the next year. Dibao and dibian recipients in the gradual-exit
# period (渐退期) stay subsidised.
#
# Assumption (one reading: 次月 is the next calendar month and cover starts on its first day): "covered from the next month" means from the first day of the next calendar month.
#
# Assumption (one reading: the gradual-exit sentence names 低保 and 低保边缘 only): the gradual-exit sentence names only 低保 and 低保边缘, so a tekun person in a gradual exit follows
# the ordinary exit rule.

# %% tags=["hide-input", "hide-output"]
show_rule(coverage_start, enrolment_subsidy)

# %% tags=["hide-input"]
enrolment_cases = pd.DataFrame([
    {"case": name, "recognised": str(rec), "exited": str(ex or "—"), "gradual exit 渐退期": ge, "year": y,
     "covered from 次月生效": str(coverage_start(rec)), "subsidised 资助参保": enrolment_subsidy(y, cat, rec, ex, ge)}
    for name, cat, rec, ex, ge, y in [
        ("recognised mid-year", "dibao", dt.date(2023, 3, 15), None, False, 2023),
        ("recognised in December", "dibao", dt.date(2023, 12, 31), None, False, 2023),
        ("the year before recognition", "dibao", dt.date(2023, 3, 15), None, False, 2022),
        ("exit year: still covered", "dibao", dt.date(2022, 1, 10), dt.date(2024, 6, 30), False, 2024),
        ("year after exit", "dibao", dt.date(2022, 1, 10), dt.date(2024, 6, 30), False, 2025),
        ("dibian in gradual exit", "dibian", dt.date(2022, 1, 10), dt.date(2024, 6, 30), True, 2025),
        ("tekun marked gradual exit", "tekun", dt.date(2022, 1, 10), dt.date(2024, 6, 30), True, 2025),
    ]
]).set_index("case")
enrolment_cases

# %% tags=["remove-cell"]
assert list(enrolment_cases["subsidised 资助参保"]) == [True, True, False, True, False, True, False]
assert coverage_start(dt.date(2023, 12, 31)) == dt.date(2024, 1, 1)

# %% [markdown]
# ## 三(三)9 The three layers working together (三重制度互补衔接)

# %% tags=["hide-input"]
show_clause(P, "3.3.9")

# %% [markdown]
# ### Special-disease catalogue: the first batch
#
# **Interpretation.** Six conditions join the special-disease (特殊病) outpatient catalogue; their outpatient costs
# share the basic-insurance annual limit with inpatient care. The limit itself is in other documents, so basic
# insurance is taken from the settlement slip (`basic_insurance_paid`).

# %% tags=["hide-input"]
pd.DataFrame(special_disease_catalogue_additions(), columns=["中文", "English"], index=range(1, 7))

# %% [markdown]
# ### Critical-illness insurance tilt (大病保险倾斜)
#
# **Interpretation.** For people in hardship, the critical-illness deductible is cut by 50%, the ratio is **at
# least** 80% (a floor), and there is no cap. The base covers the year's policy-range burden left after basic
# insurance; the deductible is used up once a year across claims.
#
# Assumption (one reading: the text gives no number, so it is an input): the deductible before the cut is not in the text, so it is the required input
# `critical_illness_base_deductible`; a settlement-slip amount `critical_illness_paid` replaces the computation.
#
# Assumption (reading 3.3.9:ratio-floors): the floor is encoded as a floor: without a local ratio the engine pays exactly 80% (the least the
# text guarantees); a local `critical_illness_ratio` above 80% is used, one below it is refused.
#
# Assumption (reading 3.3.9:outpatient-burden): the computation covers every claim's burden after basic insurance, outpatient included; where local
# rules exclude general outpatient costs, give the slip amount.
#
# Assumption (one reading: the plan sets no critical-illness rule for others): for a person not in hardship the plan defines no critical-illness rule, so the slip amount is needed;
# without it that layer, and those after it, are undetermined (待定), naming the field.
#
# Assumption (one reading: the deductible is a yearly amount, 起付标准线 of the year): a year mixing claims settled
# with a slip amount and claims computed here is settled as one year — the year's burden after basic insurance
# counts every claim, the halved deductible is used once, and a computed claim gets what is due for the year so
# far less what the year's earlier claims were paid, by the slip or by this rule.

# %% tags=["hide-input", "hide-output"]
show_rule(critical_illness_insurance)

# %% [markdown]
# Worked examples, with a base deductible of 30,000 yuan (so 15,000 after the cut). "Burden" is the
# policy-range cost left after basic insurance.

# %% tags=["hide-input"]
dibao = {"category": "dibao", "insurance": "resident"}
def claim(date, cost, basic, setting="inpatient", **more):
    """A claim as the settlement record gives it; the record shows no supplementary-insurance payment (0)."""
    return {"date": date, "setting": setting, "policy_range_cost": cost, "basic_insurance_paid": basic,
            "supplementary_insurance_paid": 0, **more}

ci_examples = cases(P, {
    "burden 40,000": (dibao, [claim("2023-03-01", 100000, 60000)]),
    "burden exactly at the halved deductible (15,000)": (dibao, [claim("2023-03-01", 35000, 20000)]),
    "two claims of 10,000 burden in 2023": (dibao, [claim("2023-03-01", 25000, 15000),
                                                    claim("2023-09-01", 25000, 15000)]),
    "one more 10,000 burden in 2024 (deductible resets)": (dibao, [claim("2023-03-01", 25000, 15000),
                                                                   claim("2023-09-01", 25000, 15000),
                                                                   claim("2024-02-01", 25000, 15000)]),
    "burden 1,500,000 (no cap)": (dibao, [claim("2023-03-01", 2000000, 500000)]),
}, inputs={"critical_illness_base_deductible": 30000},
   show=("critical_illness_insurance", "medical_assistance", "out_of_pocket"))
ci_examples

# %% tags=["remove-cell"]
assert list(ci_examples[CI]) == ["20,000.00", "0.00", "4,000.00", "4,000.00", "1,188,000.00"]

# %% [markdown]
# A local ratio above the floor (85%) is used; one below it is refused with the clause that sets the floor:

# %% tags=["hide-input"]
cases(P, {"burden 40,000 at a local 85%": (dibao, [claim("2023-03-01", 100000, 60000)])},
      inputs={"critical_illness_base_deductible": 30000, "critical_illness_ratio": "0.85"},
      show=("critical_illness_insurance", "medical_assistance", "out_of_pocket"))

# %% tags=["hide-input"]
try:
    cases(P, {"x": (dibao, [claim("2023-03-01", 100000, 60000)])},
          inputs={"critical_illness_base_deductible": 30000, "critical_illness_ratio": "0.75"})
except InputError as e:
    print(e)

# %% [markdown]
# ### Medical assistance (医疗救助)
#
# **Interpretation.** For people in hardship: no deductible; at least 80% (a floor) of the policy-range burden
# left after basic and critical-illness insurance; outpatient catalogue costs at the same ratio as inpatient and
# sharing one annual limit of 100,000 yuan per person; no limit for tekun. The limit counts per calendar year.
#
# Assumption (one reading: 每人每年 is the medical-insurance year, the calendar year in Zhejiang): "每人每年" is the calendar year (1 January to 31 December), as for the other annual limits.
#
# Assumption (reading 3.3.9:ratio-floors): without a local `medical_assistance_ratio` the engine pays at the floor, 80%.

# %% tags=["hide-input", "hide-output"]
show_rule(medical_assistance)

# %% [markdown]
# Worked examples. To isolate this rule the critical-illness amount comes from the slip (here 0), so the burden
# before assistance is cost − basic insurance.

# %% tags=["hide-input"]
from decimal import Decimal

def slip(date, burden, setting="inpatient", **more):
    """A claim whose slip shows 50,000 from basic insurance and 0 from critical-illness and supplementary insurance."""
    return {"date": date, "setting": setting, "policy_range_cost": Decimal(burden) + 50000, "basic_insurance_paid": 50000,
            "critical_illness_paid": 0, "supplementary_insurance_paid": 0, **more}

tekun = {"category": "tekun", "insurance": "resident"}
general = {"category": "general", "insurance": "employee"}
ma_examples = cases(P, {
    "burden 50,000": (dibao, [slip("2023-03-01", 50000)]),
    "exactly at the limit: burden 125,000": (dibao, [slip("2023-03-01", 125000)]),
    "just over: burden 125,000.02": (dibao, [slip("2023-03-01", "125000.02")]),
    "two admissions in 2023: 100,000 then 50,000": (dibao, [slip("2023-03-01", 100000), slip("2023-08-01", 50000)]),
    "the same, then 50,000 in 2024": (dibao, [slip("2023-03-01", 100000), slip("2023-08-01", 50000),
                                              slip("2024-01-05", 50000)]),
    "outpatient 10,000 then inpatient 120,000": (dibao, [slip("2023-02-01", 10000, "outpatient"),
                                                         slip("2023-06-01", 120000)]),
    "tekun, burden 200,000 (no limit)": (tekun, [slip("2023-03-01", 200000)]),
    "not in hardship": (general, [slip("2023-03-01", 50000)]),
})
ma_examples

# %% tags=["remove-cell"]
assert list(ma_examples[MA]) == ["40,000.00", "100,000.00", "100,000.00", "100,000.00", "140,000.00",
                                 "100,000.00", "160,000.00", "0.00"]
assert ma_examples.loc["just over: burden 125,000.02", OOP] == "25,000.02"

# %% [markdown]
# ## 三(三)10 Commercial supplementary insurance (the fourth layer)

# %% tags=["hide-input"]
show_clause(P, "3.3.10")

# %% [markdown]
# **Interpretation.** The plan subsidises enrolment in the policy-backed supplementary insurance but sets none of
# its benefits, so what it paid comes from the slip (`supplementary_insurance_paid`), settled after medical
# assistance, in the order 三(三)11 lists the four layers.
#
# Assumption (one reading: the plan sets no benefit for it): with no slip amount the fourth layer is undetermined
# (待定), and so is the high-cost resolution that follows it; a record showing 0 means it paid nothing.

# %% tags=["hide-input", "hide-output"]
show_rule(supplementary_insurance)

# %% [markdown]
# ## 三(三)11 Resolving high costs (高额医疗费用化解)

# %% tags=["hide-input"]
show_clause(P, "3.3.11")

# %% [markdown]
# **Interpretation.** For a person in hardship who followed the treatment guidance and was referred in the standard
# way, the amount still borne after the four layers is brought down to 50,000 yuan when it is above 50,000.
# "超5万元以上" triggers on an amount strictly above 50,000; "化解至5万元以下" brings it to at most 50,000 —
# 以下 includes the number itself (as Civil Code art. 1259 reads 以上/以下), so the engine resolves exactly the part
# above 50,000, and a burden of exactly 50,000 gets nothing.
#
# Assumption (reading 3.3.11:high-cost-period): the 50,000 is counted over a calendar year per person, across claims, not per admission.
#
# Assumption (one reading: the two conditions are joined, and costs outside the policy range are not in the input): only claims that meet both conditions count towards the 50,000, and the burden is within the policy
# range (costs outside it are not in the engine's input).
#
# Assumption (one reading: who funds the relief does not change the amount): "由各地多渠道化解" is paid as one amount, `further_relief`, whoever funds it.

# %% tags=["hide-input", "hide-output"]
show_rule(high_cost_resolution)

# %% tags=["hide-input"]
dibian = {"category": "dibian", "insurance": "resident"}
ok = {"referred": True, "followed_treatment_guidance": True}
relief_examples = cases(P, {
    "burden 200,000": (dibian, [slip("2024-03-01", 200000, **ok)]),
    "burden 150,000: 50,000 left, exactly at the line": (dibian, [slip("2024-03-01", 150000, **ok)]),
    "burden 150,000.01: 0.01 above the line": (dibian, [slip("2024-03-01", "150000.01", **ok)]),
    "burden 200,000, not referred": (dibian, [slip("2024-03-01", 200000, followed_treatment_guidance=True)]),
    "130,000 then 40,000 in one year": (dibian, [slip("2024-03-01", 130000, **ok), slip("2024-10-01", 40000, **ok)]),
    "burden 200,000 with 10,000 from supplementary insurance": (
        dibian, [slip("2024-03-01", 200000, supplementary_insurance_paid=10000, **ok)]),
})
relief_examples

# %% tags=["remove-cell"]
assert list(relief_examples[RELIEF]) == ["50,000.00", "0.00", "0.01", "0.00", "20,000.00", "40,000.00"]
assert list(relief_examples[OOP]) == ["50,000.00", "50,000.00", "50,000.00", "100,000.00", "50,000.00", "50,000.00"]

# %% [markdown]
# ## 三(三)12 Joint help, 四(一)–(四) Working requirements

# %% tags=["hide-input"]
show_clause(P, "3.3.12")

# %% tags=["hide-input"]
show_clause(P, "4.1")

# %% tags=["hide-input"]
show_clause(P, "4.2")

# %% tags=["hide-input"]
show_clause(P, "4.3")

# %% tags=["hide-input"]
show_clause(P, "4.4")

# %% [markdown]
# These clauses organise, fund and supervise the work; 三(三)12 names kinds of help without amounts or conditions.
# Nothing to compute.
#
# ## 施行 Validity

# %% tags=["hide-input"]
show_clause(P, "end")

# %% [markdown]
# **Interpretation.** A claim dated before 2022-01-01 or after 2025-12-31 is outside the plan: it is marked so
# and the scenario's other claims are settled; a scenario with no claim in force is refused.

# %% tags=["hide-input", "hide-output"]
show_rule(in_force)

# %% tags=["hide-input"]
for date in ("2021-12-31", "2022-01-01", "2025-12-31", "2026-01-01"):
    try:
        evaluate(parse_scenario({"policy": P, "person": dibao, "claims": [slip(date, 1000)]}))
        print(date, "in force")
    except InputError as e:
        print(date, "refused:", e)

# %% [markdown]
# ## A whole case with its trace
#
# A dibao patient with a 200,000 yuan inpatient bill in 2023, basic insurance paying 110,000 (from the slip),
# critical-illness deductible 30,000 before the cut; referred and following the guidance. Each line of the trace
# names the clause and the values it used.

# %% tags=["hide-input"]
whole = evaluate(parse_scenario({
    "policy": P, "person": dibao,
    "claims": [claim("2023-03-10", 200000, 110000, referred=True, followed_treatment_guidance=True,
                     in_city_designated_hospital=True)],
    "inputs": {"critical_illness_base_deductible": 30000}}))
result_table(whole).T

# %% tags=["hide-input"]
trace_table(whole)

# %% [markdown]
# ## Calculator
#
# Change the category, the bill or the date and every layer is recomputed by the same engine. In the static book
# the controls cannot run (there is no Python behind the page): the tables above are the representative results.
# To run it live, open this notebook in JupyterLab from the repository.

# %% tags=["hide-input", "nbval-ignore-output"]
from medrules.widgets import Calculator

calculator = Calculator(P)
calculator.view()

# %% tags=["remove-cell"]
# The calculator shows the engine's numbers: drive a second one as a trainer would and check what it displays
# (a second one, so that the calculator on the page keeps its starting values).
check = Calculator(P)
check.category.value = "tekun"
check.cost.value = 300000
check.basic_paid.value = 100000
print(check.summary())
check.category.value = "general"
print(check.summary())   # no critical-illness slip amount for a person not in hardship: that layer on is 待定

# %% [markdown]
# ## 解读选项 Readings
#
# 条文可以有两种以上理解、且影响金额、资格或目标的地方，列为"解读"：每个选项的文字、条文为何允许这样理解、默认选项及理由。
# 每个解读下的表格把案例集中选用该解读的案例（没有时用示例情景）在每个选项下各算一遍，并排比较。
#
# Where the words allow more than one meaning that changes an amount, an eligibility or a target, the meanings are
# recorded as a reading: each option's words, why the text allows it, and the default with its reason. Under each
# reading, the casebook's cases that name it (or, where none does, the example scenarios) are run under every
# option side by side. A scenario selects an option with `"readings": {"READING-ID": "OPTION"}`.

# %% tags=["hide-input"]
from medrules.report import casebook_frame, casebook_table, readings_table, uncertain_notes

readings_table(P)

# %% [markdown]
# ## 案例 Worked cases
#
# 案例集 `policies/<id>/cases.yaml` 中的案例都按条文手算，演算过程写在表中；"核对"一栏在生成本页时用同一引擎重算：
# ✓ 表示引擎结果与手算一致，✗ 表示不一致并列出不一致的数额。
#
# The cases in `policies/<id>/cases.yaml` are worked by hand from the clause text, with the arithmetic shown. The
# 核对 (check) column is computed when this page is built by running each case through the engine: ✓ where it
# gives the hand-worked figures, ✗ (with the figures that differ) where it does not.

# %% tags=["hide-input"]
casebook_table(P)

# %% tags=["remove-cell"]
# Every hand-worked case must agree with the engine before the page is published.
marks = casebook_frame(P)["核对 check"]
assert (marks == "✓").all(), [m for m in marks if m != "✓"]

# %% [markdown]
# ## 待明确问题与存疑 Open questions and uncertain notes
#
# 各条款的存疑之处（对文字或数额理解上的不确定）和条文未回答的问题，按条款列出，一条不漏。
#
# Every clause's uncertain notes (doubts about the words or figures) and the questions the text leaves open, by
# clause, none left out.

# %% tags=["hide-input"]
uncertain_notes(P)
