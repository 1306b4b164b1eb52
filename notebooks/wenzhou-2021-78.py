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
# # 温州 2021 · 医保纾困·携手共富（温政办〔2021〕78号） · Wenzhou 2021
#
# **温州市“医保纾困·携手共富”实施方案**，由温州市人民政府办公室印发，成文于2021-11-29，发布于2021-12-22，
# **施行期间2022-01-01至2025-12-31**（自2026-01-01起已失效）。依据为政府网站发布的官方全文（种子文件
# `001_b751bad2d304d220.txt`）；抓取页面中“温州市”被垃圾文字替换，已按 `policies/wenzhou-2021-78/policy.yaml` 的说明复原。
# <span lang="en">The Wenzhou plan for relieving the medical costs of people in hardship, issued by the General Office of
# the Wenzhou Municipal People's Government, written 2021-11-29, published 2021-12-22, **in force 2022-01-01 to
# 2025-12-31** (expired since 2026-01-01). Source: the government's official full text; the scrape had replaced
# “温州市” with spam, restored as explained in the policy's metadata.</span>
#
# 阅读方法：每一条款先照录原文，再给出英文译文，然后是**解读**（每条假设单独成行，以“假设 Assumption:”开头），
# 接着是编码该条款的规则（默认折叠，点击展开）和由规则算出的算例。计算结果中的每一元钱都可以在追溯表中找到所依据的条款。
# <span lang="en">How to read this page: each clause section quotes the original, gives an English rendering, states the
# **interpretation** with every assumption flagged, then the rule that encodes it (folded) and worked examples
# computed by that rule. Every yuan in a result can be traced back to its clause.</span>

# %% tags=["remove-cell"]
import datetime as dt

from medrules import evaluate, parse_scenario
from medrules.publish.display import outcome_table, page_frame, try_outcome
from medrules.publish.layer_order import layer_order_diagram
from medrules.publish.report import (cases, clause_table, inputs_table, parameter_table, person_label, result_table,
                                     setting_label, show_clause, show_rule, trace_table)
from medrules.rules.wenzhou_2021_78 import (coverage_start, critical_illness_insurance, enrolment_subsidy,
                                            high_cost_resolution, in_force, in_hardship, medical_assistance,
                                            pay_after_treatment, special_disease_catalogue_additions,
                                            supplementary_insurance, basic_insurance)

P = "wenzhou-2021-78"
MA, RELIEF, OOP, CI = ("医疗救助 medical assistance", "倾斜救助/化解 further relief", "个人自付 out of pocket",
                       "大病保险 critical-illness insurance")

# %% [markdown]
# ## 参数、输入与条款一览 · Parameters, inputs and clauses at a glance
#
# 规则用到的每一个数值，注明条文的表述类型（`floor` 即“不低于/以上”，规则至少按此支付；`ceiling` 即“以下/以内”）及其出处条款：
# <span lang="en">Every number the rules use, with the kind of statement the text makes (`floor` = 不低于/以上: the
# encoding pays at least this; `ceiling` = 以下/以内) and the clause it cites:</span>

# %% tags=["hide-input"]
parameter_table(P)

# %% [markdown]
# 文件没有给出的数值决不编造，而是作为需要使用者提供的具名输入：
# <span lang="en">What the text does **not** give is never made up: it is a named input the user supplies.</span>

# %% tags=["hide-input"]
inputs_table(P)

# %% tags=["hide-input"]
clause_table(P)

# %% [markdown]
# ## 各层次的结算次序 · The order of the layers
#
# 每一层按排在它前面各层支付后剩余的费用计算；次序取自条文（`policies/wenzhou-2021-78/layers.yaml`），每一层注明所依据的条款和原话。
# <span lang="en">Each layer reckons what the layers before it left; the order comes from the text
# (`policies/wenzhou-2021-78/layers.yaml`), each layer with the clause and the words its place rests on.</span>

# %% tags=["hide-input"]
layer_order_diagram(P)

# %% [markdown]
# ## 印发通知与序言 · Covering notice and purpose

# %% tags=["hide-input"]
show_clause(P, "notice")

# %% tags=["hide-input"]
show_clause(P, "0")

# %% [markdown]
# ## 一 工作目标 · Objectives

# %% tags=["hide-input"]
show_clause(P, "1")

# %% [markdown]
# 无需计算：工作目标列明了基本医保、大病保险、医疗救助三重制度，其衔接由三(三)9编码。
# <span lang="en">Nothing to compute: the objectives name the three layers (basic insurance, critical-illness insurance,
# medical assistance) that 三(三)9 encodes.</span>
#
# ## 二 适用对象（困难群众） · Who the plan covers

# %% tags=["hide-input"]
show_clause(P, "2")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 具有特困人员（`tekun`）、低保对象（`dibao`）或低保边缘对象（`dibian`）
# 身份的，或经县级以上人民政府认定的，即属于困难群众。每人具有的是若干身份，而不是单一类别：因病致贫（`yinbing_zhipin`）
# 只有与低保或低边身份同时具有时才计入，与条文一致（纳入低保、低边的因病致贫对象）；不在低保、低边家庭中、仅有因病致贫
# 身份的，不属于本方案的困难群众。
# <span lang="en">A person is one of the 困难群众 when they hold the status 特困 (`tekun`), 低保 (`dibao`) or
# 低保边缘 (`dibian`) — or when a county-level government designates them. A person holds statuses, not one
# category: 因病致贫 (`yinbing_zhipin`) counts only together with 低保 or 低边, as the clause says
# (纳入低保、低边的因病致贫对象); the status alone, outside those families, does not make a person one of the
# 困难群众 under this plan.</span>
#
# Assumption (reading 2:yinbing-zhipin): 因病致贫只在低保、低边家庭中计入；另一种理解（`on-its-own`）仅凭因病致贫身份即计入
# （见 `python -m medrules readings wenzhou-2021-78`）。
# <span lang="en">因病致贫 counts only within 低保/低边 families; the other option
# (`on-its-own`) counts the status alone (`python -m medrules readings wenzhou-2021-78`).</span>
#
# Assumption (one reading: 方案只提到县级认定的其他特殊困难人员，因此需要说明的是县级认定这一事实 <span lang="en">/ the plan names only 其他特殊困难人员 designated by a county, so the county's designation is the fact asked for</span>): 方案未点名防止返贫监测对象（`jiance`）和突发严重困难人员（`tufa_kunnan`），只有输入
# `county_designated_special_hardship` 为“是”（其他特殊困难人员）时才计入困难群众，默认为“否”。
# <span lang="en">防止返贫监测对象 (`jiance`) and 突发严重困难人员 (`tufa_kunnan`) are not named by the plan; they count
# only when the input `county_designated_special_hardship` is true (其他特殊困难人员). It defaults to false.</span>

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


page_frame(pd.DataFrame(
    [{"身份 statuses": person_label({"statuses": s}), "县级认定 designated by county": d,
      "困难群众 in hardship": assisted(s, d)}
     for s in (["tekun"], ["dibao"], ["dibian"], ["dibao", "yinbing_zhipin"], ["yinbing_zhipin"], ["jiance"],
               ["tufa_kunnan"], [])
     for d in (False, True) if d is False or s in (["jiance"], ["tufa_kunnan"], ["yinbing_zhipin"])]
).set_index("身份 statuses"))

# %% [markdown]
# ## 三(一)1–3 健康教育、疾病防控与风险预警 · Prevention and monitoring

# %% tags=["hide-input"]
show_clause(P, "3.1.1")

# %% tags=["hide-input"]
show_clause(P, "3.1.2")

# %% tags=["hide-input"]
show_clause(P, "3.1.3")

# %% [markdown]
# 健康教育、疾病防控和风险预警机制属于组织性要求：条文没有给出触发预警的标准，因此三(一)3标为“无法编码”，并列出这一待明确问题。
# <span lang="en">Health education, disease control and the early-warning mechanism are organisational: the text gives
# no threshold that would trigger a warning, so 三(一)3 is marked *not encodable* with that open question.</span>
#
# ## 三(二)4–5 合理有序就医与就医指导方案 · Orderly care and treatment guidance

# %% tags=["hide-input"]
show_clause(P, "3.2.4")

# %% tags=["hide-input"]
show_clause(P, "3.2.5")

# %% [markdown]
# 三(二)4要求“适当”提高基层报销比例，但没有数值，无法编码。三(二)5规定了三(三)11所要求的就医指导方案；
# 规则把“是否遵循就医指导方案”作为每次就医的是/否字段（`followed_treatment_guidance`）。
# <span lang="en">三(二)4 raises the primary-care ratio "appropriately" without a number: not encodable. 三(二)5 defines
# the treatment guidance (就医指导方案) that 三(三)11 requires; the engine takes "followed the guidance" as a yes/no
# field on each claim (`followed_treatment_guidance`).</span>
#
# ## 三(二)6 住院先诊疗后付费 · Treatment first, payment after

# %% tags=["hide-input"]
show_clause(P, "3.2.6")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 同时满足以下四个条件时免交住院押金：属于困难群众（二）；为住院；
# 经基层首诊后规范转诊；在市域内定点医院住院。出院时只需支付各项制度支付后的个人自付部分，即规则算出的 `out_of_pocket`。
# <span lang="en">The inpatient deposit is waived when all four hold: the person is in hardship (二), the claim is an
# inpatient stay, the person was referred after a first visit at primary level, and the hospital is a designated
# hospital within the city area. At discharge the person pays only the out-of-pocket remainder after the layers,
# which is the engine's `out_of_pocket`.</span>
#
# Assumption (one reading: 每个条件都是就医的事实，由使用者说明 <span lang="en">/ each condition is a fact about the claim that the user states</span>): 每个条件都是就医记录上的是/否字段（`referred`、`in_city_designated_hospital`），未注明时按“否”处理。
# <span lang="en">each condition is a yes/no field on the claim (`referred`, `in_city_designated_hospital`), false
# unless stated.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(pay_after_treatment)

# %% tags=["hide-input"]
def deposit_case(category, setting, referred, in_city):
    claim = {"date": "2023-05-01", "setting": setting, "policy_range_cost": 10000, "basic_insurance_paid": 6000,
             "critical_illness_paid": 0, "referred": referred, "in_city_designated_hospital": in_city}
    r = evaluate(parse_scenario({"policy": P, "person": {"category": category, "insurance": "resident"},
                                 "claims": [claim]}))
    return {"人员 person": person_label({"category": category}), "就医类型 setting": setting_label(setting),
            "规范转诊 referred": referred, "市内定点医院 city hospital": in_city,
            "免押金 deposit waived": r.claims[0]["pay_after_treatment"],
            "出院自付 due at discharge": r.claims[0]["out_of_pocket"]}


deposit_cases = page_frame(pd.DataFrame([
    deposit_case("dibao", "inpatient", True, True),
    deposit_case("dibao", "inpatient", False, True),
    deposit_case("dibao", "inpatient", True, False),
    deposit_case("dibao", "outpatient", True, True),
    deposit_case("general", "inpatient", True, True),
]))
deposit_cases["出院自付 due at discharge"] = deposit_cases["出院自付 due at discharge"].map("{:,.2f}".format)
deposit_cases

# %% tags=["remove-cell"]
assert list(deposit_cases["免押金 deposit waived"]) == [True, False, False, False, False]

# %% [markdown]
# ## 三(二)7 切实降低医药服务成本 · Lower costs of drugs and services

# %% tags=["hide-input"]
show_clause(P, "3.2.7")

# %% [markdown]
# 个人自付最高比例只是“探索”，没有数值，无法编码。
# <span lang="en">The maximum self-pay share is only to be "explored": no value, so not encodable.</span>
#
# ## 三(三)8 确保困难群众应保尽保（资助参保） · Subsidised enrolment

# %% tags=["hide-input"]
show_clause(P, "3.3.8")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 某一年度内，当事人在该年度或以前被认定、且在该年度以前未退出救助的，
# 其居民医保个人缴费部分由财政全额资助（比例100%，参数 `enrolment.individual_contribution_subsidy_share`）。
# 新认定的救助对象在认定当月参保，自次月起享受待遇；退出的，当年度继续享受待遇，次年起不再资助。处于渐退期的低保、
# 低保边缘对象继续享受资助。
# <span lang="en">For a given year, the individual contribution to resident insurance is paid in full by government
# (share 100%, parameter `enrolment.individual_contribution_subsidy_share`) when the person was recognised in or
# before that year and had not left assistance before that year. A new recipient is enrolled in the month of
# recognition and covered from the first day of the next month. One who leaves stays covered for the rest of that
# year and is not subsidised from the next year. Dibao and dibian recipients in the gradual-exit period (渐退期) stay
# subsidised.</span>
#
# Assumption (one reading: “次月”即下一个自然月，待遇自该月第一天起享受 <span lang="en">/ 次月 is the next calendar month and cover starts on its first day</span>): “次月起享受待遇”指自下一个自然月的第一天起。
# <span lang="en">"covered from the next month" means from the first day of the next calendar month.</span>
#
# Assumption (one reading: 渐退期的规定只点名低保和低保边缘对象 <span lang="en">/ the gradual-exit sentence names 低保 and 低保边缘 only</span>): 渐退期的规定只点名低保和低保边缘对象，因此处于渐退的特困人员按一般退出规则处理。
# <span lang="en">the gradual-exit sentence names only 低保 and 低保边缘, so a tekun person in a gradual exit follows
# the ordinary exit rule.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(coverage_start, enrolment_subsidy)

# %% tags=["hide-input"]
enrolment_cases = page_frame(pd.DataFrame([
    {"算例 case": name, "认定日期 recognised": str(rec), "退出日期 exited": str(ex or "—"), "渐退期 gradual exit": ge,
     "年度 year": y, "次月生效 covered from": str(coverage_start(rec)),
     "资助参保 subsidised": enrolment_subsidy(y, cat, rec, ex, ge)}
    for name, cat, rec, ex, ge, y in [
        ("年中认定 · recognised mid-year", "dibao", dt.date(2023, 3, 15), None, False, 2023),
        ("12月认定 · recognised in December", "dibao", dt.date(2023, 12, 31), None, False, 2023),
        ("认定前一年 · the year before recognition", "dibao", dt.date(2023, 3, 15), None, False, 2022),
        ("退出当年：仍享受 · exit year: still covered", "dibao", dt.date(2022, 1, 10), dt.date(2024, 6, 30), False, 2024),
        ("退出次年 · year after exit", "dibao", dt.date(2022, 1, 10), dt.date(2024, 6, 30), False, 2025),
        ("低保边缘对象处于渐退期 · dibian in gradual exit", "dibian", dt.date(2022, 1, 10), dt.date(2024, 6, 30), True,
         2025),
        ("特困人员标为渐退 · tekun marked gradual exit", "tekun", dt.date(2022, 1, 10), dt.date(2024, 6, 30), True,
         2025),
    ]
]).set_index("算例 case"))
enrolment_cases

# %% tags=["remove-cell"]
assert list(enrolment_cases["资助参保 subsidised"]) == [True, True, False, True, False, True, False]
assert coverage_start(dt.date(2023, 12, 31)) == dt.date(2024, 1, 1)

# %% [markdown]
# ## 三(三)9 促进三重制度互补衔接 · The three layers working together

# %% tags=["hide-input"]
show_clause(P, "3.3.9")

# %% [markdown]
# ### 特殊病种目录：第一批 · Special-disease catalogue: the first batch
#
# **解读** <span lang="en">Interpretation.</span> 六种疾病纳入特殊病门诊目录，其门诊费用与住院费用共用基本医保年度
# 最高支付限额。该限额由其他文件规定，因此基本医保支付额取自结算单（`basic_insurance_paid`）。
# <span lang="en">Six conditions join the special-disease (特殊病) outpatient catalogue; their outpatient costs
# share the basic-insurance annual limit with inpatient care. The limit itself is in other documents, so basic
# insurance is taken from the settlement slip (`basic_insurance_paid`).</span>

# %% tags=["hide-input"]
page_frame(pd.DataFrame({"病种 condition": [f"{zh} · {en}" for zh, en in special_disease_catalogue_additions()]},
                        index=pd.Index(range(1, 7), name="序号 no.")))

# %% [markdown]
# ### 大病保险倾斜 · Critical-illness insurance tilt
#
# **解读** <span lang="en">Interpretation.</span> 对困难群众，大病保险起付线降低50%，支付比例**不低于**80%（下限），
# 取消封顶线。计算基数为全年政策范围内费用经基本医保支付后的个人负担；起付线一年内跨次就医只扣一次。
# <span lang="en">For people in hardship, the critical-illness deductible is cut by 50%, the ratio is **at least**
# 80% (a floor), and there is no cap. The base covers the year's policy-range burden left after basic insurance; the
# deductible is used up once a year across claims.</span>
#
# Assumption (one reading: 文件未给出数值，因此作为输入 <span lang="en">/ the text gives no number, so it is an input</span>): 降低前的起付线文件未载明，作为必填输入
# `critical_illness_base_deductible`；结算单上的大病保险支付额 `critical_illness_paid` 可代替计算。
# <span lang="en">the deductible before the cut is not in the text, so it is the required input
# `critical_illness_base_deductible`; a settlement-slip amount `critical_illness_paid` replaces the computation.</span>
#
# Assumption (reading 3.3.9:ratio-floors): “不低于80%”按下限编码：未提供当地比例时恰按80%支付（文件保证的最低水平）；
# 当地比例 `critical_illness_ratio` 高于80%的照用，低于80%的拒绝计算。
# <span lang="en">the floor is encoded as a floor: without a local ratio the engine pays exactly 80% (the least the
# text guarantees); a local `critical_illness_ratio` above 80% is used, one below it is refused.</span>
#
# Assumption (reading 3.3.9:outpatient-burden): 计算覆盖每次就医经基本医保支付后的负担，包括门诊；当地规定普通门诊不纳入的，
# 请提供结算单金额。
# <span lang="en">the computation covers every claim's burden after basic insurance, outpatient included; where local
# rules exclude general outpatient costs, give the slip amount.</span>
#
# Assumption (one reading: 方案未对其他人员规定大病保险待遇 <span lang="en">/ the plan sets no critical-illness rule for others</span>): 对非困难群众，方案没有规定大病保险待遇，因此需要
# 结算单金额；没有结算单金额的，该项及其后各项均为待定，并注明所缺字段。
# <span lang="en">for a person not in hardship the plan defines no critical-illness rule, so the slip amount is needed;
# without it that layer, and those after it, are undetermined (待定), naming the field.</span>
#
# Assumption (one reading: 起付线按年度计算，即当年的起付标准线 <span lang="en">/ the deductible is a yearly amount, 起付标准线 of the year</span>): 同一年内既有以结算单金额结算的就医、
# 又有由规则计算的就医的，按一个年度合并结算：全年经基本医保支付后的负担计入每一次就医，减半后的起付线只扣一次，
# 由规则计算的就医所得为截至该次就医的全年应付额减去本年此前各次就医已付额（无论来自结算单还是本规则）。
# <span lang="en">a year mixing claims settled
# with a slip amount and claims computed here is settled as one year — the year's burden after basic insurance
# counts every claim, the halved deductible is used once, and a computed claim gets what is due for the year so
# far less what the year's earlier claims were paid, by the slip or by this rule.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(critical_illness_insurance)

# %% [markdown]
# 算例：降低前的起付线为30,000元（降低后为15,000元）。“负担”指政策范围内费用经基本医保支付后剩余的部分。
# <span lang="en">Worked examples, with a base deductible of 30,000 yuan (so 15,000 after the cut). "Burden" is the
# policy-range cost left after basic insurance.</span>

# %% tags=["hide-input"]
dibao = {"category": "dibao", "insurance": "resident"}
def claim(date, cost, basic, setting="inpatient", **more):
    """A claim as the settlement record gives it; the record shows no supplementary-insurance payment (0)."""
    return {"date": date, "setting": setting, "policy_range_cost": cost, "basic_insurance_paid": basic,
            "supplementary_insurance_paid": 0, **more}

ci_examples = cases(P, {
    "负担4万元 · burden 40,000": (dibao, [claim("2023-03-01", 100000, 60000)]),
    "负担恰为减半后的起付线（1.5万元） · burden exactly at the halved deductible (15,000)":
        (dibao, [claim("2023-03-01", 35000, 20000)]),
    "2023年两次就医，负担各1万元 · two claims of 10,000 burden in 2023": (dibao, [claim("2023-03-01", 25000, 15000),
                                                                   claim("2023-09-01", 25000, 15000)]),
    "2024年再负担1万元（起付线重新计算） · one more 10,000 burden in 2024 (deductible resets)":
        (dibao, [claim("2023-03-01", 25000, 15000), claim("2023-09-01", 25000, 15000),
                 claim("2024-02-01", 25000, 15000)]),
    "负担150万元（不封顶） · burden 1,500,000 (no cap)": (dibao, [claim("2023-03-01", 2000000, 500000)]),
}, inputs={"critical_illness_base_deductible": 30000},
   show=("critical_illness_insurance", "medical_assistance", "out_of_pocket"))
ci_examples

# %% tags=["remove-cell"]
assert list(ci_examples[CI]) == ["20,000.00", "0.00", "4,000.00", "4,000.00", "1,188,000.00"]

# %% [markdown]
# 当地比例高于下限（85%）的照用；低于下限的拒绝计算，并指出规定下限的条款：
# <span lang="en">A local ratio above the floor (85%) is used; one below it is refused with the clause that sets the
# floor:</span>

# %% tags=["hide-input"]
cases(P, {"负担4万元，当地比例85% · burden 40,000 at a local 85%": (dibao, [claim("2023-03-01", 100000, 60000)])},
      inputs={"critical_illness_base_deductible": 30000, "critical_illness_ratio": "0.85"},
      show=("critical_illness_insurance", "medical_assistance", "out_of_pocket"))

# %% tags=["hide-input"]
outcome_table([try_outcome("当地比例75% · a local 75%", lambda: cases(
    P, {"x": (dibao, [claim("2023-03-01", 100000, 60000)])},
    inputs={"critical_illness_base_deductible": 30000, "critical_illness_ratio": "0.75"}))])

# %% [markdown]
# ### 医疗救助 · Medical assistance
#
# **解读** <span lang="en">Interpretation.</span> 对困难群众：不设起付线；救助比例不低于80%（下限），计算基数为经基本医保
# 和大病保险支付后的政策范围内个人负担；门诊特殊病费用与住院执行相同比例，共用每人每年10万元的年度救助限额；特困人员
# 不设限额。限额按自然年计算。
# <span lang="en">For people in hardship: no deductible; at least 80% (a floor) of the policy-range burden left after
# basic and critical-illness insurance; outpatient catalogue costs at the same ratio as inpatient and sharing one
# annual limit of 100,000 yuan per person; no limit for tekun. The limit counts per calendar year.</span>
#
# Assumption (one reading: “每人每年”指医保年度，浙江的医保年度即自然年 <span lang="en">/ 每人每年 is the medical-insurance year, the calendar year in Zhejiang</span>): “每人每年”按医保年度即自然年（1月1日至12月31日）计算，与其他年度限额一致。
# <span lang="en">"每人每年" is the calendar year (1 January to 31 December), as for the other annual limits.</span>
#
# Assumption (reading 3.3.9:ratio-floors): 未提供当地比例 `medical_assistance_ratio` 时，按下限80%支付。
# <span lang="en">without a local `medical_assistance_ratio` the engine pays at the floor, 80%.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(medical_assistance)

# %% [markdown]
# 算例。为单独检验本条规则，大病保险支付额取自结算单（此处为0），因此救助前的负担为费用减去基本医保支付额。
# <span lang="en">Worked examples. To isolate this rule the critical-illness amount comes from the slip (here 0), so the
# burden before assistance is cost − basic insurance.</span>

# %% tags=["hide-input"]
from decimal import Decimal

def slip(date, burden, setting="inpatient", **more):
    """A claim whose slip shows 50,000 from basic insurance and 0 from critical-illness and supplementary insurance."""
    return {"date": date, "setting": setting, "policy_range_cost": Decimal(burden) + 50000, "basic_insurance_paid": 50000,
            "critical_illness_paid": 0, "supplementary_insurance_paid": 0, **more}

tekun = {"category": "tekun", "insurance": "resident"}
general = {"category": "general", "insurance": "employee"}
ma_examples = cases(P, {
    "负担5万元 · burden 50,000": (dibao, [slip("2023-03-01", 50000)]),
    "恰达限额：负担12.5万元 · exactly at the limit: burden 125,000": (dibao, [slip("2023-03-01", 125000)]),
    "略超：负担125,000.02元 · just over: burden 125,000.02": (dibao, [slip("2023-03-01", "125000.02")]),
    "2023年两次住院：先10万元后5万元 · two admissions in 2023: 100,000 then 50,000":
        (dibao, [slip("2023-03-01", 100000), slip("2023-08-01", 50000)]),
    "同上，2024年再5万元 · the same, then 50,000 in 2024": (dibao, [slip("2023-03-01", 100000),
                                                          slip("2023-08-01", 50000), slip("2024-01-05", 50000)]),
    "先门诊1万元，后住院12万元 · outpatient 10,000 then inpatient 120,000":
        (dibao, [slip("2023-02-01", 10000, "outpatient"), slip("2023-06-01", 120000)]),
    "特困人员，负担20万元（不设限额） · tekun, burden 200,000 (no limit)": (tekun, [slip("2023-03-01", 200000)]),
    "非困难群众 · not in hardship": (general, [slip("2023-03-01", 50000)]),
})
ma_examples

# %% tags=["remove-cell"]
assert list(ma_examples[MA]) == ["40,000.00", "100,000.00", "100,000.00", "100,000.00", "140,000.00",
                                 "100,000.00", "160,000.00", "0.00"]
assert ma_examples.loc["略超：负担125,000.02元 · just over: burden 125,000.02", OOP] == "25,000.02"

# %% [markdown]
# ## 三(三)10 鼓励发展商业健康保险（第四重保障） · Commercial supplementary insurance

# %% tags=["hide-input"]
show_clause(P, "3.3.10")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 方案资助参加政策性商业补充医疗保险，但未规定其待遇，因此其支付额取自
# 结算单（`supplementary_insurance_paid`），按三(三)11所列四重保障的顺序在医疗救助之后结算。
# <span lang="en">The plan subsidises enrolment in the policy-backed supplementary insurance but sets none of its
# benefits, so what it paid comes from the slip (`supplementary_insurance_paid`), settled after medical assistance,
# in the order 三(三)11 lists the four layers.</span>
#
# Assumption (one reading: 方案未规定该项待遇 <span lang="en">/ the plan sets no benefit for it</span>): 没有结算单金额的，第四重保障为待定，其后的高额费用化解也为待定；
# 记录为0的，表示该项未支付。
# <span lang="en">with no slip amount the fourth layer is undetermined
# (待定), and so is the high-cost resolution that follows it; a record showing 0 means it paid nothing.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(supplementary_insurance)

# %% [markdown]
# ## 三(三)11 发挥社会力量多渠道化解高额医疗费用 · Resolving high costs

# %% tags=["hide-input"]
show_clause(P, "3.3.11")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 困难群众遵循就医指导方案并规范转诊的，经四重保障后个人负担仍超过5万元的，
# 化解至5万元。“超5万元以上”在金额严格大于5万元时触发；“化解至5万元以下”即降至不超过5万元——“以下”包括本数
# （与《民法典》第一千二百五十九条对“以上、以下”的解释一致），因此规则只化解超过5万元的部分，恰为5万元的不予化解。
# <span lang="en">For a person in hardship who followed the treatment guidance and was referred in the standard way,
# the amount still borne after the four layers is brought down to 50,000 yuan when it is above 50,000.
# "超5万元以上" triggers on an amount strictly above 50,000; "化解至5万元以下" brings it to at most 50,000 —
# 以下 includes the number itself (as Civil Code art. 1259 reads 以上/以下), so the engine resolves exactly the part
# above 50,000, and a burden of exactly 50,000 gets nothing.</span>
#
# Assumption (reading 3.3.11:high-cost-period): 5万元按每人每个自然年跨次累计，而不是按每次住院计算。
# <span lang="en">the 50,000 is counted over a calendar year per person, across claims, not per admission.</span>
#
# Assumption (one reading: 两项条件以“且”连接 <span lang="en">/ the two conditions are joined by 且</span>): 只有同时满足两项条件的就医才计入5万元；
# 两项事实未载明时化解待定，除非负担按最多计也未超过5万元（此时无论事实如何都不化解，结算为0）。
# <span lang="en">only claims that meet both conditions count towards the 50,000; with the facts not given the relief
# is undetermined, unless the burden counted at its most is within 50,000 (then there is none whatever the facts,
# settled at 0).</span>
#
# Assumption (reading 3.3.11:burden-scope): “自负金额”默认为政策范围内个人负担（与医疗救助的范围一致）；解读 total 计入政策范围外的全部自费（须提供 `total_cost`）。
# <span lang="en">"自负金额" is by default the policy-range burden (the scope assistance uses); reading total counts
# every cost the person bears, outside the policy range too (it needs `total_cost`).</span>
#
# Assumption (one reading: 资金来源不影响化解金额 <span lang="en">/ who funds the relief does not change the amount</span>): “由各地多渠道化解”的部分作为一笔金额 `further_relief` 支付，不区分资金来源。
# <span lang="en">"由各地多渠道化解" is paid as one amount, `further_relief`, whoever funds it.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(high_cost_resolution)

# %% tags=["hide-input"]
dibian = {"category": "dibian", "insurance": "resident"}
ok = {"referred": True, "followed_treatment_guidance": True}
relief_examples = cases(P, {
    "负担20万元 · burden 200,000": (dibian, [slip("2024-03-01", 200000, **ok)]),
    "负担15万元：余5万元，恰在线上 · burden 150,000: 50,000 left, exactly at the line":
        (dibian, [slip("2024-03-01", 150000, **ok)]),
    "负担150,000.01元：超线0.01元 · burden 150,000.01: 0.01 above the line":
        (dibian, [slip("2024-03-01", "150000.01", **ok)]),
    "负担20万元，未规范转诊 · burden 200,000, not referred":
        (dibian, [slip("2024-03-01", 200000, followed_treatment_guidance=True, referred=False)]),
    "同一年先13万元后4万元 · 130,000 then 40,000 in one year":
        (dibian, [slip("2024-03-01", 130000, **ok), slip("2024-10-01", 40000, **ok)]),
    "负担20万元，商业补充保险支付1万元 · burden 200,000 with 10,000 from supplementary insurance": (
        dibian, [slip("2024-03-01", 200000, supplementary_insurance_paid=10000, **ok)]),
})
relief_examples

# %% tags=["remove-cell"]
assert list(relief_examples[RELIEF]) == ["50,000.00", "0.00", "0.01", "0.00", "20,000.00", "40,000.00"]
assert list(relief_examples[OOP]) == ["50,000.00", "50,000.00", "50,000.00", "100,000.00", "50,000.00", "50,000.00"]

# %% [markdown]
# ## 三(三)12 建立多方联动帮扶机制，四(一)–(四) 工作要求 · Joint help and working requirements

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
# 这些条款规定组织、投入和督查；三(三)12列举了帮扶方式，但没有金额和条件。无需计算。
# <span lang="en">These clauses organise, fund and supervise the work; 三(三)12 names kinds of help without amounts or
# conditions. Nothing to compute.</span>
#
# ## 施行 施行日期与有效期 · Validity

# %% tags=["hide-input"]
show_clause(P, "end")

# %% [markdown]
# **解读** <span lang="en">Interpretation.</span> 就医日期早于2022-01-01或晚于2025-12-31的，不适用本方案：该次就医予以标注，
# 同一情形中的其他就医照常结算；情形中没有一次就医在施行期间内的，拒绝计算。
# <span lang="en">A claim dated before 2022-01-01 or after 2025-12-31 is outside the plan: it is marked so
# and the scenario's other claims are settled; a scenario with no claim in force is refused.</span>

# %% tags=["hide-input", "hide-output"]
show_rule(in_force)

# %% tags=["hide-input"]
outcome_table([try_outcome(date, lambda date=date: evaluate(parse_scenario(
    {"policy": P, "person": dibao, "claims": [slip(date, 1000)]})))
    for date in ("2021-12-31", "2022-01-01", "2025-12-31", "2026-01-01")])

# %% [markdown]
# ## 完整算例及其追溯 · A whole case with its trace
#
# 一名低保对象2023年住院，政策范围内费用20万元，基本医保支付11万元（取自结算单），大病保险降低前的起付线3万元；
# 已规范转诊并遵循就医指导方案。追溯表的每一行都列出所依据的条款和所用数值。
# <span lang="en">A dibao patient with a 200,000 yuan inpatient bill in 2023, basic insurance paying 110,000 (from the
# slip), critical-illness deductible 30,000 before the cut; referred and following the guidance. Each line of the
# trace names the clause and the values it used.</span>

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
# ## 计算器 · Calculator
#
# 调整人员类别、费用或日期，各项制度的支付额都由同一规则引擎重新计算。在本书的静态网页中无法运行（网页背后没有
# Python），下方显示的是预先计算的结果（低保对象，20万元住院）。如需实时计算，请在本机项目目录中运行 `make workshop`。
# <span lang="en">Change the category, the bill or the date and every layer is recomputed by the same engine. In the
# static book the controls cannot run (there is no Python behind the page): what shows below is the precomputed
# result. To run it live, run `make workshop` in the repository.</span>

# %% tags=["hide-input", "nbval-ignore-output"]
from medrules.publish.widgets import Calculator

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
