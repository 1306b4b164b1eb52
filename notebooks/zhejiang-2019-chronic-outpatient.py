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
# # 浙江 Zhejiang 2019 · 城乡居民医保慢性病门诊保障 (news report)
#
# **浙江进一步深化医保改革 不断提升群众医疗保障获得感** — a Zhejiang News report dated **2019-06-07** on the
# press conference of 6 June 2019 about the provincial *Guiding opinions on establishing and improving the
# chronic-disease outpatient protection system of urban and rural residents' medical insurance*
# (《建立健全城乡居民医保慢性病门诊保障制度的指导意见》). It is **not the guidance itself**: the report relays a few of
# its numbers and names 4 of its 12 chronic conditions. Source: seed `002_57a63aa6f3ec061b.txt`, a 2023
# republication (see `policies/zhejiang-2019-chronic-outpatient/policy.yaml`).
#
# **Dates.** Neither the guidance's issue date (近日, recently) nor its effective date (意见施行后) is reported.
# Every value is therefore known only from the report's date, 2019-06-07; an earlier date is refused.
#
# **What is computed.** The report defines no claim layers, so `python -m medrules evaluate` refuses this policy
# with a message saying so. What it does allow: a check of a local (pooling-area) scheme against the provincial
# floors, the least a primary-level chronic outpatient cost is reimbursed, the chronic-condition list as far as it
# is named and card purchase at pharmacies. The inpatient ratios it reports as current are statistics, shown as such.

# %% tags=["remove-cell"]
import datetime as dt
from decimal import Decimal

import ipywidgets as w
import pandas as pd

from medrules import evaluate, load_policy, parse_scenario
from medrules.money import fmt_ratio, fmt_yuan
from medrules.report import clause_table, inputs_table, parameter_table, show_clause, show_rule
from medrules.rules.zhejiang_2019_chronic_outpatient import (
    check_local_scheme, chronic_condition_eligibility, chronic_drug_pharmacy_purchase, chronic_outpatient_floor,
    chronic_outpatient_reimbursement, in_force, provincial_chronic_conditions)
from medrules.scenario import InputError

P = "zhejiang-2019-chronic-outpatient"
POLICY = load_policy(P)
DAY = dt.date(2019, 6, 7)
NAMED = ["高血压", "糖尿病", "肺结核", "冠心病"]

# %% [markdown]
# ## Parameters, inputs and clauses at a glance
#
# `floor` = 不低于 (the encoding treats the number as the least allowed). `from` is empty
# (—) throughout: the report gives no start dates; the values are known from the report's date.

# %% tags=["hide-input"]
parameter_table(P)

# %% tags=["hide-input"]
inputs_table(P)

# %% tags=["hide-input"]
clause_table(P)

# %% [markdown]
# Statistics and targets the report gives, kept as facts (not rules):

# %% tags=["hide-input"]
pd.DataFrame([{"fact": f["label"]["zh"] + " / " + f["label"]["en"], "value": str(f["value"]), "unit": f["unit"],
               "as of": str(f["as_of"]), "clause": f["clause"], "quote": f["quote"]} for f in POLICY.facts]
             ).set_index("fact")

# %% [markdown]
# ## 标题 Headline and 导语 Lead: the report's date

# %% tags=["hide-input"]
show_clause(P, "title")

# %% tags=["hide-input"]
show_clause(P, "p1")

# %% [markdown]
# **Interpretation.** The press conference was on 6 June and the report is dated 2019-06-07. The insured
# numbers are facts (above).
#
# Assumption (one reading: the report gives no other date): the values the report gives hold from its date, 2019-06-07; no earlier date is known, so an earlier
# date is refused.
#
# Assumption (one reading: the effective date is not reported, and nothing earlier than the report is known): the chronic ratios apply "意见施行后" (once the guidance takes effect), on a date not reported; they
# are taken to be known from the report's date, the first date the report states them. Whether the guidance was
# already in effect then is not said.

# %% tags=["hide-input", "hide-output"]
show_rule(in_force)

# %% tags=["hide-input"]
for day in (dt.date(2019, 6, 6), dt.date(2019, 6, 7)):
    print(day, "known in force" if in_force(POLICY, day) else "before the report: refused")

# %% [markdown]
# The engine refuses a claim scenario under this report, because it defines no claim layers (the module says why
# in `NO_CLAIM_LAYERS`):

# %% tags=["hide-input"]
try:
    evaluate(parse_scenario({"policy": P, "person": {"category": "general", "insurance": "resident"},
                             "claims": [{"date": "2019-07-01", "setting": "outpatient", "policy_range_cost": 100}]}))
except InputError as e:
    print(e)

# %% [markdown]
# ## 导语 第2–3段 The 2019 livelihood projects

# %% tags=["hide-input"]
show_clause(P, "p2")

# %% tags=["hide-input"]
show_clause(P, "p3")

# %% [markdown]
# Background: the same 12 conditions and pharmacy purchase are encoded from p6 below. Nothing to compute here.
#
# ## 补慢性病保障短板 第1–2段 The gaps

# %% tags=["hide-input"]
show_clause(P, "p4")

# %% tags=["hide-input"]
show_clause(P, "p5")

# %% [markdown]
# The problem the guidance answers (lists differing between cities, no pharmacy settlement in some); nothing to
# compute.
#
# ## 补慢性病保障短板 第3段 The 12 provincial chronic conditions and pharmacy purchase

# %% tags=["hide-input"]
show_clause(P, "p6")

# %% [markdown]
# **Interpretation.** The guidance sets 12 provincial chronic conditions; the report names four (hypertension,
# diabetes, pulmonary tuberculosis, coronary heart disease). The other eight are an open question: they are shown
# as unnamed places, and a condition the report does not name is *unknown* (None), not excluded.
#
# A residents' insurance member may buy drugs for these conditions by card at a designated retail pharmacy named by
# the pooling area where they are insured, with an external prescription from a designated medical institution
# or an internet hospital's electronic prescription.
#
# Assumption (one reading: matching names changes no amount): a condition matches by its Chinese name or the English name used here.
#
# Assumption (one reading: the designation is a fact the user states): "到参保所在统筹区指定的医保定点零售药店" is one yes/no fact, `pharmacy_designated_by_own_pooling_area`.

# %% tags=["hide-input", "hide-output"]
show_rule(provincial_chronic_conditions, chronic_condition_eligibility, chronic_drug_pharmacy_purchase)

# %% tags=["hide-input"]
conditions = pd.DataFrame(provincial_chronic_conditions(POLICY, DAY), columns=["中文", "English"],
                          index=range(1, 13)).fillna("(not named in the report)")
conditions

# %% tags=["remove-cell"]
assert list(conditions["中文"])[:4] == NAMED and list(conditions["中文"])[4:] == ["(not named in the report)"] * 8

# %% tags=["hide-input"]
condition_examples = pd.DataFrame(
    [{"condition": c, "provincial chronic condition 省定病种": {True: "yes", None: "unknown (not named)"}[
        chronic_condition_eligibility(c)]} for c in NAMED + ["coronary heart disease", "慢性阻塞性肺疾病", "帕金森病"]]
).set_index("condition")
condition_examples

# %% tags=["remove-cell"]
assert list(condition_examples.iloc[:, 0]) == ["yes"] * 5 + ["unknown (not named)"] * 2

# %% tags=["hide-input"]
pharmacy_examples = pd.DataFrame([
    {"insurance": ins, "prescription": str(rx), "pharmacy of own pooling area": own,
     "may buy by card 可刷卡购药": chronic_drug_pharmacy_purchase(ins, rx, own)}
    for ins, rx, own in [("resident", "external", True), ("resident", "internet_hospital", True),
                         ("resident", None, True), ("resident", "external", False), ("employee", "external", True)]])
pharmacy_examples

# %% tags=["remove-cell"]
assert list(pharmacy_examples["may buy by card 可刷卡购药"]) == [True, True, False, False, False]

# %% [markdown]
# ## 补慢性病保障短板 第4段 Current reimbursement ratios

# %% tags=["hide-input"]
show_clause(P, "p7")

# %% [markdown]
# **Interpretation.** "目前" (at present): the 85% employee and 70% resident inpatient ratios and the resident
# outpatient "40%左右" are the current levels the official reports, the situation the guidance sets out to improve.
# They are statistics, kept as facts (as Guizhou's equivalent sentence is), not a rule: no claim is settled with
# them. Nothing to compute.
#
# Assumption (one reading: the clause is a statistic, so whether 政策范围内 also qualifies the resident ratio changes
# no amount): 政策范围内, printed before the employee ratio, is recorded with the employee figure only.

# %% tags=["hide-input"]
pd.DataFrame([{"statistic 统计": f["label"]["zh"], "value": fmt_ratio(f["value"]), "as of": str(f["as_of"]),
               "quote": f["quote"]} for f in POLICY.facts if f["clause"] == f"{P}/p7"]).set_index("statistic 统计")

# %% [markdown]
# ## 补慢性病保障短板 第5段 Chronic outpatient ratios: the floors

# %% tags=["hide-input"]
show_clause(P, "p8")

# %% [markdown]
# **Interpretation.** Once the guidance takes effect, chronic conditions treated in primary-level (基层) outpatient
# care are reimbursed at **no less than** 60%, and pulmonary tuberculosis at **no less than** 70%. These are
# floors: a local scheme may pay more, never less; "不低于" includes the number itself.
#
# Assumption (reading p8:tuberculosis-level): the tuberculosis floor applies in primary-level outpatient care, where the sentence places it (其中);
# the report does not say whether it also applies at other levels.
#
# Assumption (one reading: which facility is 基层 is a fact the user states): which facilities count as 基层 is not reported; the user states that a cost is primary-level. The
# ratio at other levels is not reported, so nothing is computed for them.
#
# Assumption (reading p8:ratio-floors): no deductible or annual limit is reported; the least reimbursement is the floor times the cost,
# before any deductible or limit.

# %% tags=["hide-input", "hide-output"]
show_rule(chronic_outpatient_floor, chronic_outpatient_reimbursement)

# %% tags=["hide-input"]
def least(condition, cost, local=None):
    try:
        return fmt_yuan(chronic_outpatient_reimbursement(POLICY, DAY, condition, cost, local))
    except InputError as e:
        return f"refused: {e}"


floor_examples = pd.DataFrame([
    {"case": name, "reimbursed at least 至少报销": least(*args)} for name, args in [
        ("hypertension, 1,000 at the 60% floor", ("高血压", 1000)),
        ("diabetes, 1,000 at a local 65%", ("糖尿病", 1000, "0.65")),
        ("tuberculosis, 1,000 at the 70% floor", ("肺结核", 1000)),
        ("tuberculosis at a local 65% (below its floor)", ("肺结核", 1000, "0.65")),
        ("coronary heart disease at a local 59.99%", ("冠心病", 1000, "0.5999")),
    ]]).set_index("case")
floor_examples

# %% tags=["remove-cell"]
assert list(floor_examples.iloc[:3, 0]) == ["600.00", "650.00", "700.00"]
assert all(x.startswith("refused") for x in list(floor_examples.iloc[3:, 0]))

# %% [markdown]
# ### Checking a local scheme
#
# A pooling area's scheme meets the provincial requirements the report states when its primary-level chronic
# outpatient ratio is at least 60%, its tuberculosis ratio at least 70%, card purchase at designated pharmacies
# is allowed, and the conditions are covered. Only the four named conditions can be checked: the other eight are
# reported as *cannot be checked* (None).

# %% tags=["hide-input", "hide-output"]
show_rule(check_local_scheme)

# %% tags=["hide-input"]
def check(primary, tb, pharmacy, covered):
    return pd.DataFrame(check_local_scheme(POLICY, DAY, primary, tb, pharmacy, covered)).set_index("requirement")


at_floors = check("0.60", "0.70", True, NAMED)
at_floors

# %% tags=["remove-cell"]
assert list(at_floors["meets"]) == [True, True, True, True, True, True, True, None]

# %% [markdown]
# A scheme at 59% primary-level, 65% tuberculosis, no pharmacy purchase and no coronary heart disease:

# %% tags=["hide-input"]
short_scheme = check("0.59", "0.65", False, ["高血压", "糖尿病", "肺结核"])
short_scheme

# %% tags=["remove-cell"]
assert list(short_scheme["meets"]) == [False, False, False, True, True, True, False, None]

# %% [markdown]
# ### Try it: check a scheme

# %% tags=["hide-input", "nbval-ignore-output"]
style = {"description_width": "14em"}
primary_box = w.BoundedFloatText(value=0.6, min=0, max=1, step=0.01, description="基层慢性病比例 Primary ratio", style=style)
tb_box = w.BoundedFloatText(value=0.7, min=0, max=1, step=0.01, description="肺结核比例 TB ratio", style=style)
pharmacy_box = w.Checkbox(value=True, description="允许药店刷卡购药 Pharmacy purchase")
covered_box = w.SelectMultiple(options=NAMED, value=tuple(NAMED), description="覆盖病种 Covered", style=style)
scheme_out = w.Output()


def show_scheme(_change=None):
    scheme_out.outputs = ()
    scheme_out.append_display_data(check(f"{primary_box.value:.4f}", f"{tb_box.value:.4f}", pharmacy_box.value,
                                         covered_box.value))


for box in (primary_box, tb_box, pharmacy_box, covered_box):
    box.observe(show_scheme, names="value")
show_scheme()
w.VBox([primary_box, tb_box, pharmacy_box, covered_box, scheme_out])

# %% tags=["remove-cell"]
primary_box.value = 0.55
assert list(check(f"{primary_box.value:.4f}", "0.7000", True, NAMED)["meets"])[:2] == [False, True]

# %% [markdown]
# ## 网上办理不断升级 Online services; 接轨上海全面铺开 Linking with Shanghai

# %% tags=["hide-input"]
show_clause(P, "p9")

# %% tags=["hide-input"]
show_clause(P, "p10")

# %% tags=["hide-input"]
show_clause(P, "p11")

# %% tags=["hide-input"]
show_clause(P, "p12")

# %% tags=["hide-input"]
show_clause(P, "p13")

# %% tags=["hide-input"]
show_clause(P, "p14")

# %% [markdown]
# Service changes, targets and statistics: recorded as facts in the table near the top of this page, with the two
# numbers missing from the text itself (the visits of Zhejiang insured people settled in Shanghai, and the total of
# designated pharmacies) listed as open questions. Nothing to compute.

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
