"""Presets: real situations a trainer can pick (`Preset`), per policy (`PRESETS`) or for any claim policy and the
comparison (`GENERIC_PRESETS`, `presets_for`), and the values the workshop assumes where a policy leaves an input
open (`WORKSHOP_INPUTS`, the book's illustrative inputs)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ...analysis.compare import CLAIM_INPUTS
from ..book.benefits import inpatient_stay


@dataclass(frozen=True)
class Preset:
    zh: str
    en: str
    person: dict
    claims: tuple
    inputs: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.zh} / {self.en}"


def _inpatient(date, cost, basic, **more) -> dict:
    return {"date": date, "setting": "inpatient", "facility": "tertiary", "policy_range_cost": cost,
            "basic_insurance_paid": basic, "referred": True, "followed_treatment_guidance": True,
            "in_city_designated_hospital": True, **more}


# Values a policy leaves open (its `inputs`) that the workshop fills in so that every calculator answers from the
# first screen: the book's illustrative inputs (medrules.analysis.compare.CLAIM_INPUTS), so the workshop and the book's
# comparison run the same assumptions. Not numbers from the documents: each is shown as 假设 and can be changed.
WORKSHOP_INPUTS = CLAIM_INPUTS

DIBAO = {"category": "dibao", "insurance": "resident"}
PRESETS = {
    "wenzhou-2021-78": [
        Preset("低保, 20万元住院", "dibao, 200,000 yuan inpatient bill", DIBAO,
               (_inpatient("2023-03-10", 200000, 110000),)),
        Preset("低保, 一年两次住院, 超过医疗救助年度限额",
               "dibao, two admissions in one year crossing the assistance limit", DIBAO,
               (_inpatient("2023-03-10", 500000, 200000), _inpatient("2023-09-15", 600000, 240000))),
        Preset("低保, 两次住院跨年度(限额1月1日重新计算)",
               "dibao, two admissions either side of 1 January (the limit starts again)", DIBAO,
               (_inpatient("2023-11-10", 500000, 200000), _inpatient("2024-02-15", 600000, 240000))),
        Preset("特困, 30万元住院(救助不设限额)", "tekun, 300,000 yuan inpatient bill (no assistance limit)",
               {"category": "tekun", "insurance": "resident"}, (_inpatient("2023-03-10", 300000, 100000),)),
        Preset("低保, 乡镇卫生院门诊", "dibao, outpatient visit at a township health centre", DIBAO,
               ({"date": "2023-05-10", "setting": "outpatient", "facility": "township", "policy_range_cost": 5000,
                 "basic_insurance_paid": 3000},),),
        Preset("普通参保人, 20万元住院(大病保险按结算单)",
               "other insured person, 200,000 yuan inpatient (critical-illness amount from the slip)",
               {"category": "general", "insurance": "resident"},
               (_inpatient("2023-03-10", 200000, 110000, critical_illness_paid=60000),)),
    ],
}


# For a policy without presets of its own, and for the comparison (no policy-specific facts in them). Dates fall
# where every claim policy is in force (Guizhou from 2024-08-21, Wenzhou to 2025-12-31), except the last preset,
# which shows a column that says 已失效 instead of a figure.
def _stay(cost, date=None, **more) -> dict:
    return {**inpatient_stay(cost, *([date] if date else []))[0], **more}


GENERIC_PRESETS = [
    Preset("低保, 20万元住院", "dibao, 200,000 yuan inpatient bill", DIBAO, tuple(inpatient_stay(200000))),
    Preset("特困, 30万元住院", "tekun, 300,000 yuan inpatient bill", {"category": "tekun", "insurance": "resident"},
           tuple(inpatient_stay(300000))),
    Preset("低保边缘, 2025年20万元住院", "dibian, 200,000 yuan inpatient bill in 2025",
           {"category": "dibian", "insurance": "resident"}, tuple(inpatient_stay(200000, "2025-06-10"))),
    Preset("低保, 一年两次住院", "dibao, two admissions in one year", DIBAO,
           (_stay(500000, "2025-03-10"), _stay(600000, "2025-09-15"))),
    Preset("低保, 20万元住院, 结算单有大病保险支付额", "dibao, 200,000 yuan, critical-illness amount on the slip",
           DIBAO, (_stay(200000, critical_illness_paid="60000"),)),
    Preset("低保, 2026年20万元住院(温州方案已到期)", "dibao, 200,000 yuan in 2026 (Wenzhou's plan has ended)", DIBAO,
           tuple(inpatient_stay(200000, "2026-03-10"))),
]


def presets_for(policy_id: str) -> list[Preset]:
    return PRESETS.get(policy_id) or GENERIC_PRESETS
