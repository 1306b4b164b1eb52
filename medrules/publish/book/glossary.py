"""The bilingual glossary (book/glossary.md): each term with its meaning in Chinese and English and links to the
clauses whose text uses it."""
from __future__ import annotations

from pathlib import Path

from ...core.messages import pair
from ...core.policy import load_policy, policy_ids
from .pages import REPO, clause_link, clause_sections, policy_page


# (term, English, explanation, other spellings found in the texts). The explanation is ours, not a quotation.
GLOSSARY = [
    ("特困人员", "person in extreme poverty (tekun)",
     "No ability to work, no income and no one obliged to support them; the first group in every assistance rule.",
     ("特困",)),
    ("低保", "minimum-living-allowance recipient (dibao)",
     "A household whose income is below the local minimum living standard and which receives the allowance.",
     ("低保对象", "低保户")),
    ("低保边缘", "on the margin of the allowance (dibian)",
     "A household just above the dibao line (usually up to 1.5 times it); written 低边 in Wenzhou.",
     ("低边", "低保边缘家庭", "低保邊緣")),
    ("因病致贫", "impoverished by illness",
     "A household pushed into poverty by medical costs; 因病致贫重病患者 are seriously ill people in such households.",
     ("因病致贫返贫", "因病致貧")),
    ("防止返贫监测对象", "household monitored against relapse into poverty (jiance)",
     "A household the poverty-relapse monitoring system watches because of unstable income or high costs.",
     ("监测对象", "防止返貧監測對象", "返贫致贫人口")),
    ("三重制度", "the three layers",
     "Basic medical insurance, critical-illness insurance and medical assistance, settled one after the other.",
     ("三重保障",)),
    ("基本医疗保险", "basic medical insurance",
     "The statutory insurance (employee or resident scheme) that pays first.", ("基本医保", "基本醫療保險")),
    ("政策范围内费用", "costs within the policy range",
     "Costs of drugs, services and materials on the insurance catalogues; the base on which ratios apply.",
     ("政策范围内", "政策範圍內")),
    ("起付线", "deductible (payment threshold)",
     "The part of the year's costs a scheme does not pay; written 起付标准 in many texts.",
     ("起付标准", "起付標準")),
    ("支付比例", "payment ratio",
     "The share of eligible costs above the deductible that a scheme pays.", ("报销比例", "救助比例", "報銷比例")),
    ("封顶线", "annual cap", "The most a scheme pays for a person in a year; 年度限额 for assistance.",
     ("年度限额", "救助限额", "年度救助限額")),
    ("大病保险", "critical-illness insurance",
     "The second layer: pays a share of the high costs left after basic insurance.", ("大病保險",)),
    ("医疗救助", "medical assistance",
     "The third layer, funded by government for people in hardship: pays a share of what is left after the "
     "insurances.", ("醫療救助",)),
    ("倾斜救助", "tilted (additional) assistance",
     "Extra assistance for people whose burden is still heavy after the three layers.", ("傾斜救助", "再救助")),
    ("慢特病", "chronic and special diseases",
     "Conditions whose outpatient treatment is covered like inpatient care (门诊慢特病).",
     ("门诊慢特病", "慢性病", "特殊病", "門診慢特病")),
    ("两病", "the two diseases (hypertension and diabetes)",
     "Outpatient medicines for hypertension and diabetes, covered by a dedicated benefit.",
     ("兩病", "高血压、糖尿病", "高血壓、糖尿病")),
    ("资助参保", "subsidised enrolment",
     "Government pays all or part of the individual contribution to resident insurance.", ("資助參保",)),
    ("先诊疗后付费", "treatment first, payment after", "No deposit on admission; the patient pays at discharge.",
     ()),
    ("商业补充医疗保险", "supplementary commercial insurance",
     "Policy-backed commercial insurance that pays after the three layers (in Zhejiang, 惠民保).",
     ("商业补充", "商业保险")),
    ("个人自付", "out of pocket", "What the patient still pays after every layer.", ("个人负担", "自付")),
]


# The meanings in Chinese, for readers of the 中文 setting (ours, for orientation, like the English ones).
GLOSSARY_ZH = {
    "特困人员": "无劳动能力、无生活来源、无法定赡养抚养扶养义务人或其义务人无履行能力的人员；各项救助规则中的首要对象。",
    "低保": "家庭人均收入低于当地最低生活保障标准、享受最低生活保障待遇的家庭成员。",
    "低保边缘": "收入略高于低保标准（一般不超过其1.5倍）的家庭成员；温州文件写作“低边”。",
    "因病致贫": "因医疗费用负担过重而陷入贫困的家庭；因病致贫重病患者指此类家庭中的重病患者。",
    "防止返贫监测对象": "因收入不稳定或支出较大，被纳入防止返贫动态监测的家庭成员。",
    "三重制度": "基本医疗保险、大病保险和医疗救助，依次结算。",
    "基本医疗保险": "法定的职工医保或城乡居民医保，最先支付。",
    "政策范围内费用": "医保药品、诊疗项目和医用耗材目录内的费用；各项支付比例的计算基数。",
    "起付线": "一年内医疗费用中某项制度不予支付的部分；许多文件写作“起付标准”。",
    "支付比例": "某项制度对起付线以上可报销费用支付的比例。",
    "封顶线": "某项制度一年内为一人支付的最高金额；医疗救助称“年度救助限额”。",
    "大病保险": "第二重保障：对基本医保支付后的高额费用再按比例支付。",
    "医疗救助": "第三重保障，由政府出资，对困难群众经各项保险支付后的剩余费用按比例救助。",
    "倾斜救助": "对经三重制度保障后个人负担仍然较重的人员给予的额外救助。",
    "慢特病": "门诊治疗费用参照住院待遇保障的慢性病和特殊疾病（门诊慢特病）。",
    "两病": "高血压、糖尿病门诊用药，设有专门保障。",
    "资助参保": "由政府全额或部分资助城乡居民医保的个人缴费。",
    "先诊疗后付费": "入院时免交押金，出院时再结算个人应付部分。",
    "商业补充医疗保险": "在三重制度之后支付的政策性商业保险（浙江各地称“惠民保”）。",
    "个人自付": "经各项制度支付后患者仍需自己承担的费用。",
}


def clause_texts(c) -> str:
    return "\n".join(t for t in (c.text, c.text_simplified, c.reference_zh, c.parallel, c.title.get("zh")) if t)


def glossary(root: Path = REPO) -> str:
    """Markdown: the glossary table, each term with links to the clauses whose text uses it."""
    pages = {pid: policy_page(pid, root) for pid in policy_ids()}
    sections = {pid: (clause_sections(p, pid) if p else {}) for pid, p in pages.items()}
    rows = ['| 术语 <span lang="en">term</span> | English | 说明 <span lang="en">meaning</span> '
            '| 所在条款 <span lang="en">used in</span> |', "|---|---|---|---|"]
    for zh, en, meaning, variants in GLOSSARY:
        uses = []
        for pid in policy_ids():
            policy = load_policy(pid)
            hits = [c for c in policy.clauses.values() if any(v in clause_texts(c) for v in (zh,) + variants)]
            if hits:
                place = f"{policy.meta['place']['zh']} {pid.split('-')[1]}"
                firsts = [x.label.split()[0] for x in policy.clauses.values()]

                def short(c):  # 第3段 for 第3段 強化普通門診保障, but the full label where the first word repeats
                    first = c.label.split()[0]
                    return first if firsts.count(first) == 1 else c.label

                links = ", ".join(clause_link(c.id, short(c), sections[pid], pages[pid]) for c in hits)
                uses.append(f"{place}: {links}")
        meaning = pair(GLOSSARY_ZH[zh], meaning) if zh in GLOSSARY_ZH else meaning
        rows.append(f"| **{zh}** | {en} | {meaning} | {'; '.join(uses) or '—'} |")
    return "\n".join(rows)
