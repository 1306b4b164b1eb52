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
# # 浙江 2019 · 城乡居民医保慢性病门诊保障（新闻报道） · Zhejiang 2019 (news report)
#
# **《浙江进一步深化医保改革 不断提升群众医疗保障获得感》**，浙江新闻客户端**2019-06-07**对2019年6月6日新闻发布会的报道，
# 内容为《建立健全城乡居民医保慢性病门诊保障制度的指导意见》。它**不是《指导意见》本身**：报道只转述了其中几个数字，12种慢性病只点名了4种。
# 种子文件 `002_57a63aa6f3ec061b.txt` 为2023年的转载（见该政策的元数据文件）。
# <span lang="en">**浙江进一步深化医保改革 不断提升群众医疗保障获得感** — a Zhejiang News report dated **2019-06-07** on the
# press conference of 6 June 2019 about the provincial *Guiding opinions on establishing and improving the
# chronic-disease outpatient protection system of urban and rural residents' medical insurance*
# (《建立健全城乡居民医保慢性病门诊保障制度的指导意见》). It is **not the guidance itself**: the report relays a few of
# its numbers and names 4 of its 12 chronic conditions. Source: seed `002_57a63aa6f3ec061b.txt`, a 2023
# republication (see `policies/zhejiang-2019-chronic-outpatient/policy.yaml`).</span>
#
# **日期。** 报道既没有给出《指导意见》的印发日期（“近日”），也没有给出施行日期（“意见施行后”）。因此每个数值只能自公开发布之日——6月6日新闻发布会（2019-06-06）——起知悉；更早的日期拒绝计算。
# <span lang="en">**Dates.** Neither the guidance's issue date (近日, recently) nor its effective date (意见施行后) is reported.
# Every value is therefore known only from the day it was said in public, the press conference of 2019-06-06
# (the report is dated 2019-06-07); an earlier date is refused.</span>
#
# **计算什么。** 报道没有规定各项制度的理赔办法，因此 `python -m medrules evaluate` 对本政策拒绝计算并说明原因。可以做的是：对照省定下限检查统筹地区的方案、
# 基层慢性病门诊费用的最低报销额、已点名的慢性病目录和定点药店刷卡购药。报道所述的现行住院报销比例是统计数字，按统计数字列示。
# <span lang="en">**What is computed.** The report defines no claim layers, so `python -m medrules evaluate` refuses this policy
# with a message saying so. What it does allow: a check of a local (pooling-area) scheme against the provincial
# floors, the least a primary-level chronic outpatient cost is reimbursed, the chronic-condition list as far as it
# is named and card purchase at pharmacies. The inpatient ratios it reports as current are statistics, shown as such.</span>

# %% tags=["remove-cell"]
import datetime as dt
from decimal import Decimal

import ipywidgets as w
import pandas as pd

from medrules import evaluate, load_policy, parse_scenario
from medrules.core.money import fmt_ratio, fmt_yuan
from medrules.core.categories import INSURANCE_TYPES
from medrules.core.messages import both
from medrules.publish.display import outcome_table, page_frame, try_outcome
from medrules.publish.report import clause_table, inputs_table, parameter_table, show_clause, show_rule
from medrules.rules.zhejiang_2019_chronic_outpatient import (
    check_local_scheme, chronic_condition_eligibility, chronic_drug_pharmacy_purchase, chronic_outpatient_floor,
    chronic_outpatient_reimbursement, in_force, provincial_chronic_conditions)
from medrules.core.scenario import InputError

P = "zhejiang-2019-chronic-outpatient"
POLICY = load_policy(P)
DAY = dt.date(2019, 6, 7)
NAMED = ["高血压", "糖尿病", "肺结核", "冠心病"]

# %% [markdown]
# ## 参数、输入与条款一览 · Parameters, inputs and clauses at a glance
#
# `floor` 即“不低于”（规则把该数值视为允许的最低值）。`from`（起始日期）一栏全部为空（—）：报道没有给出起始日期；各数值自报道日期起可知。
# <span lang="en">`floor` = 不低于 (the encoding treats the number as the least allowed). `from` is empty
# (—) throughout: the report gives no start dates; the values are known from the report's date.</span>

# %% tags=["hide-input"]
parameter_table(P)

# %% tags=["hide-input"]
inputs_table(P)

# %% tags=["hide-input"]
clause_table(P)

# %% [markdown]
# 报道给出的统计数字和目标，作为事实记录（不是规则）：
# <span lang="en">Statistics and targets the report gives, kept as facts (not rules):</span>

# %% tags=["hide-input"]
page_frame(pd.DataFrame([{"指标 fact": f["label"]["zh"] + " · " + f["label"]["en"],
                          "数值 value": fmt_ratio(f["value"]) if f["unit"] == "ratio" else str(f["value"]),
                          "单位 unit": both(f"unit.{f['unit']}", sep=" · "), "截至 as of": str(f["as_of"]),
                          "条款 clause": f"`{f['clause']}`", "原文 quote": f["quote"]} for f in POLICY.facts]
                        ).set_index("指标 fact"))

# %% [markdown]
# ## 标题与导语：报道日期 · Headline and lead: the report's date

# %% tags=["hide-input"]
show_clause(P, "title")

# %% tags=["hide-input"]
show_clause(P, "p1")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 新闻发布会于6月6日举行，报道日期为2019-06-07。参保人数等为事实（见上）。
# <span lang="en">The press conference was on 6 June and the report is dated 2019-06-07. The insured
# numbers are facts (above).</span>
#
# Assumption (one reading: 报道未给出其他日期 <span lang="en">/ the report gives no other date</span>): 报道给出的数值自新闻发布会之日2019-06-06起适用（所有报道统一采用
# “公开发布之日”：有新闻发布会的用发布会日期，否则用报道日期）；更早的日期不得而知，因此拒绝计算。
# <span lang="en">the values the report gives hold from the day they were said in public, the press conference of
# 2019-06-06 (one convention for every report: the press conference where the report names one, else the report's
# own date); no earlier date is known, so an earlier date is refused.</span>
#
# Assumption (one reading: 施行日期未见报道，报道之前的情况无从得知 <span lang="en">/ the effective date is not reported, and nothing earlier than the report is known</span>): 慢性病报销比例在“意见施行后”适用，施行日期未报道；视为自报道日期（报道首次载明这些比例之日）起可知。
# 报道没有说明当时《指导意见》是否已经施行。
# <span lang="en">the chronic ratios apply "意见施行后" (once the guidance takes effect), on a date not reported; they
# are taken to be known from the report's date, the first date the report states them. Whether the guidance was
# already in effect then is not said.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(in_force)

# %% tags=["hide-input"]
page_frame(pd.DataFrame([{"日期 date": str(day), "已知施行 known in force": in_force(POLICY, day)}
                        for day in (dt.date(2019, 6, 5), dt.date(2019, 6, 6))]).set_index("日期 date"))

# %% [markdown]
# 本报道没有规定理赔办法，因此规则拒绝计算理赔情形（规则模块在 `NO_CLAIM_LAYERS` 中说明原因）：
# <span lang="en">The engine refuses a claim scenario under this report, because it defines no claim layers (the module says why
# in `NO_CLAIM_LAYERS`):</span>

# %% tags=["hide-input"]
outcome_table([try_outcome("2019-07-01，门诊100元 · 2019-07-01, outpatient 100", lambda: evaluate(parse_scenario(
    {"policy": P, "person": {"category": "general", "insurance": "resident"},
     "claims": [{"date": "2019-07-01", "setting": "outpatient", "policy_range_cost": 100}]})))])

# %% [markdown]
# ## 导语第2–3段 2019年民生实事 · The 2019 livelihood projects

# %% tags=["hide-input"]
show_clause(P, "p2")

# %% tags=["hide-input"]
show_clause(P, "p3")

# %% [markdown]
# 背景：同样的12种慢性病和药店购药由下文第3段编码。此处无需计算。
# <span lang="en">Background: the same 12 conditions and pharmacy purchase are encoded from p6 below. Nothing to compute here.</span>
#
# ## 补慢性病保障短板 第1–2段 存在的短板 · The gaps

# %% tags=["hide-input"]
show_clause(P, "p4")

# %% tags=["hide-input"]
show_clause(P, "p5")

# %% [markdown]
# 《指导意见》所要解决的问题（各地病种不一，部分地区不能在药店结算）；无需计算。
# <span lang="en">The problem the guidance answers (lists differing between cities, no pharmacy settlement in some); nothing to
# compute.</span>
#
# ## 补慢性病保障短板 第3段 全省12种慢性病与药店购药 · The 12 chronic conditions and pharmacy purchase

# %% tags=["hide-input"]
show_clause(P, "p6")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 《指导意见》确定全省12种慢性病；报道点名了4种（高血压、糖尿病、肺结核、冠心病）。其余8种是待明确问题：
# 以未命名的空位显示，报道未点名的病种结果为**未知**（None），而不是“不包括”。
# <span lang="en">The guidance sets 12 provincial chronic conditions; the report names four (hypertension,
# diabetes, pulmonary tuberculosis, coronary heart disease). The other eight are an open question: they are shown
# as unnamed places, and a condition the report does not name is *unknown* (None), not excluded.</span>
#
# 城乡居民医保参保人员可凭定点医疗机构的外配处方或互联网医院的电子处方，到参保所在统筹区指定的医保定点零售药店刷卡购买这些慢性病的药品。
# <span lang="en">A residents' insurance member may buy drugs for these conditions by card at a designated retail pharmacy named by
# the pooling area where they are insured, with an external prescription from a designated medical institution
# or an internet hospital's electronic prescription.</span>
#
# Assumption (one reading: 按名称匹配不影响金额 <span lang="en">/ matching names changes no amount</span>): 病种按中文名称或本页所用英文名称匹配。
# <span lang="en">a condition matches by its Chinese name or the English name used here.</span>
#
# Assumption (one reading: 是否为指定药店由使用者说明 <span lang="en">/ the designation is a fact the user states</span>): “到参保所在统筹区指定的医保定点零售药店”作为一个是/否事实 `pharmacy_designated_by_own_pooling_area`。
# <span lang="en">"到参保所在统筹区指定的医保定点零售药店" is one yes/no fact, `pharmacy_designated_by_own_pooling_area`.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(provincial_chronic_conditions, chronic_condition_eligibility, chronic_drug_pharmacy_purchase)

# %% tags=["hide-input"]
condition_list = provincial_chronic_conditions(POLICY, DAY)
conditions = page_frame(pd.DataFrame(
    {"病种 condition": [f"{zh} · {en}" if zh else "（报道未列出） · (not named in the report)" for zh, en in condition_list]},
    index=pd.Index(range(1, 13), name="序号 no.")))
conditions

# %% tags=["remove-cell"]
assert [zh for zh, _ in condition_list][:4] == NAMED and [zh for zh, _ in condition_list][4:] == [None] * 8

# %% tags=["hide-input"]
condition_examples = page_frame(pd.DataFrame(
    [{"病种 condition": c, "省定病种 provincial chronic condition": {True: "是 · yes", None: "不确定（报道未列出） · unknown (not named)"}[
        chronic_condition_eligibility(c)]} for c in NAMED + ["coronary heart disease", "慢性阻塞性肺疾病", "帕金森病"]]
).set_index("病种 condition"))
condition_examples

# %% tags=["remove-cell"]
assert list(condition_examples.iloc[:, 0]) == ["是 · yes"] * 5 + ["不确定（报道未列出） · unknown (not named)"] * 2

# %% tags=["hide-input"]
PRESCRIPTIONS = {"external": "外配处方 · external prescription", "internet_hospital": "互联网医院处方 · internet hospital",
                 None: "无处方 · no prescription"}
pharmacy_examples = page_frame(pd.DataFrame([
    {"险种 insurance": " · ".join(INSURANCE_TYPES[ins]), "处方 prescription": PRESCRIPTIONS[rx],
     "本统筹区定点药店 pharmacy of own pooling area": own,
     "可刷卡购药 may buy by card": chronic_drug_pharmacy_purchase(ins, rx, own)}
    for ins, rx, own in [("resident", "external", True), ("resident", "internet_hospital", True),
                         ("resident", None, True), ("resident", "external", False), ("employee", "external", True)]]))
pharmacy_examples

# %% tags=["remove-cell"]
assert list(pharmacy_examples["可刷卡购药 may buy by card"]) == [True, True, False, False, False]

# %% [markdown]
# ## 补慢性病保障短板 第4段 现行报销比例 · Current reimbursement ratios

# %% tags=["hide-input"]
show_clause(P, "p7")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> “目前”：职工医保住院报销85%、城乡居民医保住院报销70%，以及居民门诊报销比例
# “40%左右”，是官方通报的现行水平，即《指导意见》要改善的现状。它们是统计数字，作为事实记录（与贵州的同类表述一样），
# 而不是规则：不据以结算任何就医。无需计算。
# <span lang="en">"目前" (at present): the 85% employee and 70% resident inpatient ratios and the resident
# outpatient "40%左右" are the current levels the official reports, the situation the guidance sets out to improve.
# They are statistics, kept as facts (as Guizhou's equivalent sentence is), not a rule: no claim is settled with
# them. Nothing to compute.</span>
#
# Assumption (one reading: 该条款是统计数字，“政策范围内”是否同样限定居民比例不影响金额 <span lang="en">/ the clause is a statistic, so whether 政策范围内 also qualifies the resident ratio changes
# no amount</span>): 职工比例前的“政策范围内”只随职工的数字记录。
# <span lang="en">政策范围内, printed before the employee ratio, is recorded with the employee figure only.</span>

# %% tags=["hide-input"]
page_frame(pd.DataFrame([{"统计 statistic": f["label"]["zh"] + " · " + f["label"]["en"], "数值 value": fmt_ratio(f["value"]),
                          "截至 as of": str(f["as_of"]), "原文 quote": f["quote"]}
                         for f in POLICY.facts if f["clause"] == f"{P}/p7"]).set_index("统计 statistic"))

# %% [markdown]
# ## 补慢性病保障短板 第5段 慢性病门诊报销比例：下限 · Chronic outpatient ratios: the floors

# %% tags=["hide-input"]
show_clause(P, "p8")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 《指导意见》施行后，在基层门诊治疗的慢性病报销比例**不低于**60%，其中肺结核**不低于**70%。
# 这些都是下限：地方可以高于、不得低于；“不低于”包括本数。
# <span lang="en">Once the guidance takes effect, chronic conditions treated in primary-level (基层) outpatient
# care are reimbursed at **no less than** 60%, and pulmonary tuberculosis at **no less than** 70%. These are
# floors: a local scheme may pay more, never less; "不低于" includes the number itself.</span>
#
# Assumption (reading p8:tuberculosis-level): 肺结核的下限适用于基层门诊，即该句“其中”所指；报道没有说明是否也适用于其他级别。
# <span lang="en">the tuberculosis floor applies in primary-level outpatient care, where the sentence places it (其中);
# the report does not say whether it also applies at other levels.</span>
#
# Assumption (one reading: 哪些机构属于“基层”由使用者说明 <span lang="en">/ which facility is 基层 is a fact the user states</span>): 哪些机构属于“基层”报道没有说明，由使用者说明费用是否发生在基层。
# 其他级别的比例报道未给出，因此不作计算。
# <span lang="en">which facilities count as 基层 is not reported; the user states that a cost is primary-level. The
# ratio at other levels is not reported, so nothing is computed for them.</span>
#
# Assumption (reading p8:ratio-floors): 报道未给出起付线或年度限额；最低报销额为下限乘以费用，未计任何起付线或限额。
# <span lang="en">no deductible or annual limit is reported; the least reimbursement is the floor times the cost,
# before any deductible or limit.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(chronic_outpatient_floor, chronic_outpatient_reimbursement)

# %% tags=["hide-input"]
def least(condition, cost, local=None):
    try:
        return fmt_yuan(chronic_outpatient_reimbursement(POLICY, DAY, condition, cost, local))
    except InputError as e:
        return f"拒绝：{e.zh or e} · refused: {e}"


floor_examples = page_frame(pd.DataFrame([
    {"算例 case": name, "至少报销 reimbursed at least": least(*args)} for name, args in [
        ("高血压，1,000元，按下限60% · hypertension, 1,000 at the 60% floor", ("高血压", 1000)),
        ("糖尿病，1,000元，当地65% · diabetes, 1,000 at a local 65%", ("糖尿病", 1000, "0.65")),
        ("肺结核，1,000元，按下限70% · tuberculosis, 1,000 at the 70% floor", ("肺结核", 1000)),
        ("肺结核，当地65%（低于其下限） · tuberculosis at a local 65% (below its floor)", ("肺结核", 1000, "0.65")),
        ("冠心病，当地59.99% · coronary heart disease at a local 59.99%", ("冠心病", 1000, "0.5999")),
    ]]).set_index("算例 case"))
floor_examples

# %% tags=["remove-cell"]
assert list(floor_examples.iloc[:3, 0]) == ["600.00", "650.00", "700.00"]
assert all(x.startswith("拒绝") for x in list(floor_examples.iloc[3:, 0]))

# %% [markdown]
# ### 检查地方方案 · Checking a local scheme
#
# 统筹地区的方案符合报道所述省级要求，须同时满足：基层慢性病门诊报销比例不低于60%，肺结核不低于70%，允许在定点药店刷卡购药，并覆盖这些病种。
# 只能检查已点名的4种病种，其余8种报告为**无法检查**（None）。
# <span lang="en">A pooling area's scheme meets the provincial requirements the report states when its primary-level chronic
# outpatient ratio is at least 60%, its tuberculosis ratio at least 70%, card purchase at designated pharmacies
# is allowed, and the conditions are covered. Only the four named conditions can be checked: the other eight are
# reported as *cannot be checked* (None).</span>

# %% tags=["hide-input", "hide-output"]
show_rule(check_local_scheme)

# %% tags=["hide-input"]
MEETS = {True: True, False: False, None: "无法判断 · cannot be checked"}


def check(primary, tb, pharmacy, covered):
    """The findings as a page table: the requirement Chinese first, the clause a machine name."""
    return page_frame(pd.DataFrame([
        {"要求 requirement": f["requirement"], "条款 clause": f"`{f['clause']}`", "省定标准 provincial": f["provincial"],
         "本地方案 local": f["local"], "符合 meets": MEETS[f["meets"]]}
        for f in check_local_scheme(POLICY, DAY, primary, tb, pharmacy, covered)]).set_index("要求 requirement"))


at_floors = check("0.60", "0.70", True, NAMED)
at_floors

# %% tags=["remove-cell"]
assert list(at_floors["符合 meets"]) == [True, True, True, True, True, True, True, MEETS[None]]

# %% [markdown]
# 某方案基层比例59%，肺结核65%，不允许药店购药，且不含冠心病：
# <span lang="en">A scheme at 59% primary-level, 65% tuberculosis, no pharmacy purchase and no coronary heart disease:</span>

# %% tags=["hide-input"]
short_scheme = check("0.59", "0.65", False, ["高血压", "糖尿病", "肺结核"])
short_scheme

# %% tags=["remove-cell"]
assert list(short_scheme["符合 meets"]) == [False, False, False, True, True, True, False, MEETS[None]]

# %% [markdown]
# ### 试一试：检查一个方案 · Try it: check a scheme

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
assert list(check(f"{primary_box.value:.4f}", "0.7000", True, NAMED)["符合 meets"])[:2] == [False, True]

# %% [markdown]
# ## 网上办理不断升级；接轨上海全面铺开 · Online services; Linking with Shanghai

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
# 服务改进、目标和统计数字，作为事实记录在本页上方的表格中；正文本身缺少的两个数字（浙江参保人员在上海结算的门诊人次、定点药店总数）列为待明确问题。无需计算。
# <span lang="en">Service changes, targets and statistics: recorded as facts in the table near the top of this page, with the two
# numbers missing from the text itself (the visits of Zhejiang insured people settled in Shanghai, and the total of
# designated pharmacies) listed as open questions. Nothing to compute.</span>

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
from medrules.publish.report import casebook_frame, casebook_table, readings_table, uncertain_notes

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
