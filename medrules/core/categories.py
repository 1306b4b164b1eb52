"""The person statuses and categories, in one table each: code (pinyin of the official term), Chinese and English."""
CATEGORIES = {
    "tekun": ("特困人员", "extremely poor (tekun)"),
    "dibao": ("低保对象", "minimum-living-allowance recipient (dibao)"),
    "dibian": ("低保边缘对象", "on the margin of the allowance (dibian)"),
    "yinbing_zhipin": ("因病致贫重病患者", "seriously ill person impoverished by illness"),
    "jiance": ("防止返贫监测对象", "household monitored against relapse into poverty"),
    "tufa_kunnan": ("突发严重困难人员", "person in sudden severe hardship"),
    "general": ("普通参保人", "other insured person"),
}

INSURANCE_TYPES = {
    "employee": ("职工医保", "employee medical insurance"),
    "resident": ("居民医保", "resident medical insurance"),
}

# Claim kinds (结算的医疗类别), as the national 医疗类别 table groups them and the policies name them. The codes of earlier
# files keep their meaning: `outpatient` is 普通门诊. A region's own 医疗类别 codes map to these (examples/nhsa-codes.yaml).
SETTINGS = {
    "inpatient": ("住院", "inpatient"),
    "outpatient": ("普通门诊", "general outpatient"),
    "chronic_outpatient": ("门诊慢特病", "outpatient care of chronic and special diseases"),  # 慢特病、特殊病种、门诊特殊病
    "day_surgery": ("日间手术", "day surgery"),
    "maternity_outpatient": ("生育门诊（产前检查）", "maternity outpatient (prenatal care)"),
}
# 日间手术 is admitted and settled as a stay in hospital (纳入住院管理): wherever a text speaks of 住院, it counts.
INPATIENT_KINDS = ("inpatient", "day_surgery")
OUTPATIENT_KINDS = ("outpatient", "chronic_outpatient", "maternity_outpatient")

FACILITIES = {
    "village": ("村卫生室", "village clinic"),
    "township": ("乡镇卫生院", "township health centre"),
    "secondary": ("二级医院", "secondary hospital"),
    "tertiary": ("三级医院", "tertiary hospital"),
}


def label(code: str, table: dict = CATEGORIES) -> str:
    zh, en = table[code]
    return f"{zh} / {en}"


# A person holds statuses, not one category: 低保 and 因病致贫 at once, say. Each policy states its groups on these
# (medrules/rules/<id>.py). The order fixes each status's bit in the columnar table (medrules/core/claims.py).
STATUSES = {
    "tekun": ("特困人员", "extremely poor (tekun)"),
    "dibao": ("低保对象", "minimum-living-allowance recipient (dibao)"),
    "dibian": ("低保边缘对象", "on the margin of the allowance (dibian)"),
    "yinbing_zhipin": ("因病致贫重病患者", "seriously ill person impoverished by illness"),
    "fanpin_zhipin": ("返贫致贫人口", "person returned to or fallen into poverty"),
    "jiance": ("防止返贫监测对象", "household monitored against relapse into poverty"),
    "tufa_kunnan": ("突发严重困难人员", "person in sudden severe hardship"),
    "kunnan_zhigong": ("困难职工", "employee in hardship"),
    "qita_teshu_kunnan": ("县级以上人民政府规定的其他特殊困难人员", "other person in special hardship designated by a county-level "
                          "or higher government"),
}
# The one-category form of earlier scenarios and claims tables: "general" holds no status.
CATEGORY_STATUSES = {code: ((code,) if code in STATUSES else ()) for code in CATEGORIES}
