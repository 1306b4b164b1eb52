"""Every policy folder: clauses complete and verbatim from their seed, parameters cited and dated."""
import re
from pathlib import Path

import pytest

from medrules.policy import POLICIES_DIR, load_policy, policy_ids, read_yaml

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
STATUSES = {"encoded", "narrative", "not-encodable"}
KINDS = {"exact", "floor", "ceiling", "approximate", "range"}
SOURCE_KINDS = {"official-full-text", "news-report", "press-conference-report", "machine-translation"}


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_there_are_policies():
    assert "wenzhou-2021-78" in policy_ids()


@pytest.fixture(params=policy_ids())
def policy(request):
    return load_policy(request.param)


def test_metadata_names_its_seed_kind_and_dates(policy):
    m = policy.meta
    assert m["id"] == policy.id
    assert m["source_kind"] in SOURCE_KINDS
    assert (SEEDS / m["seed_file"]).exists() or not SEEDS.exists()
    assert m["title"]["zh"] and m["title"]["en"]
    assert "dates" in m


def test_every_clause_has_text_parallel_text_and_a_status(policy):
    assert policy.clauses
    for c in policy.clauses.values():
        assert c.id.startswith(policy.id + "/"), c.id
        assert c.text.strip(), c.id
        assert c.parallel.strip(), c.id
        assert c.status in STATUSES, c.id
        if c.status != "encoded":
            assert c.reason, f"{c.id} is {c.status} without a reason"


def test_clause_ids_are_unique(policy):
    ids = [raw["id"] for raw in read_yaml(POLICIES_DIR / policy.id / "clauses.yaml")]
    assert len(ids) == len(set(ids))


@pytest.mark.skipif(not SEEDS.exists(), reason="shared/seeds is not beside the repository")
def test_every_clause_text_is_verbatim_from_the_seed(policy):
    seed = _fold((SEEDS / policy.meta["seed_file"]).read_text(encoding="utf-8"))
    for c in policy.clauses.values():
        text = c.text
        for r in policy.meta.get("restorations") or []:
            text = text.replace(r["restored"], r["found"])
        assert _fold(text) in seed, f"{c.id} is not verbatim in {policy.meta['seed_file']}"


def test_every_parameter_value_cites_an_existing_clause_and_quotes_it(policy):
    for p in policy.parameters.values():
        assert p.kind in KINDS, p.name
        assert p.values, p.name
        for v in p.values:
            assert v.clause in policy.clauses, f"{p.name} cites missing clause {v.clause}"
            assert _fold(v.quote) in _fold(policy.clauses[v.clause].text), f"{p.name}: quote not in {v.clause}"


def test_every_input_and_fact_cites_an_existing_clause(policy):
    for name, spec in policy.inputs.items():
        assert spec["clause"] in policy.clauses, f"input {name} cites missing clause {spec['clause']}"
        assert spec.get("why"), f"input {name} does not say why the text leaves it open"
    for fact in policy.facts:
        assert fact["clause"] in policy.clauses, f"fact {fact.get('id')} cites missing clause {fact['clause']}"


def test_wenzhou_parameter_dates_are_the_validity_period():
    wz = load_policy("wenzhou-2021-78")
    for p in wz.parameters.values():
        for v in p.values:
            assert (str(v.start), str(v.end)) == ("2022-01-01", "2025-12-31"), p.name


def test_a_parameter_asked_for_outside_its_dates_is_an_error():
    import datetime as dt

    from medrules.policy import PolicyError
    wz = load_policy("wenzhou-2021-78")
    assert str(wz.param("medical_assistance.annual_limit", dt.date(2025, 12, 31)).value) == "100000"
    with pytest.raises(PolicyError, match="no value on 2026-01-01"):
        wz.param("medical_assistance.annual_limit", dt.date(2026, 1, 1))


def test_wenzhou_floors_are_encoded_as_floors():
    wz = load_policy("wenzhou-2021-78")
    assert wz.parameters["medical_assistance.ratio"].kind == "floor"   # 不低于80%
    assert wz.parameters["critical_illness.ratio"].kind == "floor"     # 80%以上


def test_encoded_clauses_name_rules_that_exist_and_cite_them():
    import importlib
    for pid in policy_ids():
        spec = importlib.util.find_spec("medrules.rules." + pid.replace("-", "_"))
        if spec is None:
            continue
        module = importlib.import_module(spec.name)
        for c in load_policy(pid).clauses.values():
            for name in c.rules:
                fn = getattr(module, name, None)
                assert fn is not None, f"{c.id} names rule {name} that {spec.name} does not define"
                assert fn.clause == c.id, f"{name} is marked for {fn.clause}, but {c.id} lists it"


def test_the_landing_table_counts_each_policys_assumptions_readings_and_cases():
    """Issue: 'the count of assumptions and readings per policy appears in the book's status table'. Wenzhou flags
    its assumptions in 16 `Assumption` lines, encodes 4 readings (二 因病致贫, 三(三)9 outpatient burden and ratio
    floors, 三(三)11 period) and has 24 hand-worked cases (counted by reading the files, as a reviewer would)."""
    import datetime as dt
    from medrules.book import review_counts, status_table
    assert review_counts("wenzhou-2021-78") == (16, 4, 24)
    row = next(line for line in status_table(dt.date(2026, 11, 28)).splitlines() if "温州" in line)
    assert row.endswith("| 16 / 4 / 24 |")


@pytest.mark.parametrize("policy", [p for p in policy_ids() if load_policy(p).in_force_from is None],
                         ids=str)
def test_every_report_based_value_is_known_from_the_day_it_was_said_in_public(policy):
    """One convention for every report (issue: dates follow no one convention): a measure a report relays is known
    from the press conference where the report names one (Guizhou 8月21日, Zhejiang 2019 6月6日, Shandong 9月5日),
    else from the report's own date (Zhejiang 2022 7月13日); every reported_in_force_on is that day."""
    p = load_policy(policy)
    expected = {"guizhou-2024-medical-security": "2024-08-21", "zhejiang-2019-chronic-outpatient": "2019-06-06",
                "shandong-2022-major-illness": "2022-09-05", "zhejiang-2022-illness-poverty": "2022-07-13"}
    assert str(p.known_from) == expected[policy]
    for parameter in p.parameters.values():
        for v in parameter.values:
            assert v.reported_in_force_on in (None, p.known_from), (parameter.name, v.reported_in_force_on)
