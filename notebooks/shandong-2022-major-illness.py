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
# # 山东 2022 · 重特大疾病医疗保险和救助（新闻报道的英文机器翻译） · Shandong 2022 (press report, machine-translated)
#
# **《关于健全重特大疾病医疗保险和救助制度的实施意见》（山东省）**，据山东省医疗保障局局长在**2022-09-05省政府新闻发布会**上的解读。
# <span lang="en">Shandong's Implementation Opinions on improving the medical insurance and assistance system for major and
# catastrophic diseases, **as explained at a provincial press conference on 2022-09-05** by the director of the
# Shandong Healthcare Security Administration.</span>
#
# **请先注意：来源不可靠。** 种子文件（`003_ee554ad19588e41c.txt`）是一篇中文新闻报道的**英文机器翻译**，不是《实施意见》本身。
# 语句多有错乱，至少丢失了两个数字（大病保险支付比例的提高幅度；一项监测标准所占比例）。下文每一条先给出**参考译文**：
# 据该英文机器翻译和校正后的英文理解译成中文，不是原文，数字已与来源逐一核对，〔〕内为据上下文补出或译文缺失之处；
# 选择“双语”可在旁边看到来源的英文原样和校正后的理解。译文掩盖原意之处都列在各条的存疑中。《实施意见》的中文标题、文号和日期均不见于来源。
# <span lang="en">**Read this first: the source is weak.** The seed (`003_ee554ad19588e41c.txt`) is an *English machine
# translation* of a Chinese press report, not the Opinions themselves. Sentences are garbled and at least two
# numbers were lost (the critical-illness ratio increase; a monitoring threshold share). Each clause below opens
# with a Chinese reference rendering (参考译文) made from that English text and the corrected reading, not the
# original; the source exactly as machine-translated and the corrected reading sit beside it in 双语, and
# every place where the translation hides the meaning is listed in `policies/shandong-2022-major-illness/clauses.yaml`
# (`uncertain`). The Opinions' Chinese title, document number and dates are not in the source.</span>
#
# **日期。** 报道没有给出起止日期。规则把报道日期**2022-09-05**视为已知规则有效的第一天：**早于2022-09-05的就医无法计算**
# （拒绝计算并说明日期），也不设终止日期。
# <span lang="en">**Dates.** The report gives no start and no end date. The engine treats the report date, **2022-09-05**, as the
# first day the rules are known to be in force: **claims dated before 2022-09-05 cannot be evaluated** (they are
# refused with a message naming the date), and no end date is applied.</span>
#
# **算例中的输入。** 报道未给出的数值（大病保险原起付线和比例、比例提高幅度、“负担仍较重”的标准、收入），算例使用各节注明的**演示值**，
# 不是山东的实际标准。
# <span lang="en">**Inputs in the examples.** Where the report gives no value (the critical-illness base deductible and ratio, the
# size of the ratio increase, the "still heavy" threshold, the incomes), the worked examples use *illustrative*
# values named in each section. They are not Shandong's real values.</span>

# %% tags=["remove-cell"]
import datetime as dt
from decimal import Decimal

import ipywidgets as w
import pandas as pd

from medrules import evaluate, load_policy, parse_scenario
from medrules.core.categories import CATEGORIES
from medrules.publish.layer_order import layer_order_diagram
from medrules.publish.report import (cases, shown, clause_table, inputs_table, parameter_table, result_table, show_clause,
                             show_rule, trace_table)
from medrules.rules.shandong_2022_major_illness import (basic_insurance, critical_illness_insurance,
                                                        critical_illness_tilt, early_warning, enrolment_subsidy,
                                                        illness_poverty_assistance, illness_poverty_early_warning,
                                                        in_force, key_group_assistance, marginal_assistance,
                                                        medical_assistance, medical_assistance_eligibility,
                                                        supplementary_insurance, tilted_medical_assistance)
from medrules.core.money import fmt_yuan
from medrules.core.rulebook import LAYER_LABELS
from medrules.core.scenario import InputError
from medrules.publish.display import outcome_table, page_frame, try_outcome

P = "shandong-2022-major-illness"
pd.set_option("display.max_colwidth", None)  # formulas, reasons and case names in full
CI, MA, SUPP, RELIEF, OOP = ("大病保险 critical-illness insurance", "医疗救助 medical assistance",
                             "商业补充保险 supplementary commercial insurance", "倾斜救助/化解 further relief",
                             "个人自付 out of pocket")
# Illustrative values for what the report does not give (not Shandong's real values):
CI_INPUTS = {"critical_illness.base_deductible": 20000, "critical_illness.base_ratio": "0.60",
             "critical_illness.key_group_ratio_increase": "0.05"}
NO_RELIEF = {"medical_assistance.still_heavy_threshold": 1000000}  # keeps further assistance out of the way
# The text gives marginal, monitored and illness-impoverished people no annual limit (reading 5:other-groups-limit):
# the examples of their rule give a local one they do not reach.
LOCAL_LIMIT = {"medical_assistance.other_groups_annual_limit": 1000000}


def person(category):
    return {"category": category, "insurance": "resident"}


def claim(date, cost, basic, setting="inpatient", **more):
    """A claim as the settlement record gives it; the record shows no commercial-insurance payment (0)."""
    return {"date": date, "setting": setting, "policy_range_cost": cost, "basic_insurance_paid": basic,
            "supplementary_insurance_paid": 0, **more}


def burden(amount, date="2023-03-10", **more):
    """A claim whose burden after the two insurances is `amount` (basic 10,000; critical illness 0 on the slip)."""
    return claim(date, Decimal(amount) + 10000, 10000, critical_illness_paid=0, **more)


# %% [markdown]
# ## 参数、输入与条款一览 · Parameters, inputs and clauses at a glance
#
# 规则用到的每一个数值，注明条文的表述类型（`floor` 即“不低于”，规则至少按此支付；`ceiling` 即“最高可达”）及其出处条款。
# 所有数值自报道日期起适用（`from` 为空：报道未给出起始日期）。
# <span lang="en">Every number the rules use, with the kind of statement the text makes (`floor` = "not less than": the
# encoding pays at least this; `ceiling` = "can reach up to") and the clause it cites. All values are dated from
# the report (`from` is empty: the report gives no start).</span>

# %% tags=["hide-input"]
parameter_table(P)

# %% [markdown]
# 文件没有给出的数值决不编造，而是作为需要使用者提供的具名输入。
# <span lang="en">What the text does **not** give is never made up: it is a named input the user supplies.</span>

# %% tags=["hide-input"]
inputs_table(P)

# %% tags=["hide-input"]
clause_table(P)

# %% [markdown]
# ## 各层次的结算次序 · The order of the layers
#
# 每一层按排在它前面各层支付后剩余的费用计算；次序取自条文（`policies/shandong-2022-major-illness/layers.yaml`），每一层注明所依据的条款和原话。
# <span lang="en">Each layer reckons what the layers before it left; the order comes from the text
# (`policies/shandong-2022-major-illness/layers.yaml`), each layer with the clause and the words its place rests on.</span>

# %% tags=["hide-input"]
layer_order_diagram(P)

# %% [markdown]
# ## 标题、导语第1段 新闻发布会（及规则的适用日期） · Headline, Lead ¶1 The press conference

# %% tags=["hide-input"]
show_clause(P, "title")

# %% tags=["hide-input"]
show_clause(P, "p1")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 已知《实施意见》在解读它的新闻发布会当天即2022年9月5日有效（报道署名日期，元数据中的 `dates.report`）。
# <span lang="en">The Opinions are known to be in force on the day of the press conference that explained
# them, 5 September 2022 (the report's byline date, `dates.report` in `policy.yaml`).</span>
#
# Assumption (reading p1:validity): 报道未给出施行日期。默认自发布会之日起施行（假设：自报道日起），2022-09-05及以后的
# 就医按报道的数值计算，更早的不按本意见结算，并在结果中写明这是假设；解读 undetermined-before 把更早的就医列为待定。
# <span lang="en">the report gives no start date. By default the Opinions hold from the day of the conference (an
# assumption: from the report): claims from 2022-09-05 are evaluated with the values reported, earlier ones are not
# settled by the Opinions, and the result says this is an assumption; reading undetermined-before leaves earlier
# claims undetermined.</span>
#
# Assumption (one reading: 报道未给出终止日期 <span lang="en">/ the report gives no end date</span>): 终止日期不详，因此以后的就医按同样的数值计算；《实施意见》此后的修改不在本来源中。
# <span lang="en">no end date is known, so later claims are evaluated with the same values; later changes to the
# Opinions are not in this source.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(in_force)

# %% tags=["hide-input"]
outcome_table([try_outcome(date, lambda date=date: evaluate(parse_scenario(
    {"policy": P, "person": person("dibao"), "claims": [burden(1000, date)], "inputs": NO_RELIEF})))
    for date in ("2022-09-04", "2022-09-05", "2026-06-30")])

# %% [markdown]
# ## 导语第2段 实施意见概要 · Lead ¶2 Outline of the Implementation Opinions

# %% tags=["hide-input"]
show_clause(P, "p2")

# %% [markdown]
# 以下八项措施的概要，无需计算。
# <span lang="en">An outline of the eight measures that follow; nothing to compute.</span>
#
# ## 一、医疗救助对象 · First: who receives medical assistance

# %% tags=["hide-input"]
show_clause(P, "1")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 第五条为每类对象分别规定了救助办法，因此由人员类别决定适用哪条规则：**三类重点救助对象**——
# 特困人员（`tekun`）、低保对象（`dibao`）和返贫致贫人口——适用重点对象规则；低保边缘家庭成员（`dibian`）和防止返贫监测对象（`jiance`）
# 适用低保边缘规则；因病致贫重病患者（`yinbing_zhipin`）适用“超过收入25%”规则；其他人员按本报道不享受救助。
# <span lang="en">Clause 5 gives each named group its own assistance rule, so the person's group decides the
# rule: the **three key groups** — 特困 (`tekun`), 低保 (`dibao`) and 返贫致贫人口 — follow the key-group rule;
# 低保边缘 family members (`dibian`) and monitored households (`jiance`) follow the marginal rule; people
# impoverished by illness (`yinbing_zhipin`) follow the 25%-of-income rule; anyone else gets no assistance under
# this report.</span>
#
# Assumption (one reading: 该类人员没有类别代码，是否属于该类由使用者说明 <span lang="en">/ the group has no category code, so it is a fact the user states</span>): 返贫致贫人口没有类别代码，
# 因此作为是/否输入 `person.returned_to_poverty`；标为“是”的人员无论类别代码如何都属于重点救助对象。
# <span lang="en">返贫致贫人口 (people who returned to or fell into poverty) has no category code, so it is the yes/no
# input `person.returned_to_poverty`; a person marked so is in the key groups whatever their category code.</span>
#
# Assumption (one reading: 救助对象类别由县级以上人民政府确定，因此由使用者提供 <span lang="en">/ the county assigns the category, so the user gives it</span>): “县级以上人民政府规定的其他特殊困难人员……按救助对象类别”
# 是指此类人员按县级政府认定的类别救助；请填写该类别的代码。`tufa_kunnan` 和 `general` 不享受救助。
# <span lang="en">"other special difficulties stipulated by governments at or above the county level … according to
# the category of rescue objects" means such a person is assisted as the category the county assigns; give that
# category's code. `tufa_kunnan` and `general` get nothing.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(medical_assistance_eligibility)

# %% tags=["hide-input"]
RULE_NAMES = {"key_group": "重点救助对象规则 · key-group rule", "marginal": "低保边缘规则 · marginal rule",
              "illness_poverty": "因病致贫规则 · illness-poverty rule", None: "不予救助 · none"}
eligibility_rules = [(c, r, medical_assistance_eligibility(c, r))
                     for c in CATEGORIES for r in (False, True) if not r or c in ("jiance", "general")]
eligibility = page_frame(pd.DataFrame(
    [{"人员 person": CATEGORIES[c][0], "返贫致贫 returned to poverty": r, "第五条适用的规则 rule of clause 5": RULE_NAMES[rule]}
     for c, r, rule in eligibility_rules]).set_index("人员 person"))
eligibility

# %% tags=["remove-cell"]
assert [rule or "none" for _, _, rule in eligibility_rules] == ["key_group", "key_group", "marginal", "illness_poverty",
                                                               "marginal", "key_group", "none", "none", "key_group"]

# %% [markdown]
# ## 二、分类资助参保 · Second: graded enrolment subsidies

# %% tags=["hide-input"]
show_clause(P, "2")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 特困人员参加城乡居民基本医疗保险的个人缴费部分，由医疗救助基金全额资助。
# <span lang="en">The individual contribution to residents' basic medical insurance of a person in extreme
# hardship (特困) is paid in full by medical assistance funds.</span>
#
# Assumption (one reading: 标题点明了特困人员 <span lang="en">/ the headline names 特困</span>): 译文中丢失的“给予全额资助”的主语是特困人员，与标题（“特困人员全额资助”）一致。
# <span lang="en">the subject of "shall be fully funded", lost in translation, is 特困人员, as the headline says
# ("the full capital of the special poverty").</span>
#
# Assumption (one reading: 该规定在译文中丢失，无从理解 <span lang="en">/ the rule was lost in translation, so nothing can be read</span>): 其他各类人员的资助办法和金额在译文中丢失，因此查询时拒绝回答，而不去猜测。
# <span lang="en">for every other group the subsidy rule and amount were lost ("Funding and consolidating the
# difficulties of difficulties…"), so asking for it is refused rather than guessed.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(enrolment_subsidy)

# %% tags=["hide-input"]
outcome_table([
    try_outcome("特困人员，个人缴费380元 · tekun, contribution 380.00",
                lambda: enrolment_subsidy("tekun", Decimal("380.00"), dt.date(2023, 1, 1)),
                shown=lambda v: f"资助{fmt_yuan(v)}元 · subsidy {fmt_yuan(v)}"),
    try_outcome("低保对象，个人缴费380元 · dibao, contribution 380.00",
                lambda: enrolment_subsidy("dibao", Decimal("380.00"), dt.date(2023, 1, 1)))])

# %% [markdown]
# ## 三、普通门诊与门诊慢特病 · Third: general outpatient and chronic and special diseases

# %% tags=["hide-input"]
show_clause(P, "3")

# %% [markdown]
# 本条建立普通门诊统筹和不少于50种门诊慢特病目录，但没有给出起付线、比例或限额。因此不计算基本医保，其支付额取自结算单（`basic_insurance_paid`，必填）。
# <span lang="en">The clause sets up general outpatient coverage and a list of at least 50 chronic and special diseases, but no
# deductible, ratio or limit. So basic insurance is not computed: what it paid comes from the settlement slip
# (`basic_insurance_paid`, required).</span>

# %% tags=["hide-input", "hide-output"]
show_rule(basic_insurance)

# %% [markdown]
# ## 四、大病保险向三类重点救助对象倾斜 · Fourth: critical-illness insurance tilted to the key groups

# %% tags=["hide-input"]
show_clause(P, "4")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 三类重点救助对象参加居民医保或职工医保的，大病保险年度起付线降低50%，报销比例提高，取消年度最高支付限额。
# 计算基数为全年经基本医保支付后的政策范围内个人负担；起付线一年内跨次就医只扣一次。
# <span lang="en">For the three key groups, in residents' and employees' insurance alike, the critical-illness
# annual deductible is cut by 50%, the reimbursement ratio is raised, and the annual maximum payment is cancelled.
# The base is the year's policy-range burden left after basic insurance; the deductible is used up once a year
# across claims.</span>
#
# Assumption (one reading: 该数值已丢失，因此作为输入 <span lang="en">/ the number was lost, so it is an input</span>): 译文丢失了报销比例**提高多少**，因此提高幅度作为必填输入
# `critical_illness.key_group_ratio_increase`（0.05即5个百分点）；本页不提供该值。
# <span lang="en">the translation lost **by how much** the ratio is raised, so the increase is the required input
# `critical_illness.key_group_ratio_increase` (0.05 = 5 percentage points); nothing is supplied for it.</span>
#
# Assumption (one reading: 文中没有这些数值，因此作为输入 <span lang="en">/ the numbers are not in the text, so they are inputs</span>): 倾斜前的起付线和比例也不在文中：作为必填输入
# `critical_illness.base_deductible` 和 `critical_illness.base_ratio`。报道说的是分段比例，规则只取一个比例，
# 因此分段计算的请提供结算单金额 `critical_illness_paid` 代替计算。
# <span lang="en">the deductible and ratio before the tilt are not in the text either: required inputs
# `critical_illness.base_deductible` and `critical_illness.base_ratio`. The report speaks of ratios by band; the
# engine takes one ratio, so for banded ratios give the slip amount `critical_illness_paid`, which replaces the
# computation.</span>
#
# Assumption (reading 4:annual-limit): “The highest payment limit of the year, cancel”理解为取消年度最高支付限额
# （可能的理解；也可能是提高了限额而数字丢失）。
# <span lang="en">"The highest payment limit of the year, cancel" is read as cancelling the annual limit (the
# probable reading; it may instead be a raised limit whose number was lost).</span>
#
# Assumption (one reading: 该句无法理解，因此不予编码 <span lang="en">/ the sentence cannot be read, so nothing is encoded</span>): “cancel the use of major disease insurance special effects drugs”一句无法可靠理解，不予编码。
# <span lang="en">"cancel the use of major disease insurance special effects drugs" cannot be read with confidence and
# is not encoded.</span>
#
# Assumption (one reading: 报道未对其他人员规定大病保险待遇 <span lang="en">/ the report sets no critical-illness rule for others</span>): 对三类重点救助对象以外的人员，报道没有规定大病保险办法，
# 因此需要结算单金额；没有结算单金额的，该项及其后各项均为待定，并注明所缺字段。
# <span lang="en">for anyone outside the three key groups the report defines no critical-illness rule, so the slip
# amount is needed; without it that layer, and those after it, are undetermined (待定), naming the field.</span>
#
# Assumption (one reading: 起付线按年度计算 <span lang="en">/ the deductible is a yearly amount</span>): 同一年内既有以结算单金额结算的就医、又有由规则计算的就医的，
# 按一个年度合并结算：每次就医的负担都计入，减半后的起付线只扣一次，由规则计算的就医所得为截至该次就医的全年应付额
# 减去本年此前各次就医已付额。
# <span lang="en">a year mixing claims settled with a slip amount and
# claims computed here is settled as one year: every claim's burden counts, the halved deductible is used once, and
# a computed claim gets what is due for the year so far less what the year's earlier claims were paid.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(critical_illness_tilt, critical_illness_insurance)

# %% [markdown]
# 算例使用演示输入：原起付线20,000元（降低后10,000元），原比例60%，提高5个百分点（即65%）。“负担”指政策范围内费用经基本医保支付后剩余的部分。
# <span lang="en">Worked examples with illustrative inputs: base deductible 20,000 (10,000 after the cut), base ratio 60%, increase
# 5 points (so 65%). "Burden" is the policy-range cost left after basic insurance.</span>

# %% tags=["hide-input"]
dibao = person("dibao")
ci_examples = cases(P, {
    "负担4万元 · burden 40,000": (dibao, [claim("2023-03-01", 100000, 60000)]),
    "负担恰为减半后的起付线（1万元） · burden exactly at the halved deductible (10,000)":
        (dibao, [claim("2023-03-01", 20000, 10000)]),
    "负担10,000.02元：超出起付线2分 · burden 10,000.02: a fen and more above":
        (dibao, [claim("2023-03-01", "20000.02", 10000)]),
    "2023年两次就医，负担各8,000元 · two claims of 8,000 burden in 2023":
        (dibao, [claim("2023-03-01", 18000, 10000), claim("2023-09-01", 18000, 10000)]),
    "同上，2024年再8,000元（起付线重新计算） · the same, then 8,000 in 2024 (deductible resets)":
        (dibao, [claim("2023-03-01", 18000, 10000), claim("2023-09-01", 18000, 10000),
                 claim("2024-02-01", 18000, 10000)]),
    "特困人员，负担201万元（取消年度限额） · tekun, burden 2,010,000 (no annual limit)":
        (person("tekun"), [claim("2023-03-01", 2510000, 500000)]),
}, inputs={**CI_INPUTS, **NO_RELIEF}, show=("critical_illness_insurance", "medical_assistance", "out_of_pocket"))
ci_examples

# %% tags=["remove-cell"]
assert list(ci_examples[CI]) == ["19,500.00", "0.00", "0.01", "3,900.00", "3,900.00", "1,300,000.00"]

# %% [markdown]
# 没有提高幅度（译文丢失的数字）时，未提供结算单金额的重点对象就医结算至基本医保；大病保险及其后各项为待定，并注明所缺输入：
# <span lang="en">Without the increase (the number the translation lost) a key-group claim without a slip amount is settled up to
# basic insurance; critical-illness insurance and the layers after it are undetermined (待定), naming the input:</span>

# %% tags=["hide-input"]
partial = evaluate(parse_scenario({"policy": P, "person": dibao, "claims": [claim("2023-03-01", 100000, 60000)],
                                   "inputs": {"critical_illness.base_deductible": 20000,
                                              "critical_illness.base_ratio": "0.60", **NO_RELIEF}}))
page_frame(pd.DataFrame([{"待定的层次 layer": " · ".join(LAYER_LABELS[layer]), "需提供 needs": f"`{u['field']}`",
                          "条款 clause": f"`{u['clause']}`"}
                         for layer, u in partial.claims[0]["undetermined"].items()]))

# %% [markdown]
# ## 五、医疗救助 · Fifth: medical assistance

# %% tags=["hide-input"]
show_clause(P, "5")

# %% [markdown]
# 本条包含四项规则，分列于以下各小节；`medical_assistance` 按人员类别（第一条）选择规则，适用于全年经基本医保和大病保险支付后的政策范围内个人负担。
# <span lang="en">The clause holds four rules, one per subsection below; `medical_assistance` picks the person's rule (First) and
# applies it to the year's policy-range burden left after basic and critical-illness insurance.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(medical_assistance)

# %% [markdown]
# ### 三类重点救助对象：不设起付线，不低于70%，年度限额不低于3万元 · The three key groups
#
# **解读** <span lang="en">Interpretation.</span> 特困人员、低保对象和返贫致贫人口：不设起付线；政策范围内个人负担的救助比例**不低于**70%；年度救助限额**不低于**
# 3万元（原为不低于1万元）。两者都是下限：未提供当地标准时恰按下限计算（70%、3万元）；当地的 `local.key_group_ratio` 或 `local.key_group_annual_limit`
# 不低于下限的照用，低于下限的拒绝计算并指出条款。
# <span lang="en">For 特困, 低保 and 返贫致贫人口: no deductible; the assistance ratio on the personal burden
# within the policy scope is **at least** 70%; the annual limit **at least** 30,000 yuan (up from at least 10,000).
# Both are floors: without a local value the engine pays exactly at the floor (70%, 30,000); a local
# `local.key_group_ratio` or `local.key_group_annual_limit` at or above the floor is used; one below is refused
# naming the clause.</span>
#
# Assumption (reading 5:key-group-ratio): “政策范围内个人负担……不低于70%”是对个人负担的救助比例，而不是留给个人的负担比例（见 `uncertain`）。
# <span lang="en">"the proportion of personal burdens … is not less than 70%" is the assistance ratio applied to the
# personal burden, not a share of burden left to the person (see `uncertain`).</span>
#
# Assumption (one reading: 医保的年度限额按自然年计算 <span lang="en">/ annual limits in medical insurance run over the calendar year</span>): “年度”指自然年；限额按全年各次就医累计。
# <span lang="en">"annual" is the calendar year; the limit counts across all claims of the year.</span>
#
# Assumption (one reading: 报道未说明原下限的适用期间 <span lang="en">/ the report does not date the old floor</span>): 原下限1万元列在参数表中，但从不适用：报道没有说明它适用到何时。
# <span lang="en">the old floor of 10,000 yuan is shown in the parameter table but never applied: the report does not
# say until when it held.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(key_group_assistance)

# %% [markdown]
# 为单独检验本条规则，大病保险支付额取自结算单（0），因此负担为费用减去基本医保支付额。
# <span lang="en">To isolate this rule the critical-illness amount comes from the slip (0), so the burden is cost − basic insurance.</span>

# %% tags=["hide-input"]
key_examples = cases(P, {
    "负担2万元 · burden 20,000": (dibao, [burden(20000)]),
    "特困人员，负担5万元：达到限额 · tekun, burden 50,000: limit reached": (person("tekun"), [burden(50000)]),
}, inputs=NO_RELIEF, show=("medical_assistance", "out_of_pocket"))
key_examples_local = cases(P, {
    "当地75%：负担4万元，恰达限额 · local 75%: burden 40,000, exactly at the limit": (dibao, [burden(40000)]),
    "当地75%：负担40,000.02元，略超 · local 75%: burden 40,000.02, just over": (dibao, [burden("40000.02")]),
}, inputs={**NO_RELIEF, "local.key_group_ratio": "0.75"}, show=("medical_assistance", "out_of_pocket"))
key_years = cases(P, {
    "2023年：先3万元后2万元 · 2023: 30,000 then 20,000":
        (dibao, [burden(30000, "2023-03-01"), burden(20000, "2023-08-01")]),
    "同上，2024年再1万元 · the same, then 10,000 in 2024": (dibao, [burden(30000, "2023-03-01"),
                                                           burden(20000, "2023-08-01"), burden(10000, "2024-01-05")]),
    "返贫致贫人口（监测对象标为返贫致贫），负担2万元 · 返贫致贫 (jiance marked returned to poverty), burden 20,000":
        (person("jiance"), [burden(20000)]),
}, inputs={**NO_RELIEF, "person.returned_to_poverty": True}, show=("medical_assistance", "out_of_pocket"))
key_examples = page_frame(pd.concat([key_examples, key_examples_local, key_years]))
key_examples

# %% tags=["remove-cell"]
assert list(key_examples[MA]) == ["14,000.00", "30,000.00", "30,000.00", "30,000.00", "30,000.00", "37,000.00",
                                  "14,000.00"]
assert list(key_examples[OOP]) == ["6,000.00", "20,000.00", "10,000.00", "10,000.02", "20,000.00", "23,000.00",
                                   "6,000.00"]

# %% [markdown]
# 当地限额不低于下限的照用；低于下限的拒绝计算，并指出规定下限的条款：
# <span lang="en">A local limit at or above the floor is used; one below it is refused with the clause that sets the floor:</span>

# %% tags=["hide-input"]
outcome_table([try_outcome(
    f"负担6万元，当地限额{limit:,}元 · burden 60,000, local limit {limit:,}",
    lambda limit=limit: cases(P, {"x": (dibao, [burden(60000)])},
                              inputs={**NO_RELIEF, "local.key_group_annual_limit": limit},
                              show=("medical_assistance",)).iloc[0, -1],
    shown=lambda ma: f"医疗救助 {ma} 元 · medical assistance {ma}") for limit in (50000, 20000)])

# %% [markdown]
# ### 低保边缘家庭成员和监测对象：超过3,000元部分不低于50% · Marginal and monitored households
#
# **解读** <span lang="en">Interpretation.</span> 低保边缘家庭成员（`dibian`）和防止返贫监测对象（`jiance`）：政策范围内个人负担超过3,000元的部分，
# 救助比例**不低于**50%（下限；当地 `local.marginal_ratio` 不低于下限的照用）。
# <span lang="en">For members of marginal low-income families (`dibian`) and monitored households (`jiance`):
# the part of the personal policy-range burden above 3,000 yuan is assisted at **at least** 50% (a floor; local
# `local.marginal_ratio` at or above it).</span>
#
# Assumption (reading 5:marginal-threshold-period): 默认3,000元按每人每个自然年跨次累计，类似起付线；解读 per-claim
# 每次就医各减一次。
# <span lang="en">by default the 3,000 yuan counts per person per calendar year, across claims, like a deductible;
# reading per-claim takes it off each claim.</span>
#
# Assumption (one reading: 低保对象已属重点救助对象 <span lang="en">/ 低保 recipients are already a key group</span>): “members of the subsistence allowances and the targets of preventing poverty monitoring”
# 指低保边缘家庭成员和监测对象（低保对象已属重点救助对象）。
# <span lang="en">"members of the subsistence allowances and the targets of preventing poverty monitoring" means
# 低保边缘 members and monitored people (低保 recipients are already a key group).</span>
#
# Assumption (reading 5:other-groups-limit): 报道只给重点救助对象"不低于3万元"的限额，没有给出这两类人员的年度限额，
# 而当地必有限额：默认须提供当地的 `medical_assistance.other_groups_annual_limit`，未提供时救助待定（不多给文字未保证的数额）；
# 解读 no-limit 不设限额。下面的算例给出一个不会触及的当地限额1,000,000元。
# <span lang="en">the report gives the key groups a limit of "not less than 30,000" and these groups none, while a
# local limit surely exists: by default the local `medical_assistance.other_groups_annual_limit` is needed and
# assistance is undetermined without it (never more than the words guarantee); reading no-limit applies none. The
# examples below give a local limit of 1,000,000 they do not reach.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(marginal_assistance)

# %% tags=["hide-input"]
dibian = person("dibian")
marginal_examples = cases(P, {
    "负担3,000元：恰在门槛 · burden 3,000: at the threshold": (dibian, [burden(3000)]),
    "负担3,000.02元 · burden 3,000.02": (dibian, [burden("3000.02")]),
    "负担1.3万元 · burden 13,000": (dibian, [burden(13000)]),
    "监测对象，负担1.3万元 · jiance, burden 13,000": (person("jiance"), [burden(13000)]),
    "2023年：先2,000元后5,000元 · 2023: 2,000 then 5,000":
        (dibian, [burden(2000, "2023-02-01"), burden(5000, "2023-06-01")]),
    "同上，2024年再2,000元 · the same, then 2,000 in 2024": (dibian, [burden(2000, "2023-02-01"),
                                                            burden(5000, "2023-06-01"), burden(2000, "2024-02-01")]),
    "负担100.3万元（当地限额100万元） · burden 1,003,000 (local limit 1,000,000)": (dibian, [burden(1003000)]),
}, inputs={**NO_RELIEF, **LOCAL_LIMIT}, show=("medical_assistance", "out_of_pocket"))
marginal_examples

# %% tags=["remove-cell"]
assert list(marginal_examples[MA]) == ["0.00", "0.01", "5,000.00", "5,000.00", "2,000.00", "2,000.00", "500,000.00"]

# %% [markdown]
# ### 因病致贫重病患者：超过收入四分之一部分不低于60% · People impoverished by illness
#
# **解读** <span lang="en">Interpretation.</span> 因病致贫重病患者（`yinbing_zhipin`）：政策范围内个人负担超过居民人均可支配收入25%的部分，救助比例**不低于**60%。
# <span lang="en">For patients impoverished by illness (`yinbing_zhipin`): the part of the personal
# policy-range burden above 25% of residents' per capita disposable income is assisted at **at least** 60%.</span>
#
# Assumption (one reading: 收入标准在译文中丢失，因此作为输入 <span lang="en">/ the income was lost in translation, so it is an input</span>): 译文把收入的地区和年度换成了“within the scope of the policy”，
# 因此收入作为必填输入 `income.per_capita_disposable_local`；本页不提供该值。
# <span lang="en">the translation replaced the area and year of the income with "within the scope of the policy", so
# the income is the required input `income.per_capita_disposable_local`; nothing is supplied for it.</span>
#
# Assumption (reading 5:illness-poverty-base): 救助的是超过25%的部分（而不是超过后的全部负担），与本条的校正理解及同段的3,000元规则一致。
# <span lang="en">the part of the burden above 25% is assisted (not the whole burden once it passes 25%), as the
# corrected reading of this clause and the 3,000-yuan rule beside it have it.</span>
#
# Assumption (reading 5:other-groups-limit): 按自然年计算；年度限额同上，默认须当地的
# `medical_assistance.other_groups_annual_limit`（算例给出1,000,000元）。
# <span lang="en">counted per calendar year; the annual limit as above, by default the local
# `medical_assistance.other_groups_annual_limit` (1,000,000 in the examples).</span>
#
# 算例使用演示收入40,000元，因此门槛为10,000元。
# <span lang="en">The examples use an illustrative income of 40,000 yuan, so the threshold is 10,000.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(illness_poverty_assistance)

# %% tags=["hide-input"]
yb = person("yinbing_zhipin")
illness_examples = cases(P, {
    "负担1万元：恰在门槛 · burden 10,000: at the threshold": (yb, [burden(10000)]),
    "负担10,000.02元 · burden 10,000.02": (yb, [burden("10000.02")]),
    "负担2万元 · burden 20,000": (yb, [burden(20000)]),
    "2023年：两次各8,000元 · 2023: 8,000 then 8,000": (yb, [burden(8000, "2023-02-01"), burden(8000, "2023-07-01")]),
    "同上，2024年再8,000元 · the same, then 8,000 in 2024": (yb, [burden(8000, "2023-02-01"),
                                                          burden(8000, "2023-07-01"), burden(8000, "2024-02-01")]),
}, inputs={**NO_RELIEF, **LOCAL_LIMIT, "income.per_capita_disposable_local": 40000},
   show=("medical_assistance", "out_of_pocket"))
illness_examples

# %% tags=["remove-cell"]
assert list(illness_examples[MA]) == ["0.00", "0.01", "6,000.00", "3,600.00", "3,600.00"]

# %% [markdown]
# ### 三重制度保障后的倾斜（再）救助 · Further assistance after the three systems
#
# **解读** <span lang="en">Interpretation.</span> 经基本医保、大病保险和医疗救助后，政策范围内个人负担“仍然较重”的，给予倾斜救助，比例**不低于**70%
# （下限；当地 `local.tilted_ratio`），年度最高可达2万元（上限：“最高可达”；当地 `local.tilted_annual_limit` 不高于上限的照用，高于上限的拒绝计算）。
# 对应规则中的 `further_relief` 一项。
# <span lang="en">When the personal policy-range burden left after basic insurance, critical-illness insurance
# and medical assistance is "still heavy", further assistance pays **at least** 70% (a floor; local
# `local.tilted_ratio`), up to 20,000 yuan a year (a ceiling: "can reach up to"; a local `local.tilted_annual_limit`
# at or below it is used, one above it refused). It is the engine's `further_relief` layer.</span>
#
# Assumption (one reading: 报道未给出标准，因此作为输入 <span lang="en">/ the report gives no threshold, so it is an input</span>): 报道没有给出“负担仍较重”的标准，因此作为必填输入
# `medical_assistance.still_heavy_threshold`（元/年）；救助全年负担中超过该标准的部分。
# <span lang="en">the report gives no "still heavy" threshold, so it is the required input
# `medical_assistance.still_heavy_threshold` (yuan a year); the part of the year's burden above it is assisted.</span>
#
# Assumption (reading 5:tilted-groups): “上述救助对象”指该句之前列出的各类人员：重点救助对象以及低保边缘和监测对象；
# 该句之后才列出的因病致贫重病患者不享受。
# <span lang="en">"the above-mentioned rescue objects" are the groups named before the sentence: the key groups and
# the marginal and monitored people; people impoverished by illness (named after it) get none.</span>
#
# Assumption (reading 5:commercial-place): 再救助给"经三重制度保障后"仍负担较重的人，默认在商业保险（第八条）之前：
# 商业保险赔付额未给时再救助照算；解读 before-relief 先扣商业保险。无论哪种，同一元钱都不重复支付。
# <span lang="en">further assistance is for a burden still heavy "after the triple system", by default before
# commercial insurance (clause 8): it is settled when the commercial amount is missing; reading before-relief takes
# the commercial payment off first. Either way no yuan is paid twice.</span>
#
# Assumption (reading 5:tilted-base): 默认救助负担中超过"仍较重"标准的部分（标准如起付线）；解读 whole-burden 超过后按全部负担救助。
# <span lang="en">by default the part of the burden above the "still heavy" threshold is assisted (the threshold as a
# deductible); reading whole-burden assists the whole burden once past it.</span>
#
# 算例使用演示标准5,000元；以限额为重点的算例使用0。
# <span lang="en">The examples use an illustrative threshold of 5,000 yuan, or 0 where the limit is the point.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(tilted_medical_assistance, supplementary_insurance)

# %% tags=["hide-input"]
relief_examples = page_frame(pd.concat([
    cases(P, {
        "低保对象，负担2万元（标准5,000元） · dibao, burden 20,000 (T 5,000)": (dibao, [burden(20000)]),
    }, inputs={"medical_assistance.still_heavy_threshold": 5000}, show=("medical_assistance", "further_relief",
                                                                        "out_of_pocket")),
    cases(P, {
        "低保边缘家庭成员，负担1.3万元，恰在标准8,000元 · dibian, burden 13,000 at the threshold T 8,000":
            (dibian, [burden(13000)]),
    }, inputs={"medical_assistance.still_heavy_threshold": 8000, **LOCAL_LIMIT},
        show=("medical_assistance", "further_relief", "out_of_pocket")),
    cases(P, {
        "当地80%，负担5.5万元：恰达2万元限额 · local 80%, burden 55,000: exactly the 20,000 limit":
            (dibao, [burden(55000)]),
        "当地80%，负担55,000.02元：略超 · local 80%, burden 55,000.02: just over": (dibao, [burden("55000.02")]),
    }, inputs={"medical_assistance.still_heavy_threshold": 0, "local.tilted_ratio": "0.80"},
        show=("medical_assistance", "further_relief", "out_of_pocket")),
    cases(P, {
        "2023年：先5万元后2万元（标准0） · 2023: 50,000 then 20,000 (T 0)":
            (dibao, [burden(50000, "2023-03-01"), burden(20000, "2023-09-01")]),
        "同上，2024年再1万元 · the same, then 10,000 in 2024": (dibao, [burden(50000, "2023-03-01"),
                                                               burden(20000, "2023-09-01"), burden(10000, "2024-03-01")]),
        "因病致贫重病患者，负担2万元：不适用 · yinbing_zhipin, burden 20,000: not eligible": (yb, [burden(20000)]),
    }, inputs={"medical_assistance.still_heavy_threshold": 0, "income.per_capita_disposable_local": 40000,
               **LOCAL_LIMIT}, show=("medical_assistance", "further_relief", "out_of_pocket")),
]))
relief_examples

# %% tags=["remove-cell"]
assert list(relief_examples[RELIEF]) == ["700.00", "0.00", "20,000.00", "20,000.00", "20,000.00", "22,100.00", "0.00"]
assert list(relief_examples[OOP]) == ["5,300.00", "8,000.00", "5,000.00", "5,000.02", "20,000.00", "20,900.00",
                                      "14,000.00"]

# %% [markdown]
# ## 六、因病致贫返贫预警 · Sixth: early warning of poverty caused by illness

# %% tags=["hide-input"]
show_clause(P, "6")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 全年经基本医保和大病保险支付后的政策范围内个人负担超过一条线的，纳入预警监测：对**所有参保人员**，
# 这条线是全省居民人均可支配收入本身；对**低保边缘家庭成员和监测对象**，是其一定比例，而该比例在译文中丢失。
# <span lang="en">A person is brought into early-warning monitoring when the year's personal policy-range
# burden after basic and critical-illness insurance is above a line: for **any insured person**, the provincial
# residents' per capita disposable income itself; for **低保边缘 and monitored households**, a share of it that the
# translation lost.</span>
#
# Assumption (one reading: “超过”不含本数 <span lang="en">/ 超过 excludes the line itself</span>): “超过人均可支配收入”理解为超过其100%（参数 `monitoring.general_threshold_share`）；
# “超过”指严格大于。
# <span lang="en">"exceeded the per capita disposable income" is read as above 100% of it (parameter
# `monitoring.general_threshold_share`); "exceeded" is strictly above.</span>
#
# Assumption (one reading: 未载明收入所属年度，因此作为输入 <span lang="en">/ the year of the income is not given, so it is an input</span>): 全省人均可支配收入（年度未载明）为输入
# `income.per_capita_disposable_province`；未提供时，预警报告为“未检查”。
# <span lang="en">the provincial income (year not given) is the input `income.per_capita_disposable_province`; without
# it the warning is reported as not checked.</span>
#
# **无法依据文本编码：低保边缘家庭成员和监测对象的较低预警线。** 其占收入的比例已丢失。除非以 `monitoring.marginal_threshold_share` 提供该比例，
# 否则低于一般预警线的低保边缘或监测对象得到的答案是**待定**（`None`），决不猜测为“否”。
# <span lang="en">**Not encodable from the text: the lower line for 低保边缘 and monitored households.** Its share of income was
# lost ("exceed the skeleton edge family members of the minimum -fidelity in the province's per capita disposable
# income"). Unless the share is supplied as `monitoring.marginal_threshold_share`, a 低保边缘 or monitored person
# below the general line gets the answer *undetermined* (`None`), never a guessed no.</span>
#
# Assumption (reading 6:warning-burden): 负担按第五条口径计算（政策范围内，经基本医保和大病保险后），按自然年累计；规则在每次就医后判断。
# <span lang="en">the burden is counted as in clause 5 (policy range, after basic and critical-illness insurance),
# accumulating over the calendar year; the engine decides after each claim.</span>
#
# 按月比对以及向民政、乡村振兴部门推送属于工作程序。
# <span lang="en">The monthly comparison and the push to the civil-affairs and rural-revitalisation departments are procedure.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(illness_poverty_early_warning, early_warning)

# %% [markdown]
# 演示的全省人均可支配收入为37,000元：
# <span lang="en">With an illustrative provincial income of 37,000 yuan:</span>

# %% tags=["hide-input"]
ON = dt.date(2023, 6, 1)
WARNING_WORDS = {True: "预警 · warning", False: "不预警 · no warning", None: "无法判断 · undetermined"}
warnings = [(name, cat, b, share, illness_poverty_early_warning(cat, Decimal(b), Decimal(37000), ON,
                                                                None if share is None else Decimal(share))[0])
            for name, cat, b, share in [
                ("恰等于收入 · at the income", "general", "37000", None),
                ("超出1分 · a fen above", "general", "37000.01", None),
                ("低保边缘，低于收入，比例丢失 · dibian below the income, share lost", "dibian", "20000", None),
                ("低保边缘，补充比例50%：恰在线上 · dibian, with a supplied share of 50%: at the line", "dibian", "18500",
                 "0.5"),
                ("低保边缘，补充比例50%：超出1分 · dibian, with a supplied share of 50%: a fen above", "dibian",
                 "18500.01", "0.5"),
                ("低保边缘，高于收入 · dibian above the income", "dibian", "40000", None)]]
warning_examples = page_frame(pd.DataFrame([
    {"算例 case": name, "人员 person": CATEGORIES[cat][0], "全年负担 year's burden": f"{Decimal(b):,.2f}",
     "低保边缘/监测对象的比例 share for dibian/jiance": "—" if share is None else f"{Decimal(share):.0%}",
     "预警 warning": WARNING_WORDS[warn]}
    for name, cat, b, share, warn in warnings]).set_index("算例 case"))
warning_examples

# %% tags=["remove-cell"]
assert [warn for *_, warn in warnings] == [False, True, None, False, True, True]

# %% [markdown]
# 试一试：全年负担和收入决定是否预警。
# <span lang="en">Try it: the year's burden and the income decide the warning.</span>

# %% tags=["hide-input", "nbval-ignore-output"]
class WarningCheck:
    """Category, burden and incomes in; the warning and its reason out (set on an Output, not captured)."""

    def __init__(self):
        style = {"description_width": "18em"}
        self.category = w.Dropdown(options=[(f"{zh} / {en}", c) for c, (zh, en) in CATEGORIES.items()],
                                   value="dibian", description="类别 Category", style=style)
        self.burden = w.FloatText(value=20000, description="年度个人负担 Year's burden (元)", style=style)
        self.income = w.FloatText(value=37000, description="全省人均可支配收入 Income (元)", style=style)
        self.share = w.Text(value="", description="低保边缘/监测 share (blank = lost)", style=style)
        self.out = w.Output()
        for c in (self.category, self.burden, self.income, self.share):
            c.observe(lambda _change: self.recompute(), names="value")
        self.recompute()

    def answer(self):
        try:
            share = Decimal(self.share.value) if self.share.value.strip() else None
            warn, why = illness_poverty_early_warning(self.category.value, Decimal(repr(self.burden.value)),
                                                      Decimal(repr(self.income.value)), ON, share)
        except Exception as e:  # shown to the user, not raised
            return f"输入有误 Input problem: {e}"
        verdict = {True: "预警 warning", False: "不预警 no warning", None: "无法判断 undetermined"}[warn]
        return f"{verdict}: {why}"

    def recompute(self):
        # The verdict in Chinese; the rule's reason (English) behind the book's language switch.
        from IPython.display import HTML
        from medrules.core.messages import pair
        answer = self.answer()
        verdict, _, why = answer.partition(": ")
        zh, _, en = verdict.partition(" ")
        self.out.outputs = ()
        self.out.append_display_data(HTML(f"<p><b>{pair(zh, en)}</b> {pair('', why) if why else ''}</p>"))

    def view(self):
        return w.VBox([self.category, self.burden, self.income, self.share, self.out])


warning_check = WarningCheck()
warning_check.view()

# %% tags=["remove-cell"]
# Driven on a second instance, so that the one shown keeps its starting values.
check = WarningCheck()
assert check.answer().startswith("无法判断 undetermined")
check.share.value = "0.5"
assert check.answer().startswith("预警 warning")
check.burden.value = 18500
assert check.answer().startswith("不预警 no warning")

# %% [markdown]
# ## 七、“一站式”服务；八、多层次保障 · Seventh: one-stop services; Eighth: multi-level protection

# %% tags=["hide-input"]
show_clause(P, "7")

# %% tags=["hide-input"]
show_clause(P, "8")

# %% [markdown]
# 服务整合、慈善救助、工会互助和商业保险，没有金额和条件：无需计算。商业保险支付额取自结算单（`supplementary_insurance_paid`），在倾斜救助之前结算（见第五条）。
# <span lang="en">Service integration, charity, trade-union mutual aid and commercial insurance, without amounts or conditions:
# nothing to compute. A commercial-insurance payment is taken from the slip (`supplementary_insurance_paid`) and
# settled before further assistance (shown in Fifth).</span>
#
# ## 完整算例及其追溯 · A whole case with its trace
#
# 一名低保对象2023年住院，费用10万元，基本医保支付6万元（结算单）；演示输入：原起付线2万元，原比例60%，提高5个百分点，“负担仍较重”标准5,000元，
# 全省人均可支配收入37,000元（即 `examples/shandong-dibao-100k-inpatient.json`）。追溯表每一行列出所依据的条款和所用数值。
# <span lang="en">A 低保 patient with a 100,000 yuan inpatient bill in 2023, basic insurance paying 60,000 (slip); illustrative
# inputs: base deductible 20,000, base ratio 60%, increase 5 points, "still heavy" threshold 5,000, provincial
# income 37,000 (this is `examples/shandong-dibao-100k-inpatient.json`). Each line of the trace names the clause
# and the values it used.</span>

# %% tags=["hide-input"]
whole = evaluate(parse_scenario({
    "policy": P, "person": dibao, "claims": [claim("2023-03-10", 100000, 60000)],
    "inputs": {**CI_INPUTS, "medical_assistance.still_heavy_threshold": 5000,
               "income.per_capita_disposable_province": 37000}}))
result_table(whole).T

# %% tags=["hide-input"]
trace_table(whole)

# %% tags=["remove-cell"]
assert {k: str(v) for k, v in whole.totals.items()} == {
    "basic_insurance": "60000.00", "critical_illness_insurance": "19500.00", "medical_assistance": "14350.00",
    "supplementary_insurance": "0.00", "further_relief": "805.00", "out_of_pocket": "5345.00"}

# %% [markdown]
# ## 计算器 · Calculator
#
# 一人一次就医：调整人员类别、费用或报道未给出的输入，各项制度的支付额都由同一规则引擎重新计算。在本书的静态网页中控件不能运行（网页背后没有Python），
# 下方显示的是预先计算的结果。如需实时计算，请在本机项目目录中运行 `make workshop`。
# <span lang="en">One claim for one person: change the category, the bill or the inputs the report leaves open, and every
# layer is recomputed by the same engine. In the static book the controls cannot run (there is no Python behind the
# page): what shows below is the precomputed result. To run it live, run `make workshop` in the repository.</span>

# %% tags=["hide-input", "nbval-ignore-output"]
class ShandongCalculator:
    """Controls → scenario → engine → result table on an Output widget (set directly, not captured)."""

    def __init__(self):
        style, layout = {"description_width": "20em"}, w.Layout(width="38em")
        def money(value, label):
            return w.FloatText(value=value, description=label, style=style, layout=layout)
        self.category = w.Dropdown(options=[(f"{zh} / {en}", c) for c, (zh, en) in CATEGORIES.items()],
                                   value="dibao", description="类别 Category", style=style, layout=layout)
        self.returned = w.Checkbox(value=False, description="返贫致贫人口 Returned to poverty")
        self.date = w.DatePicker(value=dt.date(2023, 3, 10), description="日期 Date", style=style)
        self.cost = money(100000, "政策范围内费用 Cost (元)")
        self.basic = money(60000, "基本医保已付 Basic paid (元)")
        self.ci_base = money(20000, "大病起付线(调整前) CI deductible before cut")
        self.ci_ratio = money(0.60, "大病报销比例(调整前) CI ratio before increase")
        self.ci_increase = money(0.05, "提高幅度 CI ratio increase (lost in text)")
        self.threshold = money(5000, "负担仍较重 'Still heavy' threshold (元)")
        self.income = money(40000, "人均可支配收入 Income for 因病致贫 (元)")
        self.message = w.HTML()
        self.table = w.Output()
        self.controls = [self.category, self.returned, self.date, self.cost, self.basic, self.ci_base,
                         self.ci_ratio, self.ci_increase, self.threshold, self.income]
        for c in self.controls:
            c.observe(lambda _change: self.recompute(), names="value")
        self.result = None
        self.recompute()

    def scenario(self):
        amount = lambda x: repr(float(x.value))  # shortest text form, so 1234.56 stays exact
        return {"policy": P, "person": {"category": self.category.value, "insurance": "resident"},
                "claims": [{"date": self.date.value.isoformat() if self.date.value else None,
                            "setting": "inpatient", "policy_range_cost": amount(self.cost),
                            "basic_insurance_paid": amount(self.basic), "supplementary_insurance_paid": "0"}],
                "inputs": {"person.returned_to_poverty": self.returned.value,
                           "critical_illness.base_deductible": amount(self.ci_base),
                           "critical_illness.base_ratio": amount(self.ci_ratio),
                           "critical_illness.key_group_ratio_increase": amount(self.ci_increase),
                           "medical_assistance.still_heavy_threshold": amount(self.threshold),
                           "income.per_capita_disposable_local": amount(self.income)}}

    def recompute(self):
        self.table.outputs = ()
        try:
            self.result = evaluate(parse_scenario(self.scenario()))
        except InputError as e:
            self.result = None
            from medrules.core.messages import pair
            self.message.value = f"<b style='color:#b00'>{pair('输入有误', 'Input problem')}:</b> {pair(e.zh or str(e), str(e))}"
            return
        self.message.value = ""
        self.table.append_display_data(result_table(self.result).T)

    def summary(self):
        if self.result is None:
            return {"error": self.message.value}
        return {k: shown(v) for k, v in self.result.totals.items()}

    def view(self):
        return w.VBox(self.controls + [self.message, self.table])


calculator = ShandongCalculator()
calculator.view()

# %% tags=["remove-cell"]
# Driven on a second instance, so that the one shown keeps its starting values.
check = ShandongCalculator()
assert check.summary()["out_of_pocket"] == "5,345.00"
check.category.value = "general"   # no critical-illness rule for them and no slip amount: that layer on is 待定
assert check.summary()["critical_illness_insurance"] == "待定 undetermined"
assert check.summary()["basic_insurance"] == "60,000.00"
check.category.value = "dibian"
check.cost.value = 20000
check.basic.value = 7000
assert check.summary()["critical_illness_insurance"] == "待定 undetermined"
check.returned.value = True   # now a key group: the tilt applies
# R = 13,000; CI (13,000 − 10,000) × 65% = 1,950; MA 11,050 × 70% = 7,735; left 3,315 < 5,000.
assert check.summary()["critical_illness_insurance"] == "1,950.00"
assert check.summary()["medical_assistance"] == "7,735.00"
check.date.value = dt.date(2022, 9, 4)
assert "2022-09-05" in check.summary()["error"]
assert calculator.summary()["out_of_pocket"] == "5,345.00"  # the one shown is untouched

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
