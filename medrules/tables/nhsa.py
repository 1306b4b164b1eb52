"""The settlement record (结算信息) of the national medical security information platform, read as claims.

    python -m medrules batch --layout nhsa --codes examples/nhsa-codes.yaml --policy ID SETTLEMENTS.csv --out R.parquet

The record's field names are national; some of its code values are regional (人员身份类别, and which 险种类型 and
医疗类别 codes a region uses), so those come through a small mapping file (examples/nhsa-codes.yaml). Fields the
engine does not use (setl_id, fixmedins_code, …) may be present and are left alone.

| record field | 中文 | claims field |
|---|---|---|
| psn_no | 人员编号 | person_id |
| psn_idet_type | 人员身份类别 (regional codes) | statuses, by the mapping |
| insutype | 险种类型 | insurance, by the mapping |
| setl_time | 结算时间 | date (the day of settlement) |
| med_type | 医疗类别 | setting, by the mapping |
| medfee_sumamt | 医疗费总额 | total_cost |
| fulamt_ownpay_amt | 全自费金额 | fully_self_paid |
| overlmt_selfpay | 超限价自费费用 | over_limit_self_paid |
| preselfpay_amt | 先行自付金额 | pre_self_paid |
| inscp_scp_amt | 符合政策范围金额 | policy_range_cost |
| act_pay_dedc | 实际支付起付线 | deductible_paid |
| hifp_pay | 基本医疗保险统筹基金支出 | basic_insurance_paid |
| hifmi_pay + hifob_pay | 居民大病保险资金支出 + 职工大额医疗费用补助基金支出 | critical_illness_paid |
| hifes_pay + oth_pay | 企业补充医疗保险基金支出 + 其他支出 | supplementary_insurance_paid (what is paid after the three systems, other than assistance) |
| maf_pay | 医疗救助基金支出 | medical_assistance_paid (kept beside the computed assistance: result column medical_assistance_recorded) |
| psn_part_amt | 个人负担总金额 | checked: medfee_sumamt − every fund's payment |
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.categories import INSURANCE_TYPES, SETTINGS, STATUSES
from ..core.messages import Problem, reason_zh
from .columns import Column, decimal_array, err, fen_text, money_column

REQUIRED = ("psn_no", "psn_idet_type", "insutype", "setl_time", "med_type", "medfee_sumamt", "inscp_scp_amt",
            "hifp_pay", "psn_part_amt")
AMOUNTS = {  # record field(s) → claims field; a field absent from the record is not given
    "total_cost": ("medfee_sumamt",),
    "fully_self_paid": ("fulamt_ownpay_amt",),
    "over_limit_self_paid": ("overlmt_selfpay",),
    "pre_self_paid": ("preselfpay_amt",),
    "policy_range_cost": ("inscp_scp_amt",),
    "deductible_paid": ("act_pay_dedc",),
    "basic_insurance_paid": ("hifp_pay",),
    "critical_illness_paid": ("hifmi_pay", "hifob_pay"),
    "supplementary_insurance_paid": ("hifes_pay", "oth_pay"),
    "medical_assistance_paid": ("maf_pay",),
}
FUNDS = ("hifp_pay", "hifmi_pay", "hifob_pay", "maf_pay", "hifes_pay", "oth_pay")


def load_codes(path) -> dict:
    """The region's mapping: {insutype: {code: employee|resident}, med_type: {code: inpatient|outpatient},
    psn_idet_type: {code: [status, …]}}, checked against the values the engine knows."""
    import yaml
    if path is None:
        raise err("codes", "error.nhsa_codes_needed")
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise err("codes", Problem.each("error.cannot_read_plain", zh={"reason": reason_zh(e)},
                                         en={"reason": str(e).splitlines()[0]}, path=path)) from None
    allowed = {"insutype": tuple(INSURANCE_TYPES), "med_type": tuple(SETTINGS), "psn_idet_type": tuple(STATUSES)}
    if not isinstance(raw, dict) or set(raw) != set(allowed):
        raise err("codes", "error.nhsa_fields", path=path, fields=", ".join(allowed))
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
    return codes


def to_our_layout(table, codes_path, line_offset):
    """The record's table as a claims table in our layout (Arrow), with errors naming the record's own fields."""
    import pyarrow as pa
    import pyarrow.compute as pc
    codes = load_codes(codes_path)
    names = table.column_names
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise err("claims", "error.nhsa_missing_fields", names=", ".join(missing), required=", ".join(REQUIRED))
    n = table.num_rows

    def col(name):
        return Column(table, name, line_offset)
    out = {"person_id": col("psn_no").text()}
    for field, ours in (("psn_idet_type", "statuses"), ("insutype", "insurance"), ("med_type", "setting")):
        c = col(field)
        c.require_present()
        text = c.text()
        mapping = codes[field]
        keys = list(mapping)
        index = pc.fill_null(pc.index_in(text, value_set=pa.array(keys)), -1).to_numpy(zero_copy_only=False)
        bad = np.flatnonzero(index < 0)
        if len(bad):
            c.fail(int(bad[0]), "error.nhsa_unmapped_code", got=repr(c.value(bad[0])), mapped=", ".join(keys))
        values = [";".join(mapping[k]) if field == "psn_idet_type" else mapping[k] for k in keys]
        out[ours] = pa.array(np.array(values, dtype=object)[index.astype(np.int64)], type=pa.string())
    t = col("setl_time")
    t.require_present()
    day = pc.utf8_slice_codeunits(t.text(), 0, 10)
    shaped = pc.match_substring_regex(t.text(), r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$")
    bad = np.flatnonzero(~pc.fill_null(shaped, False).to_numpy(zero_copy_only=False))
    if len(bad):
        t.fail(int(bad[0]), "error.nhsa_not_a_time", got=repr(t.value(bad[0])))
    out["date"] = day
    fen = {}
    for name in FUNDS + tuple(f for fields in AMOUNTS.values() for f in fields) + ("psn_part_amt",):
        if name in names and name not in fen:
            fen[name] = money_column(col(name), required=name in REQUIRED)
    for ours, fields in AMOUNTS.items():
        given = [f for f in fields if f in fen]
        if not given:
            continue
        amount = sum(fen[f][0] for f in given)
        present = np.logical_or.reduce([fen[f][1] for f in given])
        out[ours] = decimal_array(amount, present)
    paid = sum((fen[f][0] for f in FUNDS if f in fen), np.zeros(n, dtype=np.int64))
    part, total = fen["psn_part_amt"][0], fen["medfee_sumamt"][0]
    wrong = np.flatnonzero(part != total - paid)
    if len(wrong):
        i = int(wrong[0])
        col("psn_part_amt").fail(i, "error.nhsa_part_amount", part=fen_text(part[i]), total=fen_text(total[i]),
                                 paid=fen_text(paid[i]), funds=", ".join(f for f in FUNDS if f in fen))
    return pa.table(out)
