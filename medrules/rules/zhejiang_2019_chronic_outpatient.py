"""浙江省《建立健全城乡居民医保慢性病门诊保障制度的指导意见》(浙江新闻客户端2019年6月7日报道) — the encoded clauses.

A news report on a press conference, not the guidance itself. What it lets us compute: a check of a local
(pooling-area) scheme against the provincial floors and the chronic-condition list as far as the report names it.
The inpatient ratios it reports as current (目前 85%/70%, p7) are statistics (facts in parameters.yaml), not a
claim calculator. It defines no claim layers, so `python -m medrules evaluate` refuses it with
a message saying so. Every value is known only from the report's date (2019-06-07): the report gives no start dates.

Numbers come from parameters.yaml, never from here.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..core.money import fmt_ratio, times
from ..core.policy import Policy
from ..core.rulebook import rule
from ..core.scenario import InputError

POLICY_ID = "zhejiang-2019-chronic-outpatient"
P1, P6, P8 = (f"{POLICY_ID}/{p}" for p in ("p1", "p6", "p8"))

# 第6段: the provincial chronic conditions the report names (高血压、糖尿病、肺结核、冠心病等12个). The other
# conditions of the twelve are not named: an open question, never guessed.
NAMED_CHRONIC_CONDITIONS = {
    "高血压": "hypertension",
    "糖尿病": "diabetes",
    "肺结核": "pulmonary tuberculosis",
    "冠心病": "coronary heart disease",
}
TUBERCULOSIS = "肺结核"


@rule(P1)
def in_force(policy: Policy, on: dt.date) -> bool:
    """新闻发布会日期 — zhejiang-2019-chronic-outpatient/p1: known only from the press conference the report relays,
    6月6日 = 2019-06-06 (the report itself is dated 2019-06-07).

    The guidance was issued 近日 (recently) and its ratios apply 意见施行后 (once it takes effect); neither date
    is reported, so nothing earlier than the press conference is known."""
    return on >= policy.known_from


def _on(policy: Policy, on: dt.date) -> dt.date:
    if not in_force(policy, on):
        raise InputError("on", "error.before_press_conference", on=on, known=policy.known_from, clause=P1)
    return on


@rule(P6)
def provincial_chronic_conditions(policy: Policy, on: dt.date) -> tuple:
    """省定慢性病病种 — zhejiang-2019-chronic-outpatient/p6: 12 conditions, of which the report names 4; the
    others are returned as unnamed places, so the count stays the report's and nothing is guessed."""
    count = policy.param("chronic_outpatient.condition_count", _on(policy, on)).value
    named = tuple(NAMED_CHRONIC_CONDITIONS.items())
    return named + tuple((None, None) for _ in range(count - len(named)))


@rule(P6)
def chronic_condition_eligibility(condition: str) -> bool | None:
    """省定慢性病认定 — zhejiang-2019-chronic-outpatient/p6: True for a condition the report names among the 12;
    None (unknown) for any other, which may or may not be one of the unnamed ones."""
    name = condition.strip()
    if name in NAMED_CHRONIC_CONDITIONS or name.lower() in NAMED_CHRONIC_CONDITIONS.values():
        return True
    return None


@rule(P6)
def chronic_drug_pharmacy_purchase(insurance: str, prescription: str | None,
                                   pharmacy_designated_by_own_pooling_area: bool) -> bool:
    """药店刷卡购药 — zhejiang-2019-chronic-outpatient/p6: a residents' insurance member may buy chronic-condition
    drugs by card at a retail pharmacy designated by their own pooling area, with an external prescription from a
    designated medical institution or an internet hospital's electronic prescription."""
    allowed = {"external": "外配处方 (designated medical institution)", "internet_hospital": "互联网医院电子处方"}
    if prescription is not None and prescription not in allowed:
        raise InputError("prescription", "error.unknown_prescription", got=repr(prescription),
                         allowed=", ".join(allowed))
    return insurance == "resident" and prescription in allowed and pharmacy_designated_by_own_pooling_area


@rule(P8)
def chronic_outpatient_floor(policy: Policy, on: dt.date, condition: str) -> Decimal:
    """慢性病基层门诊报销比例下限 — zhejiang-2019-chronic-outpatient/p8: at least 60% at primary level; for
    pulmonary tuberculosis at least 70%."""
    on = _on(policy, on)
    if condition.strip() in (TUBERCULOSIS, NAMED_CHRONIC_CONDITIONS[TUBERCULOSIS]):
        return policy.param("chronic_outpatient.tuberculosis_ratio", on).value
    return policy.param("chronic_outpatient.primary_ratio", on).value


@rule(P8)
def chronic_outpatient_reimbursement(policy: Policy, on: dt.date, condition: str, cost,
                                     local_ratio=None) -> Decimal:
    """慢性病基层门诊报销 — zhejiang-2019-chronic-outpatient/p8: the least a primary-level chronic outpatient cost
    is reimbursed: the floor (60%, tuberculosis 70%), or a local ratio at or above it; no deductible or limit
    is reported, so the amount is before any."""
    floor = chronic_outpatient_floor(policy, on, condition)
    ratio = floor if local_ratio is None else Decimal(local_ratio)
    if ratio < floor:
        raise InputError("local_ratio", "error.below_floor_for", got=ratio, floor=floor, clause=P8, condition=condition,
                         allowed=f"{floor} to 1")
    return times(Decimal(cost), ratio)


@rule(P8)
def check_local_scheme(policy: Policy, on: dt.date, primary_ratio, tuberculosis_ratio,
                       pharmacy_purchase_allowed: bool, conditions_covered=()) -> list:
    """地方方案合规检查 — zhejiang-2019-chronic-outpatient/p8 (with p6): a local scheme against the provincial
    floors: primary-level chronic outpatient ratio ≥ 60%, tuberculosis ≥ 70%, card purchase at designated
    pharmacies allowed, and the named conditions covered. One finding per requirement: True, False or None
    (cannot be checked from the report)."""
    on = _on(policy, on)
    primary_floor = policy.param("chronic_outpatient.primary_ratio", on)
    tb_floor = policy.param("chronic_outpatient.tuberculosis_ratio", on)
    findings = [
        {"requirement": "基层门诊慢性病报销比例 primary-level chronic outpatient ratio", "clause": P8,
         "provincial": f"≥ {fmt_ratio(primary_floor.value)}", "local": fmt_ratio(primary_ratio),
         "meets": Decimal(primary_ratio) >= primary_floor.value},
        {"requirement": "肺结核门诊报销比例 tuberculosis outpatient ratio", "clause": P8,
         "provincial": f"≥ {fmt_ratio(tb_floor.value)}", "local": fmt_ratio(tuberculosis_ratio),
         "meets": Decimal(tuberculosis_ratio) >= tb_floor.value},
        {"requirement": "定点零售药店刷卡购药 card purchase at designated pharmacies", "clause": P6,
         "provincial": "允许 · allowed", "local": "允许 · allowed" if pharmacy_purchase_allowed else "不允许 · not allowed",
         "meets": bool(pharmacy_purchase_allowed)},
    ]
    covered = {c.strip() for c in conditions_covered}
    count = policy.param("chronic_outpatient.condition_count", on).value
    # Words for the book's tables: "中文 · English" (medrules.publish.display splits them).
    for zh, en in NAMED_CHRONIC_CONDITIONS.items():
        findings.append({"requirement": f"病种 {zh} {en}", "clause": P6,
                         "provincial": f"{count}个省定病种之一 · one of the {count}",
                         "local": "已覆盖 · covered" if zh in covered or en in covered else "未覆盖 · not covered",
                         "meets": zh in covered or en in covered})
    unnamed = count - len(NAMED_CHRONIC_CONDITIONS)
    findings.append({"requirement": f"其余{unnamed}个病种 the other {unnamed} conditions", "clause": P6,
                     "provincial": "报道未列出 · not named in the report", "local": "—", "meets": None})
    return findings


# The report defines no claim layers: the engine refuses a scenario under this policy with this reason.
NO_CLAIM_LAYERS = ("encoded as a check of local schemes and a condition list (see its notebook; the reported "
                   "current ratios are statistics), not as claim layers")
