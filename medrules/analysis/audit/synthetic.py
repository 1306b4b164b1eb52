"""A synthetic regional export to show and test the audit: settlement records in the national layout (interface 2207
`setlinfo`), the identity records beside them (1101 `idetinfo`), the region's mapping file and inputs — seeded, so
the same seed gives the same export byte for byte — and the list of discrepancies planted in it.

The region settles Wenzhou's plan (温政办〔2021〕78号) as its rules say. Its records are made so that, by
construction, every amount the plan computes is what the record says, except the planted ones:
1. the costs, basic insurance (a regional formula: the plan takes it from the record), and critical-illness
   insurance for people outside the plan's groups (also from the record) are drawn;
2. critical-illness insurance of people in hardship is then what the rules give on those records (the engine's audit
   mode: each layer from the record's own earlier layers); then over- and under-payments are planted on some
   records;
3. other funds (公务员医疗补助) are drawn; medical assistance is what the rules give on the records as they now stand
   (so a planted critical-illness amount is carried into the assistance the hospital computed, as it would be), and
   over- and under-payments are planted again, some to people outside the plan's groups.
   One large hospital settles both layers under the other reading of 二 (`yinbing-zhipin: on-its-own`: a person
   impoverished by illness is in hardship without being in 低保/低边), so its people impoverished by illness get the
   tilted critical-illness insurance and assistance the plan's default reading does not give them;
4. 惠民保 (recorded as oth_pay) is drawn on what is left; a few records are made not to balance (psn_part_amt).

Planted: each (row, layer, kind, difference in fen): kind `over`, `under`, `reading` (the hospital's records the
other reading changes) or `unbalanced` (layer None). An audit of the export finds exactly these.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...core.claims import FLAG_FIELDS, MONEY_FIELDS, STATUS_CODES, Claims, Identity, code
from .findings import audit_table

POLICY = "wenzhou-2021-78"
SEED = 28
INPUTS = {"critical_illness_base_deductible": "30000"}   # the region's basic deductible (三(三)9 halves it)
OTHER_READING = ("wenzhou-2021-78/2:yinbing-zhipin", "on-its-own")
INSTITUTIONS = 40
DEVIATING = 17   # the hospital that applies OTHER_READING: a large one, a tenth of the people
DEVIATING_SHARE = 0.1
CODES = {
    "insutype": {"310": "employee", "390": "resident"},
    "med_type": {"11": "outpatient", "14": "chronic_outpatient", "21": "inpatient", "2114": "day_surgery"},
    "psn_idet_type": {"1100": [], "2101": ["tekun"], "2102": ["dibao"], "2103": ["dibian"],
                      "2104": ["dibao", "yinbing_zhipin"], "2105": ["yinbing_zhipin"], "2106": ["jiance"],
                      "2107": ["fanpin_zhipin"], "2108": ["kunnan_zhigong"]},
    "funds": {"basic_insurance_paid": ["hifp_pay"], "critical_illness_paid": ["hifmi_pay", "hifob_pay"],
              "other_funds_paid": ["cvlserv_pay", "hifes_pay"], "supplementary_insurance_paid": ["oth_pay"],
              "medical_assistance_paid": ["maf_pay"]},
}
IDENTITY_MIX = {"1100": 0.77, "2101": 0.02, "2102": 0.06, "2103": 0.04, "2104": 0.01, "2105": 0.03, "2106": 0.03,
                "2107": 0.01, "2108": 0.03}
KINDS = {"11": 0.55, "14": 0.15, "21": 0.25, "2114": 0.05}   # med_type
COST_YUAN = {"11": (5.3, 0.9), "14": (7.0, 0.8), "21": (9.6, 0.9), "2114": (8.5, 0.6)}   # lognormal (mu, sigma)
FIRST_DAY, LAST_DAY = np.datetime64("2023-01-01"), np.datetime64("2024-12-31")


@dataclass
class Export:
    settlements: object   # pyarrow Table, the national layout
    people: object        # pyarrow Table: psn_no, psn_idet_type, begntime, endtime
    codes: dict
    inputs: dict
    planted: list         # dicts: row (1-based), layer, kind, difference (fen, recorded − what the rules give)
    deviating: str        # the institution that applies OTHER_READING

    def planted_table(self):
        import pyarrow as pa
        return pa.Table.from_pylist(self.planted, schema=pa.schema([
            ("row", pa.int64()), ("layer", pa.string()), ("kind", pa.string()), ("difference_fen", pa.int64()),
            ("institution", pa.string())]))


def institution_names() -> list[str]:
    return [f"H330301{k:02d}" for k in range(INSTITUTIONS)]


def synthetic_export(records: int = 20_000, seed: int = SEED) -> Export:
    """The export of `records` settlement records (about five per person) with its planted discrepancies."""
    rng = np.random.default_rng(seed)
    n, people = records, max(1, records // 5)
    ids = np.array([f"33030{p:09d}" for p in range(people)], dtype=object)
    idet_codes = np.array(list(IDENTITY_MIX))
    idet = rng.choice(len(idet_codes), size=people, p=list(IDENTITY_MIX.values()))
    employee = rng.random(people) < 0.3
    share = np.full(INSTITUTIONS, (1 - DEVIATING_SHARE) / (INSTITUTIONS - 1))
    share[DEVIATING] = DEVIATING_SHARE
    home = rng.choice(INSTITUTIONS, size=people, p=share)
    start, end = _identity_days(rng, people, idet)
    weights = rng.pareto(1.5, people) + 1
    person = np.concatenate([np.arange(people), rng.choice(people, size=n - people, p=weights / weights.sum())])
    rng.shuffle(person)
    kinds = np.array(list(KINDS))
    kind = rng.choice(len(kinds), size=n, p=list(KINDS.values()))
    mu = np.array([COST_YUAN[k][0] for k in kinds])[kind]
    sigma = np.array([COST_YUAN[k][1] for k in kinds])[kind]
    cost = np.minimum(np.round(rng.lognormal(mu, sigma) * 100).astype(np.int64), 2_000_000_00)
    days = rng.integers(0, int((LAST_DAY - FIRST_DAY).astype(int)) + 1, n)
    date = FIRST_DAY + days.astype("timedelta64[D]")
    stay = np.isin(kinds[kind], ("21", "2114"))
    fully = _part(rng, cost, 0.08, 1.0)
    over_limit = _part(rng, cost, 0.02, 0.3)
    pre = _part(rng, cost, 0.06, 1.0)
    deductible = np.where(stay, np.minimum(cost, 800_00), 0)
    emp = employee[person]
    basic_ratio = np.where(stay, np.where(emp, 85, 65), np.where(kinds[kind] == "14", 60, 50))
    basic = (cost - deductible) * basic_ratio // 100
    burden = cost - basic
    ci_formula = np.where(emp, np.maximum(0, burden - 100_000_00) * 90 // 100,
                          np.maximum(0, burden - 15_000_00) * 60 // 100)

    zeros, no = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    money = {"policy_range_cost": cost, "total_cost": cost + fully + over_limit + pre, "fully_self_paid": fully,
             "over_limit_self_paid": over_limit, "pre_self_paid": pre, "deductible_paid": deductible,
             "basic_insurance_paid": basic, "critical_illness_paid": ci_formula, "other_funds_paid": zeros,
             "supplementary_insurance_paid": zeros, "medical_assistance_paid": zeros}
    cols = {"row": np.arange(n, dtype=np.int64), "person": person.astype(np.int64),
            "statuses": np.zeros(n, dtype=np.int32),
            "insurance": np.where(emp, code("insurance", "employee"), code("insurance", "resident")).astype(np.int8),
            "date": date.astype("datetime64[D]"),
            "setting": np.array([code("setting", CODES["med_type"][k]) for k in kinds], np.int8)[kind],
            "facility": np.full(n, -1, dtype=np.int8), "record_unbalanced": no}
    for name in MONEY_FIELDS:
        cols[name], cols["has_" + name] = money[name], np.ones(n, dtype=bool)
    for name in FLAG_FIELDS:
        cols[name], cols["has_" + name] = no, no
    t = Claims(cols, person_ids=list(ids), identity=_identity(idet_codes[idet], start, end))
    deviating = home[person] == DEVIATING

    # 2. critical-illness insurance as the rules give it (the deviating hospital under the other reading), then planted
    ci, ci_default, ci_known, planted = _computed(t, "critical_illness_insurance", deviating)
    ci = np.where(ci_known, ci, ci_formula)
    taken = np.zeros(n, dtype=bool)
    spare = _spare_people(person, deviating)
    count = max(3, n // 2000)
    room = cost - basic - ci
    ci, more = _plant_layer(rng, "critical_illness_insurance", ci, room, ci_known & spare, count, taken)
    planted += more
    t = t.with_columns(critical_illness_paid=ci)

    # 3. other funds, then medical assistance as the rules give it on the records as they stand, then planted
    civil = emp & (rng.random(n) < 0.1)
    other = np.where(civil, (cost - basic - ci) * 20 // 100, 0)
    t = t.with_columns(other_funds_paid=other)
    ma, _, ma_known, more = _computed(t, "medical_assistance", deviating)
    planted += more
    ma = np.where(ma_known, ma, 0)
    room = cost - basic - ci - other - ma
    ma, more = _plant_layer(rng, "medical_assistance", ma, room, ma_known & spare, count, taken)
    planted += more

    # 4. 惠民保 on what is left, the funds' totals, the person's share; a few records that do not balance
    enrolled = rng.random(people) < 0.3
    left = cost - basic - ci - other - ma
    supplementary = np.where(enrolled[person], np.maximum(0, left - 5_000_00) * 40 // 100, 0)
    # a record that does not balance leaves its person's later records of the year waiting: none of them is planted
    planted_people = np.zeros(people, dtype=bool)
    planted_people[person[taken]] = True
    unbalanced = _pick(rng, spare & ~planted_people[person], max(2, n // 4000))
    share_error = rng.choice([-1, 1], len(unbalanced)) * rng.integers(1, 10_000, len(unbalanced))
    planted += [_plant(int(i), None, "unbalanced", None, None) for i in unbalanced]
    planted.sort(key=lambda p: (p["row"], p["layer"] or ""))
    amounts = {"basic": basic, "ci": ci, "other": other, "ma": ma, "supplementary": supplementary}
    table = _settlements(rng, ids, person, emp, kinds[kind], home, date, money, amounts, unbalanced, share_error)
    return Export(table, _people_table(ids, idet_codes[idet], start, end), CODES, dict(INPUTS), planted,
                  institution_names()[DEVIATING])


def _part(rng, cost, most: float, share: float) -> np.ndarray:
    """A cost outside the policy range: up to `most` of the policy-range cost, on `share` of the records."""
    return np.where(rng.random(len(cost)) < share, (cost * rng.uniform(0, most, len(cost))).astype(np.int64), 0)


def _identity_days(rng, people: int, idet: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 each identity record holds: most from before the records, a fifth recognised during them
    (a day of the month other than the 1st: 三(三)8 counts them from the next month), a few ended."""
    early = np.datetime64("2015-01-01").astype(int) + rng.integers(0, 2900, people)
    during = FIRST_DAY.astype(int) + rng.integers(0, 640, people)
    recognised = np.where(rng.random(people) < 0.2, during, early)
    ended = np.where((idet > 0) & (rng.random(people) < 0.05),
                     np.maximum(recognised, FIRST_DAY.astype(int)) + rng.integers(30, 300, people), Identity.OPEN)
    return recognised.astype(np.int64), ended.astype(np.int64)


def _identity(codes: np.ndarray, start: np.ndarray, end: np.ndarray) -> Identity:
    person, bits = [], []
    for p, c in enumerate(codes.tolist()):
        for status in CODES["psn_idet_type"][c]:
            person.append(p)
            bits.append(1 << STATUS_CODES.index(status))
    person = np.array(person, dtype=np.int64)
    return Identity(person, np.array(bits, dtype=np.int32), start[person], end[person])


def _computed(t: Claims, layer: str, deviating: np.ndarray) -> tuple:
    """(the layer as the region's hospitals compute it, as the plan's default reading gives it, computed here, and
    the deviating hospital's records the other reading changes, as planted): the engine in audit mode, the
    deviating hospital's people under the other reading."""
    s = audit_table(t, POLICY, INPUTS, {})
    default, default_known = s.amounts[layer].copy(), s.known[layer] & ~s.from_record[layer]
    amount, known = default.copy(), default_known.copy()
    rows = np.flatnonzero(deviating)
    if len(rows):
        other = audit_table(t.take(rows), POLICY, INPUTS, {OTHER_READING[0]: OTHER_READING[1]})
        amount[rows] = other.amounts[layer]
        known[rows] = other.known[layer] & ~other.from_record[layer]
    # a layer the default reading leaves to the record is not audited: only what it computes differently is found
    changed = np.flatnonzero(deviating & known & default_known & (amount != default))
    planted = [_plant(int(i), layer, "reading", int(amount[i] - default[i]), institution_names()[DEVIATING])
               for i in changed]
    return amount, default, known, planted


def _spare_people(person: np.ndarray, deviating: np.ndarray) -> np.ndarray:
    """Records of people outside the deviating hospital: where over- and under-payments are planted."""
    return ~deviating


def _pick(rng, where: np.ndarray, count: int) -> np.ndarray:
    pool = np.flatnonzero(where)
    return np.sort(rng.choice(pool, size=min(count, len(pool)), replace=False)) if len(pool) else pool


def _plant(row: int, layer, kind: str, difference, institution) -> dict:
    return {"row": row + 1, "layer": layer, "kind": kind, "difference_fen": difference, "institution": institution}


def _plant_layer(rng, layer: str, amount: np.ndarray, room: np.ndarray, where: np.ndarray, count: int,
                 taken: np.ndarray) -> tuple[np.ndarray, list]:
    """`count` over-payments (within what the record leaves) and `count` under-payments (on amounts above 0), each
    1.00 to 2,000.00 yuan, on records not yet planted."""
    amount = amount.copy()
    planted = []
    for kind, pool in (("over", where & (room >= 100)), ("under", where & (amount >= 100))):
        rows = _pick(rng, pool & ~taken, count)
        most = np.minimum(room[rows] if kind == "over" else amount[rows], 2_000_00)
        delta = 100 + (rng.random(len(rows)) * (most - 99)).astype(np.int64)
        delta = np.minimum(delta, most)
        amount[rows] += delta if kind == "over" else -delta
        taken[rows] = True
        planted += [_plant(int(i), layer, kind, int(d if kind == "over" else -d), None) for i, d in zip(rows, delta)]
    return amount, planted


def _settlements(rng, ids, person, employee, med_type, home, date, money, a, unbalanced, share_error):
    import pyarrow as pa

    from ...tables.columns import decimal_array
    n = len(person)
    seconds = rng.integers(8 * 3600, 18 * 3600, n)
    times = (date.astype("datetime64[s]") + seconds.astype("timedelta64[s]")).astype(str)
    zero = np.zeros(n, dtype=np.int64)
    funds = {"hifp_pay": a["basic"], "cvlserv_pay": a["other"], "hifes_pay": zero,
             "hifmi_pay": np.where(employee, 0, a["ci"]), "hifob_pay": np.where(employee, a["ci"], 0),
             "maf_pay": a["ma"], "oth_pay": a["supplementary"]}
    total = money["total_cost"]
    paid = sum(funds.values())
    share = total - paid
    wrong = share[unbalanced] + share_error
    share[unbalanced] = np.where(wrong >= 0, wrong, share[unbalanced] + np.abs(share_error))   # never below 0
    number = np.char.zfill(np.arange(1, n + 1).astype(str), 9)
    cols = {"setl_id": pa.array(np.char.add("S", number)), "mdtrt_id": pa.array(np.char.add("M", number)),
            "psn_no": pa.array(ids[person]),
            "insutype": pa.array(np.where(employee[person], "310", "390")),
            "setl_time": pa.array(np.char.replace(times, "T", " ")),
            "med_type": pa.array(med_type),
            "fixmedins_code": pa.array(np.array(institution_names(), dtype=object)[home[person]]),
            "medfee_sumamt": decimal_array(total), "fulamt_ownpay_amt": decimal_array(money["fully_self_paid"]),
            "overlmt_selfpay": decimal_array(money["over_limit_self_paid"]),
            "preselfpay_amt": decimal_array(money["pre_self_paid"]),
            "inscp_scp_amt": decimal_array(money["policy_range_cost"]),
            "act_pay_dedc": decimal_array(money["deductible_paid"])}
    for name, fen in funds.items():
        cols[name] = decimal_array(fen)
    cols["fund_pay_sumamt"] = decimal_array(paid)
    cols["hosp_part_amt"] = decimal_array(zero)
    cols["psn_part_amt"] = decimal_array(share)
    return pa.table(cols)


def _people_table(ids, idet, start, end):
    import pyarrow as pa
    begin = np.char.add(start.astype("datetime64[D]").astype(str), " 00:00:00")
    stop = np.where(end == Identity.OPEN, "", np.char.add(np.minimum(end, 10 ** 6).astype("datetime64[D]").astype(str),
                                                           " 23:59:59"))
    return pa.table({"psn_no": pa.array(list(ids)), "psn_idet_type": pa.array(idet),
                     "begntime": pa.array(begin), "endtime": pa.array(stop)})


def write_export(export: Export, folder, parquet: bool = False) -> dict:
    """The export's files in `folder`: settlements (.csv, or .parquet), people.csv, codes.yaml, inputs.json and
    planted.csv (the ground truth). Returns their paths by name."""
    import json

    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    import yaml
    folder = Path(folder)
    paths = {key: folder / name for key, name in write_export.names(parquet).items()}
    if parquet:
        pq.write_table(export.settlements, paths["settlements"], store_decimal_as_integer=True)
    else:
        pacsv.write_csv(export.settlements, paths["settlements"])
    pacsv.write_csv(export.people, paths["people"])
    paths["codes"].write_text(yaml.safe_dump(export.codes, allow_unicode=True, sort_keys=False), encoding="utf-8")
    paths["inputs"].write_text(json.dumps(export.inputs) + "\n", encoding="utf-8")
    pacsv.write_csv(export.planted_table(), paths["planted"])
    return paths


write_export.names = lambda parquet=False: {   # noqa: E731  (the files, by what they hold)
    "settlements": "settlements.parquet" if parquet else "settlements.csv", "people": "people.csv",
    "codes": "codes.yaml", "inputs": "inputs.json", "planted": "planted.csv"}


def write_new_export(folder, records: int, seed: int = SEED, parquet: bool = False, stream=None) -> dict:
    """`python -m medrules synthetic-export`: the export in a folder (made if its parent exists), refusing to write over
    any file;
    every file is written to a temporary name first and renamed when all are complete."""
    import sys
    import tempfile

    from ...core.messages import msg
    from ...tables.columns import err
    folder = Path(folder)
    if not folder.is_dir() and not folder.parent.is_dir() or folder.exists() and not folder.is_dir():
        raise err("folder", "error.synthetic_folder", path=folder)
    names = write_export.names(parquet)
    for name in names.values():
        if (folder / name).exists():
            raise err("folder", "error.synthetic_exists", path=folder / name)
    export = synthetic_export(records, seed)
    folder.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".synthetic-") as scratch:
        written = write_export(export, scratch, parquet)
        for key, path in written.items():
            path.replace(folder / path.name)
    paths = [str(folder / name) for name in names.values()]
    for line in msg("synthetic_export.written", records=f"{records:,}", planted=f"{len(export.planted):,}",
                    files=", ".join(paths)):
        print(line, file=stream or sys.stdout)
    return {key: folder / name for key, name in names.items()}


__all__ = ["Export", "synthetic_export", "write_export", "write_new_export", "institution_names", "POLICY", "SEED", "INPUTS",
           "OTHER_READING", "CODES", "DEVIATING"]
