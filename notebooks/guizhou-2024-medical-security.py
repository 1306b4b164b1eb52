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
# # 贵州 2024 · 医保待遇与医疗救助（新闻发布会报道） · Guizhou 2024 (press report)
#
# **《贵州：让参保群众有稳稳的“医靠”》**，《贵州日报》对贵州省人民政府新闻办公室2024-08-21新闻发布会的报道（国际在线
# 2024-08-22以繁体字转载）。它**不是政策原文**：没有点名任何文件、发言人或部门，也没有一项措施载明起始日期。种子文件
# `004_79fd142975db187b.txt`；各条款旁的简体文本为机械转换（见该政策的元数据文件）。
# <span lang="en">**貴州:讓參保群眾有穩穩的“醫靠”** — a *Guizhou Daily* report (republished by CRI Online on 2024-08-22, in
# traditional characters) of a press conference held by the Information Office of the Guizhou Provincial People's
# Government on 2024-08-21. It is **not a policy text**: no document, speaker or bureau is named, and no measure
# has a start date. Source: seed `004_79fd142975db187b.txt`; the simplified text beside each clause is a
# mechanical conversion (see `policies/guizhou-2024-medical-security/policy.yaml`).</span>
#
# **日期。** 报道讲的是“目前”的情况，因此每个数值都视为自公开发布之日——新闻发布会**2024-08-21**（报道日期为2024-08-22）——起适用；
# 早于该日的就医**无法计算**：
# 规则拒绝计算，而不去猜测当时适用哪个数值。报道中说已被替换的数值（门诊400元限额、50%救助比例、原倾斜救助门槛）没有任何日期，
# 只出现在前后对比中。
# <span lang="en">**Dates.** The report says what holds *now* (目前). So every value is taken to hold from the day it
# was said in public, the press conference of **2024-08-21** (the report is dated 2024-08-22), and a claim dated
# earlier **cannot be evaluated**: the engine refuses it rather than guess which
# values applied then. The values the report says were replaced (the 400-yuan outpatient limit, the 50% ratio,
# the old tilted-assistance threshold) carry no dates at all; they appear only in before/after comparisons.</span>
#
# 阅读方法：每一条款先照录原文，再给出简体文本和英文译文，然后是**解读**（每条假设以“假设 Assumption:”开头），接着是
# 编码该条款的规则（默认折叠）和由规则算出的算例。
# <span lang="en">How to read this page: each clause section quotes the original (原文), its simplified form and an English
# rendering, states the **interpretation** with every `Assumption:` flagged, then the rule that encodes it
# (folded; click to open) and worked examples computed by that rule.</span>

# %% tags=["remove-cell"]
import datetime as dt
from decimal import Decimal

import ipywidgets as w
import pandas as pd

from medrules import evaluate, load_policy, parse_scenario
from medrules.core.money import fmt_ratio, fmt_yuan
from medrules.core.policy import PolicyError
from medrules.core.messages import both, pair
from medrules.publish.display import outcome_table, page_frame, try_outcome
from medrules.publish.layer_order import layer_order_diagram
from medrules.publish.report import (cases, clause_table, inputs_table, parameter_table, person_label, result_table,
                                     show_clause, show_rule, trace_table, undetermined_table)
from IPython.display import HTML
from medrules.rules.guizhou_2024_medical_security import (
    basic_insurance, critical_illness_insurance, employee_outpatient_reimbursement, in_force,
    medical_assistance, medical_assistance_cost_scope, medical_assistance_eligibility,
    out_of_province_inpatient_reimbursement, outpatient_visit, outpatient_year, prenatal_care_reimbursement,
    reported_earlier_value, resident_outpatient_annual_limit, resident_outpatient_reimbursement,
    retroactive_medical_assistance, retroactive_window, supplementary_insurance, tilted_assistance_eligible_part,
    tilted_assistance_threshold_reached, tilted_medical_assistance, two_diseases_outpatient_reimbursement, validate)
from medrules.core.scenario import InputError

P = "guizhou-2024-medical-security"
POLICY = load_policy(P)
REPORT_DAY = dt.date(2024, 8, 22)
BASIC, MA, OOP = "基本医保 basic medical insurance", "医疗救助 medical assistance", "个人自付 out of pocket"
resident = {"category": "general", "insurance": "resident"}
employee = {"category": "general", "insurance": "employee"}


# What the settlement record shows for the layers this report does not define: nothing paid by critical-illness or
# supplementary insurance, and no 乙类先行自付 (0 each, as a record would say; without them those layers are 待定).
RECORD = {"critical_illness_paid": 0, "supplementary_insurance_paid": 0, "pre_self_paid": 0}


def visit(date, cost, facility=None, **more):
    claim = {"date": date, "setting": "outpatient", "policy_range_cost": cost, **RECORD, **more}
    return {**claim, "facility": facility} if facility else claim


def stay(date, cost, **more):
    return {"date": date, "setting": "inpatient", "policy_range_cost": cost, **RECORD, **more}


def attempt(tried, person, claims, inputs=None, shown=None):
    """One row of an outcome table: the scenario evaluated (shown(result) beside it), or the engine's refusal."""
    return try_outcome(tried, lambda: evaluate(parse_scenario({"policy": P, "person": person, "claims": claims,
                                                                "inputs": inputs or {}})), shown)


def undetermined(person, claims, inputs=None):
    """What a partial result leaves open: each undetermined layer of the first claim, with the field it needs."""
    return undetermined_table(evaluate(parse_scenario({"policy": P, "person": person, "claims": claims,
                                                       "inputs": inputs or {}})))


def refusal(e) -> str:
    """A refusal as a table cell: the engine's Chinese, then its English (split by the page table)."""
    return f"拒绝：{e.zh or e} · refused: {e}"


# %% [markdown]
# ## 参数、输入与条款一览 · Parameters, inputs and clauses at a glance
#
# 规则用到的每一个数值，注明报道的表述类型（`exact` 确数，`range` 如“50%至70%”，`approximate` 即“左右/约”）及其出处条款。
# `from`（起始日期）一栏全部为空（—）：报道没有给出起始日期；现行数值自报道日期起可知，被替换的旧数值没有日期。
# <span lang="en">Every number the rules use, with the kind of statement the report makes (`exact`, `range` = 50%至70%,
# `approximate` = 左右/约) and the clause it cites. `from` is empty (—) throughout: the report gives no start
# dates; the current values are known from the report's date, the replaced ones have no dates.</span>

# %% tags=["hide-input"]
parameter_table(P)

# %% [markdown]
# 报道没有给出的数值决不编造，而是作为需要使用者提供的具名输入。
# <span lang="en">What the report does **not** give is never made up: it is a named input the user supplies.</span>

# %% tags=["hide-input"]
inputs_table(P)

# %% tags=["hide-input"]
clause_table(P)

# %% [markdown]
# ## 各层次的结算次序 · The order of the layers
#
# 每一层按排在它前面各层支付后剩余的费用计算；次序取自条文（`policies/guizhou-2024-medical-security/layers.yaml`），每一层注明所依据的条款和原话。
# <span lang="en">Each layer reckons what the layers before it left; the order comes from the text
# (`policies/guizhou-2024-medical-security/layers.yaml`), each layer with the clause and the words its place rests on.</span>

# %% tags=["hide-input"]
layer_order_diagram(P)

# %% [markdown]
# ## 標題 标题与第1段 导语：报道日期 · Headline and lead: the report's date

# %% tags=["hide-input"]
show_clause(P, "title")

# %% tags=["hide-input"]
show_clause(P, "p1")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 新闻发布会于8月21日举行，报道日期为2024-08-22。各项措施报道为当时有效，
# 均未载明起始日期。
# <span lang="en">The press conference was on 21 August and the report is dated 2024-08-22. The measures
# are reported as holding at that time; none has a start date.</span>
#
# Assumption (reading p1:validity): 报道所述的现行措施默认自新闻发布会之日2024-08-21起适用（假设：自报道日起；所有报道统一
# 采用“公开发布之日”：有新闻发布会的用发布会日期，否则用报道日期）；更早的情况不得而知，早于该日的就医不按本报道结算、也不按被替换的
# 旧数值计算，结果写明这是假设。解读 undetermined-before 把早于该日的就医列为待定。
# <span lang="en">by default everything the report describes as current holds from the day it was said in public,
# the press conference of 2024-08-21 (an assumption: from the report; one convention for every report: the press
# conference where the report names one, else the report's own date); nothing is known about earlier dates, so an
# earlier claim is not settled by the report nor under the replaced values, and the result says this is an
# assumption. Reading undetermined-before leaves earlier claims undetermined.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(in_force, validate)

# %% tags=["hide-input"]
outcome_table([attempt(day, resident, [visit(day, 100, "village")],
                       shown=lambda r: f"基本医保 {fmt_yuan(r.totals['basic_insurance'])} 元 · basic insurance "
                                       f"{fmt_yuan(r.totals['basic_insurance'])}")
               for day in ("2024-08-20", "2024-08-21")])

# %% tags=["remove-cell"]
assert in_force(POLICY, dt.date(2024, 8, 21)) and not in_force(POLICY, dt.date(2024, 8, 20))

# %% [markdown]
# ## 第2段 总体待遇水平 · Overall benefit levels

# %% tags=["hide-input"]
show_clause(P, "p2")

# %% [markdown]
# 85%和75%是总体报销水平（统计数字），作为事实记录，不作为规则。所列待遇不包括大病保险和商业补充保险，因此这两项取自
# 结算单（`critical_illness_paid`、`supplementary_insurance_paid`）。
# <span lang="en">The 85% and 75% are overall reimbursement levels (statistics), kept as facts, not rules. The list of benefits
# does not include critical-illness or supplementary insurance, so the engine takes those layers from the
# settlement slip (`critical_illness_paid`, `supplementary_insurance_paid`).</span>
#
# Assumption (one reading: 这两项不由规则计算，其支付额只能以结算单为准 <span lang="en">/ those layers are not computed, so only the slip can say what they paid</span>): 没有大病保险或商业补充保险结算单金额的就医，视为该项未支付。
# <span lang="en">a claim without a critical-illness or supplementary slip amount had nothing paid by that layer.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(critical_illness_insurance, supplementary_insurance)

# %% tags=["hide-input"]
page_frame(pd.DataFrame([{"指标 fact": f["label"]["zh"] + " · " + f["label"]["en"],
                          "数值 value": fmt_ratio(f["value"]) if f["unit"] == "ratio" else str(f["value"]),
                          "单位 unit": both(f"unit.{f['unit']}", sep=" · "), "截至 as of": str(f["as_of"]),
                          "条款 clause": f"`{f['clause']}`", "原文 quote": f["quote"]} for f in POLICY.facts]
                        ).set_index("指标 fact"))

# %% [markdown]
# ## 第3段 普通门诊 · General outpatient care

# %% tags=["hide-input"]
show_clause(P, "p3")

# %% [markdown]
# ### 居民医保 · Residents
#
# **解读** <span lang="en">Interpretation.</span> 居民普通门诊按政策范围内费用报销：村卫生室90%，乡镇卫生院85%，
# 二级医院60%；每人每个自然年跨次累计最高报销500元。
# <span lang="en">A resident's general outpatient visit is reimbursed 90% at a village clinic, 85% at a
# township health centre and 60% at a secondary hospital, of its policy-range cost; reimbursement stops at 500
# yuan per person per calendar year, across visits.</span>
#
# Assumption (one reading: 原文写“最高報銷限額”，即报销出去的金额 <span lang="en">/ the words say 最高報銷限額, the amount reimbursed</span>): “门诊年度最高报销限额”限制的是每个自然年的报销额，而不是可报销费用。
# <span lang="en">"門診年度最高報銷限額" caps the reimbursement (not the eligible costs) per calendar year.</span>
#
# Assumption (one reading: 报道未提起付线，不自行设定 <span lang="en">/ the report names no deductible, so none is invented</span>): 报道未提起付线，除非提供输入
# `resident_outpatient_deductible`，否则不扣起付线；提供的起付线按年度计算，由当年最先发生的门诊用完。
# <span lang="en">no deductible is applied unless the input `resident_outpatient_deductible` is supplied (the report
# names none); a supplied deductible is annual and used up by the first visits of the year.</span>
#
# Assumption (one reading: 结算单上的报销同样是该限额内的报销 <span lang="en">/ a slip's reimbursement is the same reimbursement under the limit</span>): 基本医保支付额取自结算单的门诊，同样占用这500元限额。
# <span lang="en">a visit whose basic-insurance amount comes from the slip uses up the same 500 yuan.</span>
#
# Assumption (one reading: 报道未给出三级医院的报销比例，因此作为输入 <span lang="en">/ no tertiary ratio is reported, so it is an input</span>): 三级医院（报道未给比例）须提供输入 `resident_outpatient_ratio_other_level`。
# <span lang="en">at a tertiary hospital (no ratio reported) the input `resident_outpatient_ratio_other_level` is
# required.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(basic_insurance, resident_outpatient_reimbursement, outpatient_visit)

# %% tags=["hide-input"]
resident_examples = cases(P, {
    "村卫生室，200元 · village clinic, 200": (resident, [visit("2024-09-02", 200, "village")]),
    "乡镇卫生院，200元 · township centre, 200": (resident, [visit("2024-09-02", 200, "township")]),
    "二级医院，200元 · secondary hospital, 200": (resident, [visit("2024-09-02", 200, "secondary")]),
    "村卫生室600元：一次超过限额 · village 600: over the limit in one visit": (resident, [visit("2024-09-02", 600, "village")]),
    "两次就医恰达500元（村卫生室500元，二级医院83.33元） · two visits reach 500 exactly (500 village, 83.33 secondary)": (
        resident, [visit("2024-09-02", 500, "village"), visit("2024-10-08", "83.33", "secondary")]),
    "……再就医一次10元（略超） · …then a third visit of 10 (just over)": (
        resident, [visit("2024-09-02", 500, "village"), visit("2024-10-08", "83.33", "secondary"),
                   visit("2024-11-04", 10, "village")]),
    "12月31日600元，次年1月1日100元 · 600 on 31 Dec, then 100 on 1 Jan (next year)": (
        resident, [visit("2024-12-31", 600, "village"), visit("2025-01-01", 100, "village")]),
}, show=("basic_insurance", "out_of_pocket"))
resident_examples

# %% tags=["remove-cell"]
assert list(resident_examples[BASIC]) == ["180.00", "170.00", "120.00", "500.00", "500.00", "500.00", "590.00"]
assert list(resident_examples[OOP]) == ["20.00", "30.00", "80.00", "100.00", "83.33", "93.33", "110.00"]

# %% [markdown]
# 早于报道日期的就医不在已知范围内（情形中没有一次就医在施行期间内的，拒绝计算）；未提供当地比例的三级医院门诊
# 尽可能结算——基本医保及其后各项为待定，并注明可使其确定的输入：
# <span lang="en">A claim dated before the report is outside what is known (a scenario with no claim in force is refused); a
# tertiary visit without the local ratio is settled as far as it can be — basic insurance, and what follows it, is
# 待定 (undetermined), naming the input that would settle it:</span>

# %% tags=["hide-input"]
display(outcome_table([attempt("2024-08-01", resident, [visit("2024-08-01", 200, "village")])]))
undetermined(resident, [visit("2024-09-02", 200, "tertiary")])

# %% [markdown]
# **原限额。** 报道说限额由400元提高到500元，但没有说从何时起。因此400元不用于任何有日期的就医；这里把同一年的门诊分别按两个
# 限额计算，以显示提高限额的作用。
# <span lang="en">**The earlier limit.** The report says the limit rose from 400 to 500 yuan but not when. The 400 yuan is
# therefore never applied to a dated claim; here the same year of visits is run through the same rule with each
# limit, to show what the rise is worth.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(outpatient_year, resident_outpatient_annual_limit)

# %% tags=["hide-input"]
year_of_visits = [(Decimal(300), POLICY.param("resident_general_outpatient.ratio_village_clinic", REPORT_DAY).value),
                  (Decimal(400), POLICY.param("resident_general_outpatient.ratio_township_centre", REPORT_DAY).value)]
limits = {("此前", "earlier"): resident_outpatient_annual_limit(POLICY, earlier=True),
          ("现在", "now"): resident_outpatient_annual_limit(POLICY, REPORT_DAY)}
limit_comparison = page_frame(pd.DataFrame(
    {f"{zh}：限额{fmt_yuan(limit)}元 · {en}: limit {fmt_yuan(limit)}": [fmt_yuan(x) for x in outpatient_year(year_of_visits, limit)]
     for (zh, en), limit in limits.items()},
    index=pd.Index(["村卫生室，300元 · village clinic, 300", "乡镇卫生院，400元 · township centre, 400"], name="就医 visit")))
limit_comparison

# %% tags=["remove-cell"]
assert list(limit_comparison.iloc[:, 0]) == ["270.00", "130.00"]
assert list(limit_comparison.iloc[:, 1]) == ["270.00", "230.00"]

# %% [markdown]
# ### 职工医保 · Employees
#
# **解读** <span lang="en">Interpretation.</span> 职工门诊和购药每年最高报销2,000元，比例在50%至70%之间。报道没有说明比例如何确定，
# 因此作为输入 `employee_outpatient_ratio`，须在50%至70%之间（超出范围的拒绝计算并指出条款）。
# <span lang="en">Employees are reimbursed for outpatient visits and drugs up to 2,000 yuan a year, at a
# ratio between 50% and 70%. The report does not say what fixes the ratio within that range, so it is the input
# `employee_outpatient_ratio`, which must lie within 50%–70% (a value outside is refused, naming the clause).</span>
#
# Assumption (one reading: 原文写“報銷額度”，即报销出去的金额 <span lang="en">/ the words say 報銷額度, the amount reimbursed</span>): “每年报销额度为2000元”限制的是每个自然年的报销额，而不是可报销费用。
# <span lang="en">"每年報銷額度為2000元" caps the reimbursement (not the eligible costs) per calendar year.</span>
#
# Assumption (one reading: 报道未提起付线，不自行设定 <span lang="en">/ the report names no deductible, so none is invented</span>): 除非提供 `employee_outpatient_deductible`，否则不扣起付线（报道未提）。
# <span lang="en">no deductible unless `employee_outpatient_deductible` is supplied (the report names none).</span>

# %% tags=["hide-input", "hide-output"]
show_rule(employee_outpatient_reimbursement)

# %% tags=["hide-input"]
employee_examples = cases(P, {
    "1,000元，按60% · 1,000 at 60%": (employee, [visit("2024-09-02", 1000)]),
    "先3,000元后1,000元（达到限额） · 3,000 then 1,000 (limit reached)":
        (employee, [visit("2024-09-02", 3000), visit("2024-10-08", 1000)]),
    "同上，2025年再1,000元 · the same, then 1,000 in 2025": (employee, [visit("2024-09-02", 3000),
                                                              visit("2024-10-08", 1000), visit("2025-01-06", 1000)]),
    "3,333.33元（× 60% = 1,999.998 → 2,000.00），再0.01元 · 3,333.33 (× 60% = 1,999.998 → 2,000.00), then 0.01": (
        employee, [visit("2024-09-02", "3333.33"), visit("2024-09-03", "0.01")]),
}, inputs={"employee_outpatient_ratio": "0.6"}, show=("basic_insurance", "out_of_pocket"))
employee_examples

# %% tags=["remove-cell"]
assert list(employee_examples[BASIC]) == ["600.00", "2,000.00", "2,600.00", "2,000.00"]

# %% tags=["hide-input"]
outcome_table([attempt(f"比例 {ratio} · ratio {ratio}", employee, [visit("2024-09-02", 100)],
                       {"employee_outpatient_ratio": ratio}) for ratio in ("0.5", "0.7", "0.71")])

# %% [markdown]
# ### 试一试：居民一年的门诊 · Try it: a year of resident outpatient visits
#
# 自2024年9月起每月门诊一次，每次费用和机构相同。2025年1月、2月的门诊开始计算新一年的限额。（在本书的静态网页中控件不能运行，
# 显示的是预先计算的结果；如需实时计算，请运行 `make workshop`。）
# <span lang="en">One visit a month from September 2024, each of the same cost at the same facility. The visits in January and
# February 2025 start a new year's limit. (In the static book the controls do not run; the tables above are the
# representative results.)</span>

# %% tags=["hide-input", "nbval-ignore-output"]
facility_box = w.Dropdown(options=[("村卫生室 village clinic", "village"), ("乡镇卫生院 township centre", "township"),
                                   ("二级医院 secondary hospital", "secondary")], value="village",
                          description="机构 Facility", style={"description_width": "10em"})
cost_box = w.BoundedFloatText(value=200, min=0, max=100000, step=10, description="每次费用 Cost (元)",
                              style={"description_width": "10em"})
count_box = w.IntSlider(value=4, min=1, max=6, description="次数 Visits", style={"description_width": "10em"})
visits_out = w.Output()
VISIT_DATES = ["2024-09-02", "2024-10-08", "2024-11-04", "2024-12-02", "2025-01-06", "2025-02-03"]


def visits_table(facility, cost, count):
    claims = [visit(d, f"{cost:.2f}", facility) for d in VISIT_DATES[:count]]
    r = evaluate(parse_scenario({"policy": P, "person": resident, "claims": claims}))
    return result_table(r)[["日期 date", "政策范围内费用 cost", BASIC, OOP]]


def show_visits(_change=None):
    visits_out.outputs = ()
    visits_out.append_display_data(visits_table(facility_box.value, cost_box.value, count_box.value))


for box in (facility_box, cost_box, count_box):
    box.observe(show_visits, names="value")
show_visits()
w.VBox([facility_box, cost_box, count_box, visits_out])

# %% tags=["remove-cell"]
facility_box.value, cost_box.value, count_box.value = "village", 200.0, 6
assert list(visits_table("village", 200.0, 6)[BASIC]) == ["180.00", "180.00", "140.00", "0.00", "180.00", "180.00"]

# %% [markdown]
# ## 第4段 高血压、糖尿病（“两病”） · Hypertension and diabetes

# %% tags=["hide-input"]
show_clause(P, "p4")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 居民在乡村两级医疗机构的高血压、糖尿病门诊费用报销90%。
# <span lang="en">A resident's outpatient care for hypertension or diabetes at village or township level
# (乡村两级) is reimbursed at 90%.</span>
#
# Assumption (one reading: “乡村两级”即村、乡镇两级 <span lang="en">/ 乡村两级 names the village and township levels</span>): “乡村两级”指村卫生室和乡镇卫生院；报道未给出其他级别的比例，因此其他级别拒绝计算。
# <span lang="en">乡村两级 means village clinics and township health centres; the report gives no ratio at other
# levels, so those are refused.</span>
#
# Assumption (one reading: 报道未给出限额和起付线 <span lang="en">/ the report gives no limit or deductible</span>): 不设年度限额和起付线（报道未提）：所得金额是专项待遇任何限额之前的数额。
# <span lang="en">no annual limit or deductible is applied (the report gives none): the amount is before any limit of
# the special benefit.</span>
#
# Assumption (one reading: 原比例不用于任何规则，理解不同也不影响金额 <span lang="en">/ no rule uses the earlier ratio, so the reading changes no amount</span>): “较之前提升了20%”理解为提高20个百分点（原为70%）；若理解为相对提高则为75%。
# 没有规则使用原比例，因此这一理解不影响此处任何结果。
# <span lang="en">"較之前提升了20%" is read as 20 percentage points (an earlier 70%); a relative reading would give
# 75%. No rule uses the earlier ratio, so the reading changes no result here.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(two_diseases_outpatient_reimbursement)

# %% tags=["hide-input"]
def two_diseases(on, insurance, facility, cost):
    try:
        return fmt_yuan(two_diseases_outpatient_reimbursement(POLICY, on, insurance, facility, cost))
    except (InputError, PolicyError) as e:
        return refusal(e)


two_disease_examples = page_frame(pd.DataFrame([
    {"算例 case": name, "报销 reimbursed": two_diseases(on, ins, fac, cost)} for name, on, ins, fac, cost in [
        ("居民，村卫生室，100元 · resident, village clinic, 100", REPORT_DAY, "resident", "village", 100),
        ("居民，乡镇卫生院，233.33元 · resident, township centre, 233.33", REPORT_DAY, "resident", "township", "233.33"),
        ("居民，二级医院 · resident, secondary hospital", REPORT_DAY, "resident", "secondary", 100),
        ("职工，村卫生室 · employee, village clinic", REPORT_DAY, "employee", "village", 100),
        ("居民，村卫生室，2024-08-20（发布会之前） · resident, village, 2024-08-20 (before the press conference)",
         dt.date(2024, 8, 20), "resident", "village", 100),
    ]]).set_index("算例 case"))
two_disease_examples

# %% tags=["remove-cell"]
assert list(two_disease_examples["报销 reimbursed"])[:2] == ["90.00", "210.00"]
assert all(x.startswith("拒绝") for x in list(two_disease_examples["报销 reimbursed"])[2:])

# %% [markdown]
# ## 第5段 产前检查 · Prenatal checks

# %% tags=["hide-input"]
show_clause(P, "p5")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 职工产前检查报销90%，每年最高1,200元。居民产前检查每年最高报销1,100元，
# 普通门诊待遇与新增的产检待遇合并计算。
# <span lang="en">An employee's prenatal checks are reimbursed at 90%, up to 1,200 yuan a year. A resident's
# prenatal checks are reimbursed up to 1,100 yuan a year, counting the general outpatient benefit together with
# the new prenatal benefit.</span>
#
# Assumption (reading p5:prenatal-cap): 职工的1,200元（产检额度）限制每个自然年的报销额，而不是可报销费用
# （按另一种理解，最多支付1,200元的90%，即1,080元）。
# <span lang="en">the employee's 1,200 yuan (产检额度) caps the reimbursement per calendar year, not the eligible
# costs (under the other reading the most paid would be 90% of 1,200 = 1,080).</span>
#
# Assumption (reading p5:resident-prenatal-limit): 居民的1,100元限制每个自然年产前检查的全部报销额；报道未给比例，因此作为输入 `resident_prenatal_ratio`。
# <span lang="en">the resident's 1,100 yuan caps all reimbursement of prenatal checks per calendar year; the ratio is
# not reported, so it is the input `resident_prenatal_ratio`.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(prenatal_care_reimbursement)

# %% tags=["hide-input"]
def prenatal(insurance, visits, ratio=None):
    try:
        return ", ".join(fmt_yuan(x) for x in prenatal_care_reimbursement(POLICY, insurance, visits, ratio))
    except (InputError, PolicyError) as e:
        return refusal(e)


D = dt.date
prenatal_examples = page_frame(pd.DataFrame([
    {"算例 case": name, "每次报销 reimbursed per visit": prenatal(*args)} for name, args in [
        ("职工：800元、800元（达到限额）、次年800元 · employee: 800, 800 (limit), 800 next year",
         ("employee", [(D(2024, 9, 2), 800), (D(2024, 10, 8), 800), (D(2025, 1, 6), 800)])),
        ("职工：1,333.33元（× 90% = 1,199.997 → 1,200.00），再100元 · employee: 1,333.33 (× 90% = 1,199.997 → 1,200.00), then 100",
         ("employee", [(D(2024, 9, 2), "1333.33"), (D(2024, 10, 8), 100)])),
        ("居民，当地比例50%：2,000元，再400元 · resident at a local 50%: 2,000, then 400",
         ("resident", [(D(2024, 9, 2), 2000), (D(2024, 9, 20), 400)], "0.5")),
        ("居民，未提供比例 · resident without the ratio", ("resident", [(D(2024, 9, 2), 100)])),
        ("职工，2024-08-01（报道之前） · employee, 2024-08-01 (before the report)", ("employee", [(D(2024, 8, 1), 100)])),
    ]]).set_index("算例 case"))
prenatal_examples

# %% tags=["remove-cell"]
assert list(prenatal_examples.iloc[:3, 0]) == ["720.00, 480.00, 720.00", "1,200.00, 0.00", "1,000.00, 100.00"]
assert all(x.startswith("拒绝") for x in list(prenatal_examples.iloc[3:, 0]))

# %% [markdown]
# ## 第6段 省外住院 · Inpatient care outside the province

# %% tags=["hide-input"]
show_clause(P, "p6")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 贵州参保人员在省外住院，基本医保对起付线以上的政策范围内费用按60%至80%之间的比例
# 支付。报道没有给出具体比例和降低后的起付线，因此作为输入 `out_of_province_inpatient_ratio`（超出60%至80%的拒绝计算）和
# `out_of_province_inpatient_deductible`。
# <span lang="en">For a Guizhou insured person admitted outside the province, basic insurance pays a ratio
# between 60% and 80% of the policy-range cost above the deductible. The ratio within the range and the lowered
# deductible are not reported: they are the inputs `out_of_province_inpatient_ratio` (refused outside 60%–80%)
# and `out_of_province_inpatient_deductible`.</span>
#
# Assumption (one reading: 就医记录没有地点字段，就医地点由使用者说明 <span lang="en">/ the claim has no place field, so the place is a fact the user states</span>): 就医记录没有地点字段，因此由输入 `inpatient_outside_province` 说明本例的住院发生在省外；
# 在省内住院须提供结算单金额。
# <span lang="en">the claim format has no place field, so the input `inpatient_outside_province` states that the
# scenario's inpatient claims are outside the province; an inpatient stay in Guizhou needs the slip amount.</span>
#
# Assumption (one reading: 报道未给出年度限额，起付线按次住院扣除 <span lang="en">/ the report gives no annual limit, and a deductible is charged per stay</span>): 起付线按每次住院计算，不设年度限额（报道未提）。
# <span lang="en">the deductible is per admission, and no annual limit is applied (the report gives none).</span>

# %% tags=["hide-input", "hide-output"]
show_rule(out_of_province_inpatient_reimbursement)

# %% tags=["hide-input"]
OUT = {"inpatient_outside_province": True, "out_of_province_inpatient_ratio": "0.8",
       "out_of_province_inpatient_deductible": 800}
out_examples = cases(P, {
    "10,800元，按80%，起付线800元 · 10,800 at 80%, deductible 800": (resident, [stay("2024-09-10", 10800)]),
    "500元，低于起付线 · 500, below the deductible": (resident, [stay("2024-09-10", 500)]),
    "两次住院各10,800元（无年度限额） · two stays of 10,800 (no annual limit)":
        (resident, [stay("2024-09-10", 10800), stay("2024-11-10", 10800)]),
}, inputs=OUT, show=("basic_insurance", "out_of_pocket"))
out_examples

# %% tags=["remove-cell"]
assert list(out_examples[BASIC]) == ["8,000.00", "0.00", "16,000.00"]

# %% tags=["hide-input"]
display(outcome_table([attempt("比例0.85 · ratio 0.85", resident, [stay("2024-09-10", 10800)],
                               {**OUT, "out_of_province_inpatient_ratio": "0.85"})]))
undetermined(resident, [stay("2024-09-10", 10800)])   # a stay in Guizhou: the slip amount is needed

# %% [markdown]
# ## 第7段 医疗救助更有力 · More medical assistance

# %% tags=["hide-input"]
show_clause(P, "p7")

# %% [markdown]
# 以下四项措施的引言，无需计算。
# <span lang="en">An introduction to the four measures that follow; nothing to compute.</span>
#
# ## 第8段 拓宽救助范围 · Wider assistance scope

# %% tags=["hide-input"]
show_clause(P, "p8")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 困难职工和防止返贫监测对象（`jiance`）纳入医疗救助对象。门诊慢特病费用、
# 个人负担中的起付线部分和乙类先行自付部分纳入救助范围。
# <span lang="en">Employees in hardship (困难职工) and households monitored against relapse into poverty
# (`jiance`) become medical assistance recipients. Chronic and special disease outpatient costs, the deductible
# part and the category-B self-paid part of the personal burden are brought into the assistance base.</span>
#
# Assumption (reading p8:existing-recipients): “新增纳入”意味着已有救助对象，报道没有列出：默认按其通常含义，特困人员（`tekun`）、
# 低保对象（`dibao`）、低保边缘对象（`dibian`）、因病致贫重病患者（`yinbing_zhipin`）和返贫致贫人口（`fanpin_zhipin`）仍是救助对象；
# 解读 unnamed-undetermined 把这些未点名群体的救助列为待定。
# <span lang="en">"新增纳入" (newly added) implies existing recipient groups, which the report does not name: by default
# those the word usually covers — 特困 (`tekun`), 低保 (`dibao`), 低保边缘 (`dibian`), 因病致贫 (`yinbing_zhipin`) and
# people who fell back into poverty (`fanpin_zhipin`) — remain recipients; reading unnamed-undetermined leaves
# their assistance undetermined.</span>
#
# Assumption (one reading: 报道未给出困难职工的认定标准，是否属于困难职工由使用者说明 <span lang="en">/ the report gives no criteria for 困难职工, so it is a fact the user states</span>): 普通参保人（`general`）只有在输入 `employee_in_hardship` 为“是”时才是救助对象，
# 且只限职工医保参保人；报道没有给出困难职工的认定标准。
# <span lang="en">a `general` person is a recipient only when the input `employee_in_hardship` is true, which is
# allowed only for a person insured as an employee; the report gives no criteria for 困难职工.</span>
#
# Assumption (one reading: “起付线部分”本已在政策范围内个人负担之内，“乙类先行自付”则在其外 <span lang="en">/ 起付线部分 already lies inside the policy-range burden, 乙类先行自付 outside it</span>): 救助基数为
# 经各项保险支付后的全年政策范围内个人负担，加上结算记录中各次就医的先行自付（`pre_self_paid`，乙类先行自付）；
# 缺少该字段的，医疗救助为待定。
# <span lang="en">the
# assistance base is the year's policy-range burden left after the insurances plus the claims' 先行自付
# (`pre_self_paid`, 乙类先行自付) from the settlement record; without that field assistance is 待定.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(medical_assistance_eligibility, medical_assistance_cost_scope)

# %% tags=["hide-input"]
def recipient(category, in_hardship):
    """Whether the rule assists the person: a 20,000 stay (basic 10,000 on the slip) gets assistance or not."""
    person = {"category": category, "insurance": "employee" if in_hardship else "resident"}
    r = evaluate(parse_scenario({"policy": P, "person": person,
                                 "claims": [stay("2024-09-10", 20000, basic_insurance_paid=10000)],
                                 "inputs": {"medical_assistance_ratio": "0.7", "employee_in_hardship": in_hardship}}))
    return r.claims[0]["medical_assistance"] > 0


eligibility = page_frame(pd.DataFrame(
    [{"人员 person": person_label({"category": c}), "困难职工 employee in hardship": h, "救助对象 recipient": recipient(c, h)}
     for c in ("tekun", "dibao", "dibian", "yinbing_zhipin", "jiance", "tufa_kunnan", "general")
     for h in (False, True) if h is False or c == "general"]).set_index("人员 person"))
eligibility

# %% tags=["remove-cell"]
assert list(eligibility["救助对象 recipient"]) == [True, True, True, True, True, True, False, True]

# %% tags=["hide-input"]
page_frame(pd.DataFrame({"救助费用范围 cost scope": [f"{zh} · {en}" for zh, en in medical_assistance_cost_scope()]},
                        index=pd.Index(range(1, 4), name="序号 no.")))

# %% [markdown]
# ## 第9段 提高救助标准 · Higher assistance standards

# %% tags=["hide-input"]
show_clause(P, "p9")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 突发严重困难人员（`tufa_kunnan`）医疗费用救助比例为70%（原为50%）；
# 年度救助限额为5万元。
# <span lang="en">People in sudden serious hardship (`tufa_kunnan`) are assisted at 70% (formerly 50%) of
# their medical costs; the annual assistance limit is 50,000 yuan.</span>
#
# Assumption (one reading: 报道未给出医疗救助起付线 <span lang="en">/ the report gives no assistance deductible</span>): 救助基数为经基本医保和大病保险支付后的政策范围内个人负担，
# 不设救助起付线（报道未提）。
# <span lang="en">the base is the policy-range burden left after basic and critical-illness insurance, with no
# assistance deductible (the report gives none).</span>
#
# Assumption (reading p9:limit-scope): “统一提高到5万元”即各类救助对象统一的年度救助限额为5万元，按每人每个自然年、各次就医共用。
# <span lang="en">"统一提高到5万元" makes 50,000 yuan the one annual limit of every recipient group, per person per
# calendar year, shared by all claims.</span>
#
# Assumption (one reading: 报道未给出这些比例，因此作为输入 <span lang="en">/ the ratios are not reported, so they are inputs</span>): 报道未给出其他救助对象的比例：对他们须提供输入 `medical_assistance_ratio`。
# <span lang="en">other recipients' ratios are not reported: the input `medical_assistance_ratio` is required for them.</span>
#
# Assumption (one reading: 没有日期的数值不适用于任何就医 <span lang="en">/ a value with no dates applies to no claim</span>): 原50%没有日期，因此不适用于任何就医。
# <span lang="en">the earlier 50% has no dates, so it applies to no claim.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(medical_assistance)

# %% [markdown]
# 算例：基本医保取自结算单，以单独检验本条规则（“负担” = 费用 − 基本医保支付额）。
# <span lang="en">Worked examples: basic insurance from the slip, to isolate this rule ("burden" = cost − basic insurance).</span>

# %% tags=["hide-input"]
sudden = {"category": "tufa_kunnan", "insurance": "resident"}
ma_examples = cases(P, {
    "负担4万元 · burden 40,000": (sudden, [stay("2024-09-10", 100000, basic_insurance_paid=60000)]),
    "负担71,428.57元（× 70% = 49,999.999 → 50,000.00） · burden 71,428.57 (× 70% = 49,999.999 → 50,000.00)":
        (sudden, [stay("2024-09-10", "171428.57", basic_insurance_paid=100000)]),
    "负担10万元：超过限额 · burden 100,000: over the limit":
        (sudden, [stay("2024-09-10", 200000, basic_insurance_paid=100000)]),
    "2024年先负担5万元后3万元 · burden 50,000 then 30,000 in 2024":
        (sudden, [stay("2024-09-10", 100000, basic_insurance_paid=50000),
                  stay("2024-11-10", 60000, basic_insurance_paid=30000)]),
    "同上，2025年再3万元 · the same, then 30,000 in 2025": (sudden, [stay("2024-09-10", 100000, basic_insurance_paid=50000),
                                                             stay("2024-11-10", 60000, basic_insurance_paid=30000),
                                                             stay("2025-02-10", 60000, basic_insurance_paid=30000)]),
    "普通居民，负担1万元 · general resident, burden 10,000":
        (resident, [stay("2024-09-10", 20000, basic_insurance_paid=10000)]),
}, show=("medical_assistance", "out_of_pocket"))
ma_examples

# %% tags=["remove-cell"]
assert list(ma_examples[MA]) == ["28,000.00", "50,000.00", "50,000.00", "50,000.00", "71,000.00", "0.00"]

# %% tags=["hide-input"]
earlier = fmt_ratio(reported_earlier_value(POLICY, "medical_assistance.sudden_hardship_ratio").value)
display(HTML(f"<p>{pair(f'此前的比例（报道未给出日期）：{earlier}', f'earlier ratio (no dates): {earlier}')}</p>"))
undetermined({"category": "dibao", "insurance": "resident"}, [stay("2024-09-10", 20000, basic_insurance_paid=10000)])

# %% [markdown]
# ## 第10段 倾斜救助门槛 · The tilted-assistance threshold

# %% tags=["hide-input"]
show_clause(P, "p10")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 倾斜救助原来从超过5万元救助限额的费用起算，现在从**约**1.3万元（“1.3万元左右”）
# 起算。“左右”是约数，因此当地确切门槛作为输入 `tilted_assistance_threshold`；1.3万元只作为报道的约数显示。报道既没有给出倾斜救助
# 比例，也没有给出其限额，二者作为具名输入 `tilted_assistance_ratio` 和 `tilted_assistance_annual_limit`。未提供时，
# 全年个人自付一旦超过门槛，`further_relief` 一项即为待定，规则说明其中超过当地门槛的部分有多少
# （`tilted_assistance_above_threshold`）。
# <span lang="en">Tilted assistance used to start with costs above the 50,000-yuan assistance limit; now it
# starts above a threshold of *about* 13,000 yuan (1.3万元左右). "左右" is approximate, so the exact local
# threshold is the input `tilted_assistance_threshold`; 13,000 is shown only as the reported approximate value.
# The report gives neither the tilted-assistance ratio nor its limit: they are the named inputs
# `tilted_assistance_ratio` and `tilted_assistance_annual_limit`. Without them the `further_relief` layer is 待定
# (undetermined) once the year's out-of-pocket passes the threshold, and the engine says how much of it lies above
# the local threshold (`tilted_assistance_above_threshold`).</span>
#
# Assumption (one reading: 报道未提其他基数；不支付倾斜救助金额，只列出超过门槛的部分 <span lang="en">/ no other base is named, and no tilted amount is paid, only the part above the threshold shown</span>): 新旧两个门槛以同一基数衡量，
# 即经基本医保、大病保险和普通医疗救助后的全年政策范围内个人自付（报道未说明）。
# <span lang="en">both thresholds are measured on the same base, the year's out-of-pocket within the policy range after
# basic insurance, critical-illness insurance and ordinary assistance (the report does not say).</span>
#
# Assumption (reading p10:tilted-base): 只有严格超过门槛的金额才算超过；默认救助超过门槛的部分（与原门槛“超過……的費用”一致），
# 解读 whole-burden 超过后救助全部负担。
# <span lang="en">the threshold is passed only by an amount strictly above it; by default the part above it is
# assisted (as the old threshold's "costs above …" has it), reading whole-burden assists the whole burden once past
# it.</span>
#
# Assumption (reading p10:commercial-place): 倾斜救助默认在商业补充保险之前（第10段只讲基本医保、大病保险和医疗救助之后的负担），
# 商业保险赔付额未给时倾斜救助照算；解读 before-tilted 先扣商业保险。
# <span lang="en">tilted assistance comes before commercial supplementary insurance by default (p10 speaks of the
# burden after basic insurance, critical-illness insurance and assistance only), so it is settled when the
# commercial amount is missing; reading before-tilted takes the commercial payment off first.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(tilted_assistance_eligible_part, tilted_medical_assistance, tilted_assistance_threshold_reached)

# %% tags=["hide-input"]
old_threshold = reported_earlier_value(POLICY, "tilted_assistance.threshold").value
reported_threshold = POLICY.param("tilted_assistance.threshold", REPORT_DAY)
OLD = f"此前：超过{fmt_yuan(old_threshold)}元的部分 · old: above {fmt_yuan(old_threshold)}"
threshold_examples = page_frame(pd.DataFrame([
    {"年度自付 burden": fmt_yuan(Decimal(b)),
     OLD: fmt_yuan(tilted_assistance_eligible_part(b, old_threshold)),
     "现在，当地标准13,000元 · now, local threshold 13,000": fmt_yuan(tilted_assistance_eligible_part(b, 13000)),
     "现在，当地标准12,500元 · now, local threshold 12,500": fmt_yuan(tilted_assistance_eligible_part(b, 12500))}
    for b in ("12000", "13000", "13000.01", "20000", "60000")]).set_index("年度自付 burden"))
kind = both(f"kind.{reported_threshold.kind}", sep=" · ").split(" · ")
display(HTML(f"<p>{pair(f'报道的标准：{fmt_yuan(reported_threshold.value)}元（{kind[0]}：{reported_threshold.quote}）', f'reported: {fmt_yuan(reported_threshold.value)} ({kind[-1]}: {reported_threshold.quote})')}</p>"))
threshold_examples

# %% tags=["remove-cell"]
assert list(threshold_examples["现在，当地标准13,000元 · now, local threshold 13,000"]) == ["0.00", "0.00", "0.01",
                                                                                   "7,000.00", "47,000.00"]
assert OLD.startswith("此前：超过50,000.00元")
assert list(threshold_examples[OLD]) == ["0.00", "0.00", "0.00", "0.00", "10,000.00"]

# %% [markdown]
# 规则中，一名突发严重困难人员两次住院，当地门槛为13,000元：第1次住院，负担40,000元，救助70%即28,000元，剩余12,000元
# （未超过13,000元）；第2次住院，负担10,000元，全年救助为70% × 50,000 = 35,000元，减去已付28,000元，得7,000元，剩余3,000元：
# 全年自付15,000元，超过门槛2,000元。
# <span lang="en">In the engine, across two stays of a person in sudden serious hardship, with a local threshold of 13,000:
# stay 1, burden 40,000, assistance 70% = 28,000, 12,000 left (not above 13,000); stay 2, burden 10,000, the year's
# assistance 70% × 50,000 = 35,000 less 28,000 = 7,000, 3,000 left: the year's 15,000 is 2,000 above the threshold.</span>

# %% tags=["hide-input"]
tilted = evaluate(parse_scenario({"policy": P, "person": sudden, "inputs": {"tilted_assistance_threshold": 13000},
                                  "claims": [stay("2024-09-10", 100000, basic_insurance_paid=60000),
                                             stay("2024-10-10", 20000, basic_insurance_paid=10000)]}))
tilted_rows = page_frame(pd.DataFrame([
    {"就医 claim": c["claim"], "日期 date": c["date"], "自付 out of pocket": fmt_yuan(c["out_of_pocket"]),
     "本年超过标准的部分 above the threshold this year": fmt_yuan(c["tilted_assistance_above_threshold"])}
    for c in tilted.claims]).set_index("就医 claim"))
tilted_rows

# %% tags=["remove-cell"]
assert list(tilted_rows["本年超过标准的部分 above the threshold this year"]) == ["0.00", "2,000.00"]

# %% [markdown]
# ## 第11段 追溯救助 · Retroactive assistance

# %% tags=["hide-input"]
show_clause(P, "p11")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 认定为医疗救助对象前6至12个月内发生的医疗费用，给予追溯救助。报道没有说明6个月
# 还是12个月由什么决定：追溯期作为输入 `retroactive_lookback_months`，超出6至12的拒绝计算。
# <span lang="en">Costs incurred in the 6 to 12 months before a person is recognised as a medical assistance
# recipient are assisted retroactively. What fixes 6 or 12 is not reported: the look-back is the input
# `retroactive_lookback_months`, refused outside 6–12.</span>
#
# Assumption (reading p11:lookback): “6至12个月内”给出的是追溯期的长度（6个月、12个月或其间），而不是只包括发生在6至12个月前的费用、
# 把最近6个月排除在外。
# <span lang="en">"6至12个月内" gives the length of the look-back (6, 12 or between), not a band of costs aged 6 to 12
# months that would leave out the most recent 6 months.</span>
#
# Assumption (one reading: 追溯N个月截至认定日前一天 <span lang="en">/ a look-back of N months ends the day before recognition</span>): 追溯期从认定日前N个月的同一天（含）起，到认定日前一天止；
# 认定日起发生的费用属于普通救助，不是追溯救助。
# <span lang="en">the window runs from the same day N months before recognition (included) to the day before
# recognition; costs from the recognition day on are ordinary assistance, not retroactive.</span>
#
# Assumption (one reading: 该月没有这一天的，以该月最后一天为准 <span lang="en">/ a missing day of the month falls back to the month's last day</span>): 该日不存在的（8月31日往前6个月），追溯期从该月最后一天起算。
# <span lang="en">where that day does not exist (31 August − 6 months), the window starts on the last day of the month.</span>
#
# Assumption (one reading: 报道未给出印发日期 <span lang="en">/ the report gives no issue date</span>): 这一规则只对报道日期以后的认定适用（文件于“今年”即2024年印发，具体日期不详）。
# <span lang="en">the rule is known only for recognitions from the report's date on (the document was issued "今年",
# 2024, on a date not given).</span>

# %% tags=["hide-input", "hide-output"]
show_rule(retroactive_window, retroactive_medical_assistance)

# %% tags=["hide-input"]
def retro(cost_day, recognised, months):
    try:
        return retroactive_medical_assistance(POLICY, cost_day, recognised, months)
    except (InputError, PolicyError) as e:
        return refusal(e)


recognised = D(2024, 9, 15)
retro_examples = page_frame(pd.DataFrame([
    {"费用日期 cost date": str(c), "认定日期 recognised": str(r), "追溯月数 look-back (months)": m,
     "追溯救助 retroactive": retro(c, r, m)}
    for c, r, m in [(D(2024, 3, 15), recognised, 6), (D(2024, 3, 14), recognised, 6), (D(2024, 9, 14), recognised, 6),
                    (D(2024, 9, 15), recognised, 6), (D(2023, 9, 15), recognised, 12), (D(2023, 9, 14), recognised, 12),
                    (D(2025, 2, 28), D(2025, 8, 31), 6), (D(2024, 6, 1), recognised, 13),
                    (D(2024, 6, 1), D(2024, 8, 20), 6)]]))
retro_examples

# %% tags=["remove-cell"]
assert list(retro_examples["追溯救助 retroactive"])[:7] == [True, False, True, False, True, False, True]
assert all(str(x).startswith("拒绝") for x in list(retro_examples["追溯救助 retroactive"])[7:])

# %% [markdown]
# ### 试一试：哪些费用可以追溯救助？ · Try it: which costs are assisted retroactively?

# %% tags=["hide-input", "nbval-ignore-output"]
recognised_box = w.DatePicker(value=D(2024, 9, 15), description="认定日期 Recognised", style={"description_width": "10em"})
months_box = w.IntSlider(value=6, min=6, max=12, description="追溯期 Months", style={"description_width": "10em"})
window_out = w.Output()


def window_text(on, months) -> tuple[str, str]:
    """(Chinese, English): the costs assisted retroactively, or the engine's refusal."""
    try:
        first, last = retroactive_window(POLICY, on, months)
    except (InputError, PolicyError) as e:
        return f"拒绝：{e.zh or e}", f"refused: {e}"
    return f"{first}至{last}发生的费用追溯给予救助", f"costs from {first} to {last} are assisted retroactively"


def show_window(_change=None):
    window_out.outputs = ()
    if recognised_box.value is not None:
        window_out.append_display_data(HTML(f"<p>{pair(*window_text(recognised_box.value, months_box.value))}</p>"))


recognised_box.observe(show_window, names="value")
months_box.observe(show_window, names="value")
show_window()
w.VBox([recognised_box, months_box, window_out])

# %% tags=["remove-cell"]
months_box.value = 12
assert window_text(D(2024, 9, 15), 12) == ("2023-09-15至2024-09-14发生的费用追溯给予救助",
                                           "costs from 2023-09-15 to 2024-09-14 are assisted retroactively")

# %% [markdown]
# ## 第12段 经办服务 · Administrative services
#
# 服务统计数字，作为事实记录在本页上方的表格中；无需计算。
# <span lang="en">Service statistics, recorded as facts in the table near the top of this page; nothing to compute.</span>

# %% tags=["hide-input"]
show_clause(P, "p12")

# %% [markdown]
# ## 完整算例及其追溯 · A whole case with its trace
#
# 一名突发严重困难人员，参加居民医保，2024年10月在省外住院，费用10万元；当地省外住院报销比例70%，起付线1,000元，当地倾斜救助门槛
# 13,000元（即 `examples/guizhou-sudden-hardship-out-of-province.json` 的情形）。
# <span lang="en">A person in sudden serious hardship, insured as a resident, admitted outside the province in October 2024 for
# 100,000 yuan; local out-of-province ratio 70%, deductible 1,000, local tilted-assistance threshold 13,000 (the
# scenario of `examples/guizhou-sudden-hardship-out-of-province.json`).</span>

# %% tags=["hide-input"]
whole = evaluate(parse_scenario({"policy": P, "person": sudden, "claims": [stay("2024-10-08", 100000)],
                                 "inputs": {"inpatient_outside_province": True, "out_of_province_inpatient_ratio": "0.7",
                                            "out_of_province_inpatient_deductible": 1000,
                                            "tilted_assistance_threshold": 13000}}))
result_table(whole).T

# %% tags=["hide-input"]
trace_table(whole)

# %% tags=["remove-cell"]
assert [whole.totals[k] for k in ("basic_insurance", "medical_assistance", "out_of_pocket")] == \
    [Decimal("69300.00"), Decimal("21490.00"), Decimal("9210.00")]

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
# ### 第二次阅读 Second reading
#
# 另一位读者没有看过代码，只据原文独立设计并手算了一组案例（案例集中标 `origin: second-reading`）。首次运行时与引擎
# 不一致的，每一处都有结局：修正引擎、编为命名解读（案例按读者的选项运行），或记录决定（写明理由）。
#
# A reader who had not seen the code designed and worked a set of cases from the text alone (marked
# `origin: second-reading` in the casebook). Each disagreement at the first run ended as a fix to the engine, a
# named reading (the case runs the reader's option) or a recorded decision with its reason.

# %% tags=["hide-input"]
from medrules.publish.second_reading import second_reading_table

second_reading_table(P)

# %% [markdown]
# ## 待明确问题与存疑 Open questions and uncertain notes
#
# 各条款的存疑之处（对文字或数额理解上的不确定）和条文未回答的问题，按条款列出，一条不漏。
#
# Every clause's uncertain notes (doubts about the words or figures) and the questions the text leaves open, by
# clause, none left out.

# %% tags=["hide-input"]
uncertain_notes(P)
