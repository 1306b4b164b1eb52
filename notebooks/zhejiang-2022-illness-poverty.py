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
# # 浙江 2022 · 因病致贫返贫防范长效机制（新闻报道） · Zhejiang 2022 (news report)
#
# **《浙江省构建因病致贫返贫防范长效机制实施方案（2022—2025年）》**，据中国新闻网**2022-07-13杭州电**报道（种子文件 `000_b865134ce9455634.txt`，
# 为聚合网站的转载）。方案原文、发文机关、文号和日期均不见于来源（“近日浙江出台”）。
# <span lang="en">**浙江省构建因病致贫返贫防范长效机制实施方案(2022—2025年)** — Zhejiang's implementation plan for a long-term
# mechanism to prevent poverty and relapse into poverty caused by illness, 2022–2025, **as reported by China News
# Service from Hangzhou on 2022-07-13** (seed `000_b865134ce9455634.txt`, a republication on an aggregator site).
# The plan's own text, issuing body, document number and dates are not in the source ("近日浙江出台").</span>
#
# 可以计算的是：困难群众群体的三项**指标**，以及方案为2022年底和2025年设定的**目标**。报道列出了指标名称，但**没有给出定义**，因此下文每个计算公式
# 都是明确列出的假设（假设 Assumption:），并与其产生的结果并列显示。
# <span lang="en">What can be computed: three **indicators** for a population of people in hardship and the **targets** the plan
# sets for them at the end of 2022 and in 2025. The report names the indicators but **does not define them**, so
# every formula below is an explicit `Assumption:`, shown next to the result it produces.</span>
#
# **日期。** 目标自报道日期起适用（`reported_in_force_on: 2022-07-13`）：报道没有给出起始日期，因此2022-07-13以前不知有任何目标。2022年底的目标适用至
# 2022-12-31（“到今年年底”）；2025年的目标（“到2025年”）以2025自然年为期，因此两者都不回答2023年或2024年的情况。
# <span lang="en">**Dates.** The targets are dated from the report (`reported_in_force_on: 2022-07-13`): the report gives no start
# date, so no target is known before 2022-07-13. The end-2022 targets hold to 2022-12-31 (到今年年底); the 2025
# targets (到2025年) are dated as the calendar year 2025, so neither answers for 2023 or 2024.</span>

# %% tags=["remove-cell"]
import csv
import io
from decimal import Decimal

import ipywidgets as w
import pandas as pd

from medrules.publish.display import outcome_table, page_frame, try_outcome
from medrules.publish.report import clause_table, inputs_table, parameter_table, show_clause, show_rule
from medrules.rules.zhejiang_2022_illness_poverty import (comprehensive_protection_rate, illness_poverty_targets,
                                                          parse_people, personal_burden_rate,
                                                          subsidised_enrolment_rate)
from medrules.core.scenario import InputError

P = "zhejiang-2022-illness-poverty"
pd.set_option("display.max_colwidth", None)  # formulas, reasons and case names in full


def pct(rate):
    """A rate for display, to 0.01% (the comparison with the target uses the exact rate)."""
    return "—" if rate is None else f"{(rate * 100).quantize(Decimal('0.01'))}%"


def target_table(rows):
    """illness_poverty_targets' rows as a table: indicator, formula, numerator/denominator, rate, target, met."""
    yes_no = {True: "达标 · met", False: "未达标 · not met", None: "—"}
    sign = {"floor": "≥", "exact": "≥", "ceiling": "≤", None: ""}
    # The formula is the rule's own words (English): in Chinese the cell points to the Assumption above it.
    return page_frame(pd.DataFrame([{
        "指标 indicator": r["indicator"], "公式（假设） formula (Assumption)": f"按上文假设计算 · {r['formula']}",
        "分子 numerator": f"{r['numerator']:,}", "分母 denominator": f"{r['denominator']:,}", "比率 rate": pct(r["rate"]),
        "目标 target": "未规定 · none stated" if r["target"] is None else f"{sign[r['kind']]} {pct(r['target'])}",
        "达标 met": yes_no[r["met"]], "条款 clause": f"`{r['clause']}`" if r["clause"] else "—"}
        for r in rows]).set_index("指标 indicator"))


def person(total, three, enrolled=True, **more):
    """A person whose three systems paid `three` of `total` (split: basic 60%, critical illness 0, assistance rest)."""
    basic = (Decimal(three) * Decimal("0.6")).quantize(Decimal("0.01"))
    return {"enrolled_with_subsidy": enrolled, "total_cost": str(total), "basic_insurance_paid": str(basic),
            "critical_illness_paid": "0", "medical_assistance_paid": str(Decimal(three) - basic), **more}


# %% [markdown]
# ## 参数、输入与条款一览 · Parameters, inputs and clauses at a glance

# %% tags=["hide-input"]
parameter_table(P)

# %% [markdown]
# 报道未明确的内容。这里不是金额，而是**计算公式的选择**；每一项都是下文函数的参数，其默认值是使用该参数的小节中列明的假设。
# <span lang="en">What the report leaves open. Here these are not amounts but **choices of formula**; each is an argument of the
# functions below, and its default is an `Assumption:` stated in the section that uses it.</span>

# %% tags=["hide-input"]
inputs_table(P)

# %% tags=["hide-input"]
clause_table(P)

# %% [markdown]
# ## 标题 · Headline

# %% tags=["hide-input"]
show_clause(P, "title")

# %% [markdown]
# 重复第1段的100%目标，参数记在第1段。
# <span lang="en">Repeats the 100% target of 第1段, which carries the parameter.</span>
#
# ## 第1段 实施方案及年底目标 · The plan and its end-of-year targets

# %% tags=["hide-input"]
show_clause(P, "p1")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 到2022年底（“今年年底”，报道日期为2022-07-13），三项比率要达到目标：困难群众资助参保率100%，
# 符合条件的因病困难群众基本生活保障率100%，医疗费用综合保障率80%以上（第7段重申，在该段编码）。
# <span lang="en">By the end of 2022 (今年年底, the report being of 2022-07-13) three rates are to reach their
# targets: subsidised enrolment 100%, basic-living security of eligible people 100%, comprehensive protection 80% or
# more (repeated in 第7段, encoded there).</span>
#
# Assumption (one reading: “资助参保率”的名称已说明统计口径，困难群众名单由使用者提供 <span lang="en">/ the name 资助参保率 says what is counted; who is in hardship is the list the user gives</span>): 资助参保率 = 获得**资助参加**基本医疗保险的困难群众人数 ÷ 困难群众人数；
# 所给名单中的每个人都视为有资格获得资助的困难群众（报道既没有给出公式，也没有界定人群）。
# <span lang="en">资助参保率 = the number of people in hardship enrolled in basic medical insurance **with a premium
# subsidy** ÷ the number of people in hardship; every person in the list given is taken to be a person in hardship
# entitled to the subsidy (the report defines neither the formula nor the group).</span>
#
# Assumption (one reading: 比率不可能超过100% <span lang="en">/ a rate cannot exceed 100%</span>): “达到100%”只有恰为100%才算达到（比率不可能超过100%）。
# <span lang="en">"达到100%" is met only at 100% exactly (a rate cannot exceed it).</span>
#
# Assumption (one reading: 报道没有给出该指标的2025年目标 <span lang="en">/ the report states no 2025 target for it</span>): 报道没有给出2025年的资助参保率目标，因此2025年不作检查（不假定沿用）。
# <span lang="en">the report states no 2025 target for subsidised enrolment, so for 2025 none is checked (not assumed
# to continue).</span>
#
# **不计算：基本生活保障率**（符合条件的因病困难群众的基本生活保障率）。报道没有说明符合哪些条件、保障内容是什么，因此没有可以统计的分子和分母。
# <span lang="en">**Not computed: 基本生活保障率** (basic-living-security rate of eligible people in hardship because of illness).
# The report does not say which conditions (符合条件) make a person eligible nor what the security consists of, so
# there is no numerator or denominator to count.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(subsidised_enrolment_rate)

# %% tags=["hide-input"]
enrolment_examples = page_frame(pd.DataFrame([
    {"算例 case": name, "人数 people": n, "资助参保人数 enrolled with a subsidy": k,
     "资助参保率 subsidised enrolment rate": pct(subsidised_enrolment_rate(
         [person(1000, 800)] * k + [person(1000, 800, False)] * (n - k)).rate),
     "达到2022年底目标 end-2022 target met": illness_poverty_targets(
         [person(1000, 800)] * k + [person(1000, 800, False)] * (n - k), "end-2022")[0]["met"]}
    for name, n, k in [("十人全部 · all ten", 10, 10), ("十人中九人 · nine of ten", 10, 9),
                       ("1,000人中999人 · 999 of 1,000", 1000, 999)]
]).set_index("算例 case"))
enrolment_examples

# %% tags=["remove-cell"]
assert list(enrolment_examples["资助参保率 subsidised enrolment rate"]) == ["100.00%", "90.00%", "99.90%"]
assert list(enrolment_examples["达到2022年底目标 end-2022 target met"]) == [True, False, False]

# %% [markdown]
# ## 第2段 五项具体任务 · Five specific tasks

# %% tags=["hide-input"]
show_clause(P, "p2")

# %% [markdown]
# 列出以下各段所述的五项任务；无需计算。
# <span lang="en">Lists the five tasks the next paragraphs describe; nothing to compute.</span>
#
# ## 第3段 主动发现、精准识别 · Proactive discovery and precise identification

# %% tags=["hide-input"]
show_clause(P, "p3")

# %% [markdown]
# **无法编码。** 建立因病致贫和因病返贫双预警机制，但报道没有给出触发预警的标准（费用金额或占收入的比例），也没有说明谁属于重点监测对象。没有这些标准就无法
# 标记任何人；缺少的标准列为输入 `illness_poverty.early_warning_threshold`，以免遗忘，但不使用。
# <span lang="en">**Not encodable.** A dual early warning (因病致贫 and 因病返贫) is set up, but the report gives no threshold that
# triggers either warning (an expense amount or a share of income), nor who counts as a 重点监测对象. Without them
# no person can be flagged; the missing threshold is listed as the input `illness_poverty.early_warning_threshold`
# so that it is not forgotten, and it is not used.</span>
#
# ## 第4段 分层减负 · Tiered burden reduction

# %% tags=["hide-input"]
show_clause(P, "p4")

# %% [markdown]
# 提出方向（统一特殊病种目录、认定标准和待遇；合力化解高额负担），但没有病种目录、认定标准、待遇水平或各层之间的任何门槛：无需计算。
# <span lang="en">A direction (unify the special-disease list, criteria and benefits; resolve high burdens together) without the
# list, the criteria, the benefit levels or any threshold between the tiers: nothing to compute.</span>
#
# ## 第5段 数字化协同应用 · Collaborative digital application

# %% tags=["hide-input"]
show_clause(P, "p5")

# %% [markdown]
# 数字化服务；无需计算。
# <span lang="en">Digital services; nothing to compute.</span>
#
# ## 第6段 2022年和2025年总体目标 · Overall goals for 2022 and 2025

# %% tags=["hide-input"]
show_clause(P, "p6")

# %% [markdown]
# 定性目标；数字目标在第1段和第7段。本段点名了**三重制度**（基本医疗保险、大病保险、医疗救助），第7段衡量的正是其综合保障；并为2025年在其旁加上慈善和商业保险——
# 下文综合保障率的公式据此确定。
# <span lang="en">Qualitative goals; the numeric targets are in 第1段 and 第7段. This paragraph names the **three systems**
# (三重制度: basic medical insurance, critical-illness insurance, medical assistance) whose combined protection
# (综合保障) 第7段 measures, and for 2025 sets charity and commercial insurance beside them — which the formula of
# 综合保障率 below follows.</span>
#
# ## 第7段 综合保障率和个人负担率目标 · Targets for the comprehensive protection and personal burden rates

# %% tags=["hide-input"]
show_clause(P, "p7")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 困难群众医疗费用综合保障率，2022年底达到80%以上，2025年达到85%以上（下限：“以上”，恰在线上即达到）；
# 个人负担率2022年底控制在20%以内，2025年控制在15%以内（上限：“以内”，恰在线上即达到）。
# <span lang="en">For people in hardship, the comprehensive protection rate of medical expenses is to be at
# least 80% by the end of 2022 and at least 85% by 2025 (floors: 以上, met at the line); the personal burden rate
# at most 20% by the end of 2022 and at most 15% by 2025 (ceilings: 以内, met at the line).</span>
#
# Assumption (reading p7:protection-payers): 综合保障率 = Σ（基本医保 + 大病保险 + 医疗救助支付额）÷ Σ 医疗费用——即第6段所说
# “三重制度综合保障”的三项制度。只有选择 `payers="all_recorded"`（输入 `illness_poverty.protection_payers`）时才计入慈善和商业保险。
# <span lang="en">综合保障率 = Σ (basic insurance + critical-illness insurance + medical assistance paid) ÷ Σ medical
# expenses — the three systems that 第6段 names as 三重制度 综合保障. Charity and commercial insurance are counted
# only with `payers="all_recorded"` (input `illness_poverty.protection_payers`).</span>
#
# Assumption (one reading: 个人负担即各方均未支付的部分；费用基数按p7:expense-base这一理解 <span lang="en">/ what people still pay is what no payer paid; the expense base is the p7:expense-base reading</span>): 个人负担率 = Σ（医疗费用 − 所有已记录的支付：三项制度、慈善、商业保险）÷ Σ 医疗费用，
# 即个人仍需自付的部分。没有慈善或商业保险支付时，它等于100%减综合保障率，与报道中80/20、85/15的配对一致。
# <span lang="en">个人负担率 = Σ (medical expenses − every recorded payment: the three systems, charity, commercial
# insurance) ÷ Σ medical expenses, i.e. what people still pay themselves. With no charity or commercial payment
# it is 100% − 综合保障率, as the report's pairs 80/20 and 85/15 suggest.</span>
#
# Assumption (reading p7:expense-base): “医疗费用”指医疗总费用（`base="total"`）；`base="policy_range"` 则改用政策范围内费用
# （输入 `illness_poverty.rate_denominator`）。
# <span lang="en">"医疗费用" is total medical expenses (`base="total"`); `base="policy_range"` uses expenses within the
# policy range instead (input `illness_poverty.rate_denominator`).</span>
#
# Assumption (reading p7:aggregation): 两项比率都是对整个群体的合计（Σ分子 ÷ Σ分母），而不是个人比率的平均值，
# 期间为合计所覆盖的期间（2022年底的检查为一个自然年）。
# <span lang="en">both rates are aggregate over the population (Σ numerators ÷ Σ denominators), not the mean of
# per-person rates, and over the period the totals cover (a calendar year for the end-2022 check).</span>
#
# Assumption (one reading: 目标值在2025年内每一天都相同 <span lang="en">/ the target value is the same on every day of 2025</span>): “到2025年”以2025年的数值检查；报道没有说明是2025年初还是年底
# （2025年内任何一天数值相同）。2023年、2024年不检查目标。
# <span lang="en">"到2025年" is checked with the 2025 values; the report does not say whether at the start or the end of
# 2025 (the value is the same on any day of 2025). No target is checked for 2023 or 2024.</span>
#
# Assumption (one reading: “达到”“以上”“以内”均含本数，比较按算术精确进行 <span lang="en">/ 达到/以上/以内 include the line, and the comparison is arithmetic</span>): 比率与目标精确比较（80.000%达到，79.999…%未达到）；
# 表中四舍五入显示到0.01%。
# <span lang="en">a rate is compared exactly with its target (80% is met by 80.000%, missed by 79.999…%); the tables
# show it rounded to 0.01%.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(comprehensive_protection_rate, personal_burden_rate, illness_poverty_targets)

# %% [markdown]
# ### 算例 · Worked examples
#
# 每个群体是按人列出的合计数。十个人、每人医疗费用10,000元、其中三项制度支付8,000元的群体，恰好达到2022年底的标准：
# <span lang="en">Each population is a list of per-person totals. A population of ten people, each with 10,000 yuan of expenses
# of which the three systems paid 8,000, is exactly at the end-2022 line:</span>

# %% tags=["hide-input"]
at_line = [person(10000, 8000)] * 10
at_line_2022 = target_table(illness_poverty_targets(at_line, "end-2022"))
at_line_2022

# %% tags=["remove-cell"]
assert list(at_line_2022["比率 rate"]) == ["100.00%", "80.00%", "20.00%"]
assert list(at_line_2022["达标 met"]) == ["达标 · met", "达标 · met", "达标 · met"]

# %% [markdown]
# 同一群体对照2025年的目标（报道未给出2025年的资助参保率目标）：
# <span lang="en">The same population against the 2025 targets (no subsidised-enrolment target is stated for 2025):</span>

# %% tags=["hide-input"]
at_line_2025 = target_table(illness_poverty_targets(at_line, "2025"))
at_line_2025

# %% tags=["remove-cell"]
assert list(at_line_2025["目标 target"]) == ["未规定 · none stated", "≥ 85.00%", "≤ 15.00%"]
assert list(at_line_2025["达标 met"]) == ["—", "未达标 · not met", "未达标 · not met"]

# %% [markdown]
# 临界情形，每行一个群体（综合保障率 / 个人负担率的判断）：
# <span lang="en">The edges, one population per row (verdicts for 综合保障率 / 个人负担率):</span>

# %% tags=["hide-input"]
def verdict(people, target, **kw):
    rows = illness_poverty_targets(people, target, **kw)
    return {"综合保障率 protection rate": pct(rows[1]["rate"]), "个人负担率 burden rate": pct(rows[2]["rate"]),
            "综合保障率达标 protection met": MET[rows[1]["met"]], "个人负担率达标 burden met": MET[rows[2]["met"]]}


MET = {True: True, False: False, None: "—"}
TARGET_NAMES = {"end-2022": "2022年底 · end-2022", "2025": "2025年 · 2025"}
edge_cases = page_frame(pd.DataFrame([{"算例 case": name, "目标 target": TARGET_NAMES[target], **verdict(people, target, **kw)}
                                      for name, people, target, kw in [
    ("10万元中三重制度支付8万元：恰在线上 · 80,000 of 100,000: at the line", [person(100000, 80000)], "end-2022", {}),
    ("10万元中支付79,999.99元：差1分 · 79,999.99 of 100,000: a fen below", [person(100000, "79999.99")], "end-2022", {}),
    ("10万元中支付8.5万元：恰在2025年线上 · 85,000 of 100,000: at the 2025 line", [person(100000, 85000)], "2025", {}),
    ("10万元中支付84,999.99元 · 84,999.99 of 100,000", [person(100000, "84999.99")], "2025", {}),
    ("8万元加慈善5,000元，只计三重制度 · 80,000 + 5,000 charity, three systems counted",
     [person(100000, 80000, charity_paid="5000")], "2025", {}),
    ("8万元加慈善5,000元，计入全部支付方 · 80,000 + 5,000 charity, all payers counted",
     [person(100000, 80000, charity_paid="5000")], "2025", {"payers": "all_recorded"}),
    ("10万元支付90%、1万元支付50%：合计而非平均 · 90% of 100,000 and 50% of 10,000: summed, not averaged",
     [person(100000, 90000), person(10000, 5000)], "2025", {}),
    ("政策范围内费用9万元中支付8万元 · 80,000 of a policy range of 90,000",
     [person(100000, 80000, policy_range_cost="90000")], "2025", {"base": "policy_range"}),
    ("没有任何费用 · no expenses at all", [person(0, 0)], "end-2022", {}),
]]).set_index("算例 case"))
edge_cases

# %% tags=["remove-cell"]
assert list(edge_cases["综合保障率达标 protection met"]) == [True, False, True, False, False, True, True, True, "—"]
assert list(edge_cases["个人负担率达标 burden met"]) == [True, False, True, False, True, True, True, True, "—"]
assert list(edge_cases["综合保障率 protection rate"]) == ["80.00%", "80.00%", "85.00%", "85.00%", "80.00%", "85.00%",
                                                      "86.36%", "88.89%", "—"]

# %% [markdown]
# 注意第二行和第四行：四舍五入后显示为80.00%和85.00%，但精确比率79.99999%和84.99999%低于标准线，因此未达到目标。
# <span lang="en">Note the second and fourth rows: the rates show as 80.00% and 85.00% rounded, but the exact rates, 79.99999% and
# 84.99999%, are below the lines, so the targets are missed.</span>
#
# 错误输入拒绝计算，并指出行和字段：
# <span lang="en">Bad input is refused with the row and field named:</span>

# %% tags=["hide-input"]
outcome_table([
    try_outcome(name, lambda people=people, target=target: illness_poverty_targets(people, target))
    for name, people, target in [
        ("缺少支付额 · payments missing", [{"enrolled_with_subsidy": True, "total_cost": "1000"}], "end-2022"),
        ("支付额超过总费用 · payments above the total", [person(1000, 800, total_cost="500")], "end-2022"),
        ("是否资助参保写成 yes · enrolled given as yes", [person(1000, 800, enrolled="yes")], "end-2022"),
        ("目标年份2023 · target 2023", at_line, "2023")]])

# %% [markdown]
# ### 用自己的数据试一试 · Try it with your own population
#
# 以CSV格式粘贴按人合计的数据（每人一行：是否获资助参保、医疗总费用、基本医保、大病保险、医疗救助、慈善、商业保险），选择目标和计入保障的支付方，
# 表格即重新计算（费用为医疗总费用）。在本书的静态网页中控件不能运行，显示的是预先计算的结果；如需实时计算，请在本机项目目录中运行 `make workshop`。
# <span lang="en">Paste per-person totals as CSV (one person a line: enrolled with a subsidy yes/no, total expenses, basic
# insurance, critical-illness insurance, medical assistance, charity, commercial insurance), choose the target
# and which payers count as protection, and the table is recomputed (expenses are total expenses). In the static book the controls cannot run: the tables
# above are the representative results.</span>

# %% tags=["hide-input", "nbval-ignore-output"]
COLUMNS = ("enrolled_with_subsidy", "total_cost", "basic_insurance_paid", "critical_illness_paid",
           "medical_assistance_paid", "charity_paid", "commercial_insurance_paid")


class TargetCheck:
    """CSV of per-person totals → the indicators and targets (set on an Output widget, not captured)."""

    def __init__(self):
        self.csv = w.Textarea(value="yes,100000,50000,15000,15000,0,0\nyes,20000,12000,0,4000,1000,0\n"
                                    "no,5000,3000,0,500,0,0",
                              description="people", layout=w.Layout(width="48em", height="8em"))
        self.target = w.Dropdown(options=["end-2022", "2025"], value="end-2022", description="target")
        self.payers = w.Dropdown(options=[("three systems", "three_systems"), ("all recorded", "all_recorded")],
                                 value="three_systems", description="payers")
        self.out = w.Output()
        for c in (self.csv, self.target, self.payers):
            c.observe(lambda _change: self.recompute(), names="value")
        self.recompute()

    def people(self):
        rows = []
        for line in csv.reader(io.StringIO(self.csv.value)):
            if not line:
                continue
            row = dict(zip(COLUMNS, (cell.strip() for cell in line)))
            row["enrolled_with_subsidy"] = {"yes": True, "no": False}.get(row["enrolled_with_subsidy"].lower(),
                                                                          row["enrolled_with_subsidy"])
            rows.append(row)
        return rows

    def table(self):
        try:
            return target_table(illness_poverty_targets(self.people(), self.target.value, payers=self.payers.value))
        except (InputError, KeyError) as e:
            return f"输入有误 Input problem: {e}"

    def recompute(self):
        from IPython.display import HTML
        from medrules.core.messages import pair
        shown = self.table()
        if isinstance(shown, str):  # a refusal: the engine's words behind the 输入有误 label
            shown = HTML(f"<p>{pair('输入有误：', 'Input problem: ')}{pair('', shown.split(': ', 1)[1])}</p>")
        self.out.outputs = ()
        self.out.append_display_data(shown)

    def view(self):
        return w.VBox([self.csv, w.HBox([self.target, self.payers]), self.out])


target_check = TargetCheck()
target_check.view()

# %% tags=["remove-cell"]
# Default population: three systems 80,000 + 16,000 + 3,500 = 99,500 of 125,000 = 79.6%; burden 24,500 = 19.6%;
# enrolled 2 of 3.
table = target_check.table()
assert list(table["比率 rate"]) == ["66.67%", "79.60%", "19.60%"]
assert list(table["达标 met"]) == ["未达标 · not met", "未达标 · not met", "达标 · met"]
check = TargetCheck()  # a second instance, so that the one shown keeps its starting values
check.csv.value = "yes,100,80,0,0,0,0\nyes,100,x,0,0,0,0"
assert "people[1].basic_insurance_paid" in check.table()
check.csv.value = "yes,100,80,0,0,0,0"
check.target.value = "2025"
assert list(check.table()["达标 met"]) == ["—", "未达标 · not met", "未达标 · not met"]

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
