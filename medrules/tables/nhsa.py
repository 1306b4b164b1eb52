"""The settlement record (结算信息) of the national medical security information platform, read as claims.

    python -m medrules batch --layout nhsa --codes examples/nhsa-codes.yaml --policy ID SETTLEMENTS.csv --out R.parquet
                             [--people IDENTITY.csv]

Where the fields come from: 国家医疗保障局《医疗保障信息平台定点医药机构接口规范》, transaction 2207 (门诊结算 /
住院结算), output node `setlinfo` (结算信息): each field's name, its Chinese name and its meaning below are that
node's; 人员身份类别 is not a settlement field but the person's identity record (transaction 1101 人员信息获取,
output `idetinfo`: psn_idet_type, begntime, endtime), read here from the --people table (medrules/tables/people.py).
The record's field names are national; some code values are regional (人员身份类别, and which 险种类型 and 医疗类别
codes a region uses), and so is which fund field a region records commercial supplementary insurance (惠民保)
under: all of that comes through the region's mapping file (examples/nhsa-codes.yaml). Fields the engine does not
use (setl_id, mdtrt_id, fixmedins_name, …) may be present and are left alone.

| record field | 中文 (setlinfo) | claims field |
|---|---|---|
| psn_no | 人员编号 | person_id |
| insutype | 险种类型 | insurance, by the mapping |
| setl_time | 结算时间 (yyyy-MM-dd HH:mm:ss) | date (the day of settlement) |
| med_type | 医疗类别 | setting (claim kind), by the mapping |
| medfee_sumamt | 医疗费总额 | total_cost |
| fulamt_ownpay_amt | 全自费金额 | fully_self_paid |
| overlmt_selfpay | 超限价自费费用 | over_limit_self_paid |
| preselfpay_amt | 先行自付金额 | pre_self_paid |
| inscp_scp_amt | 符合政策范围金额 | policy_range_cost |
| act_pay_dedc | 实际支付起付线 | deductible_paid |
| hifp_pay | 基本医疗保险统筹基金支出 | a fund: basic_insurance_paid by default |
| cvlserv_pay | 公务员医疗补助资金支出 | a fund: other_funds_paid by default |
| hifes_pay | 企业补充医疗保险基金支出 | a fund: other_funds_paid by default (employer, not commercial) |
| hifmi_pay | 居民大病保险资金支出 | a fund: critical_illness_paid by default |
| hifob_pay | 职工大额医疗费用补助基金支出 | a fund: critical_illness_paid by default |
| maf_pay | 医疗救助基金支出 | a fund: medical_assistance_paid (kept beside the computed assistance) |
| oth_pay | 其他支出 | a fund: none by default; the mapping says if it is commercial supplementary insurance |
| fund_pay_sumamt | 基金支付总额 | checked: the sum of the fund fields |
| hosp_part_amt | 医院负担金额 | counted in the balance |
| psn_part_amt | 个人负担总金额 | checked: medfee_sumamt − every fund's payment − hosp_part_amt |
| fixmedins_code | 定点医药机构编号 | institution (where the export has it: the audit groups by it) |
| psn_idet_type | 人员身份类别 (identity record, not setlinfo) | statuses held throughout, by the mapping (older exports) |

A record whose amounts do not balance (psn_part_amt, fund_pay_sumamt) is not refused: its claim is left unsettled
and the result says why (medrules.core.claims.record_problems); a structural fault (a missing field, a bad time, an
unmapped code) refuses the file, naming its row and field.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.categories import INSURANCE_TYPES, SETTINGS, STATUSES
from ..core.messages import Problem, reason_zh
from . import arrow
from .columns import Column, decimal_array, err, money_column

REQUIRED = ("psn_no", "insutype", "setl_time", "med_type", "medfee_sumamt", "inscp_scp_amt", "hifp_pay",
            "psn_part_amt")
COSTS = {  # record field → claims field; a field absent from the record is not given
    "medfee_sumamt": "total_cost",
    "fulamt_ownpay_amt": "fully_self_paid",
    "overlmt_selfpay": "over_limit_self_paid",
    "preselfpay_amt": "pre_self_paid",
    "inscp_scp_amt": "policy_range_cost",
    "act_pay_dedc": "deductible_paid",
}
# Every fund's payment in setlinfo (基金支付类型 of the national table), in the order the interface lists them.
FUNDS = ("hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay")
# Which claims field each fund's payment counts toward, unless the region's mapping file says otherwise (`funds:`).
DEFAULT_FUNDS = {
    "basic_insurance_paid": ("hifp_pay",),
    "critical_illness_paid": ("hifmi_pay", "hifob_pay"),
    "other_funds_paid": ("cvlserv_pay", "hifes_pay"),
    "medical_assistance_paid": ("maf_pay",),
}
FUND_FIELDS = ("basic_insurance_paid", "critical_illness_paid", "other_funds_paid", "supplementary_insurance_paid",
               "medical_assistance_paid")
CODE_TABLES = ("insutype", "med_type", "psn_idet_type")
KNOWN = REQUIRED + tuple(COSTS) + FUNDS + ("fund_pay_sumamt", "hosp_part_amt", "psn_idet_type", "setl_id",
                                          "mdtrt_id", "fixmedins_code", "fixmedins_name")
_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?)?$"


def load_codes(path) -> dict:
    """The region's mapping: {insutype: {code: employee|resident}, med_type: {code: claim kind},
    psn_idet_type: {code: [status, …]}, funds: {claims field: [fund field, …]}}, checked against the values the
    engine knows. `funds` is optional (DEFAULT_FUNDS; commercial supplementary insurance is then not given)."""
    import yaml
    if path is None:
        raise err("codes", "error.nhsa_codes_needed")
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise err("codes", Problem.each("error.cannot_read_plain", zh={"reason": reason_zh(e)},
                                         en={"reason": str(e).splitlines()[0]}, path=path)) from None
    allowed = {"insutype": tuple(INSURANCE_TYPES), "med_type": tuple(SETTINGS), "psn_idet_type": tuple(STATUSES)}
    if not isinstance(raw, dict) or not set(allowed) <= set(raw) or not set(raw) <= set(allowed) | {"funds"}:
        raise err("codes", "error.nhsa_fields", path=path, fields=", ".join(list(allowed) + ["funds (optional)"]))
    codes = {}
    for field, values in allowed.items():
        table = raw[field]
        if not isinstance(table, dict) or not table:
            raise err(f"codes.{field}", "error.nhsa_map_codes", allowed=", ".join(values))
        clean = {}
        for code, value in table.items():
            given = value if field == "psn_idet_type" else [value]
            if not isinstance(given, list) or any(v not in values for v in given):
                raise err(f"codes.{field}.{code}", "error.nhsa_status_list" if field == "psn_idet_type" else
                           "error.choice", got=repr(value), allowed=", ".join(values))
            clean[str(code)] = given if field == "psn_idet_type" else value
        codes[field] = clean
    codes["funds"] = _fund_map(raw.get("funds"))
    return codes


def _fund_map(raw) -> dict:
    if raw is None:
        return dict(DEFAULT_FUNDS)
    if not isinstance(raw, dict):
        raise err("codes.funds", "error.nhsa_funds", fields=", ".join(FUND_FIELDS), funds=", ".join(FUNDS))
    out, used = {}, set()
    for ours, theirs in raw.items():
        theirs = theirs if isinstance(theirs, list) else [theirs]
        if ours not in FUND_FIELDS or any(f not in FUNDS or f in used for f in theirs):
            raise err(f"codes.funds.{ours}", "error.nhsa_funds", fields=", ".join(FUND_FIELDS), funds=", ".join(FUNDS))
        used.update(theirs)
        out[ours] = tuple(theirs)
    return out


def to_our_layout(table, codes: dict, line_offset, people: bool = False):
    """The record's table as a claims table in our layout (Arrow), with errors naming the record's own fields.
    `people`: the statuses come from an identity table, so psn_idet_type is optional."""
    import pyarrow as pa
    import pyarrow.compute as pc
    names = table.column_names
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise err("claims", "error.nhsa_missing_fields", names=", ".join(missing), required=", ".join(REQUIRED))
    if not people and "psn_idet_type" not in names:
        raise err("claims", "error.nhsa_identity_needed")
    n = table.num_rows

    def col(name):
        return Column(table, name, line_offset)
    out = {"person_id": col("psn_no").text()}
    for field, ours in (("psn_idet_type", "statuses"), ("insutype", "insurance"), ("med_type", "setting")):
        if field not in names:
            continue
        out[ours] = mapped_codes(col(field), codes[field], field == "psn_idet_type")
    t = col("setl_time")
    t.require_present()
    matched = pc.match_substring_regex(t.text(), _TIME)
    bad = np.flatnonzero(~(arrow.values(matched) & arrow.valid(matched)))
    if len(bad):
        t.fail(int(bad[0]), "error.nhsa_not_a_time", got=repr(t.value(bad[0])))
    out["date"] = pc.utf8_slice_codeunits(t.text(), 0, 10)   # the day, checked as a date by the claims' own check
    if "fixmedins_code" in names:
        out["institution"] = col("fixmedins_code").text()
    fen = {name: money_column(col(name), required=name in REQUIRED)
           for name in tuple(COSTS) + FUNDS + ("fund_pay_sumamt", "hosp_part_amt", "psn_part_amt") if name in names}
    for theirs, ours in COSTS.items():
        if theirs in fen:
            out[ours] = decimal_array(*fen[theirs])
    mapping = codes["funds"]
    mapped = {f for fields in mapping.values() for f in fields}
    for field in FUNDS:   # a payment no layer accounts for would silently change what is left to the person
        if field in fen and field not in mapped and fen[field][0].any():
            col(field).fail(int(np.flatnonzero(fen[field][0])[0]), "error.nhsa_fund_unmapped",
                            fields=", ".join(FUND_FIELDS))
    for ours, fields in mapping.items():
        given = [f for f in fields if f in fen]
        if given:
            out[ours] = decimal_array(sum(fen[f][0] for f in given), np.logical_or.reduce([fen[f][1] for f in given]))
    out["record_unbalanced"] = arrow.arrow_of(_unbalanced(fen, n), pa.bool_())
    return pa.table(out)


def mapped_codes(c: Column, mapping: dict, statuses: bool):
    """A coded field as the values it maps to (statuses joined with ;); an unmapped code is refused by its row."""
    import pyarrow as pa
    import pyarrow.compute as pc
    c.require_present()
    keys = list(mapping)
    index = arrow.filled(pc.index_in(c.text(), value_set=arrow.strings(keys)), -1)
    bad = np.flatnonzero(index < 0)
    if len(bad):
        c.fail(int(bad[0]), "error.nhsa_unmapped_code", got=repr(c.value(bad[0])), mapped=", ".join(keys))
    values = [";".join(mapping[k]) if statuses else mapping[k] for k in keys]
    # through the buffers (medrules.tables.arrow): pa.array on numpy would import pandas
    return pc.take(arrow.strings(values), arrow.arrow_of(index.astype(np.int32), pa.int32()))


def _unbalanced(fen: dict, n: int) -> np.ndarray:
    """Records whose amounts do not add up: the person's share against the total less every fund and what the
    hospital bore; the funds' total against its parts."""
    paid = sum((fen[f][0] for f in FUNDS if f in fen), np.zeros(n, dtype=np.int64))
    hospital = fen["hosp_part_amt"][0] if "hosp_part_amt" in fen else 0
    wrong = fen["psn_part_amt"][0] != fen["medfee_sumamt"][0] - paid - hospital
    if "fund_pay_sumamt" in fen:
        total, given = fen["fund_pay_sumamt"]
        wrong |= given & (total != paid)
    return wrong
