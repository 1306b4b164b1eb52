"""The audit's summary as the command prints it: each sentence from the catalogue (medrules/messages.yaml, audit.*),
Chinese on one line and its English on the next; amounts in yuan with thousands separators."""
from __future__ import annotations

from ...core.claims import yuan
from ...core.engine import validity_text
from ...core.messages import LANGS, text
from ...core.policy import load_policy
from ...core.readings import readings as reading_specs
from .fit import ReadingFit
from .summary import Summary

TOP = 5   # institutions, months and cases printed (the workbook holds them all)


def money(fen: int) -> str:
    return f"{yuan(fen):,.2f}"


def count(n: int) -> str:
    return f"{n:,}"


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def layer_name(layer: str, lang: str) -> str:
    return text(f"layer.{layer}", lang)


def institution_name(name: str, lang: str) -> str:
    return name or text("audit.no_institution", lang)


def _say(lines: list, key: str, indent: int = 0, **values) -> None:
    """Chinese, then English: values that differ by language are given as {lang: value}."""
    for lang in LANGS:
        filled = {k: (v[lang] if isinstance(v, dict) else v) for k, v in values.items()}
        lines.append("  " * indent + text(key, lang, **filled))


def _both(fn, *args) -> dict:
    return {lang: fn(*args, lang) for lang in LANGS}


def format_summary(s: Summary, fits: list[ReadingFit], written: list[str]) -> str:
    policy = load_policy(s.policy_id)
    lines: list[str] = []
    _say(lines, "audit.title", policy=s.policy_id, records=count(s.records))
    if s.unbalanced:
        _say(lines, "audit.unbalanced", 1, n=count(s.unbalanced))
    if s.contradicted:
        _say(lines, "audit.contradicted", 1, n=count(s.contradicted))
    if s.outside:
        _say(lines, "audit.outside", 1, n=count(s.outside), validity=_both(validity_text, policy))
    _say(lines, "audit.section.layers")
    for row in s.rollups["layer"]:
        layer = row["layer"]
        _say(lines, "audit.layer", 1, layer=_both(layer_name, layer), audited=count(row["audited"]),
             matched=count(row["matched"]), over=count(row["over_count"]), over_sum=money(row["over_sum"]),
             under=count(row["under_count"]), under_sum=money(row["under_sum"]),
             undetermined=count(row["undetermined"]))
        if row["within_bound"]:
            _say(lines, "audit.within_bound", 2, n=count(row["within_bound"]))
        if s.from_record.get(layer):
            _say(lines, "audit.from_record_rows", 2, n=count(s.from_record[layer]))
    for layer, why in s.not_audited.items():
        _say(lines, f"audit.not_audited.{why}", 1, layer=_both(layer_name, layer))
    differing = [r for r in s.rollups["group"] if r["over_count"] or r["under_count"]]
    if not differing:
        _say(lines, "audit.no_differences")
    else:
        _say(lines, "audit.section.groups")
        for r in sorted(differing, key=lambda r: (-r["over_sum"] - r["under_sum"], r["group"])):
            _rollup_line(lines, r["group"], r)
        for by, key in (("institution", "audit.section.institutions"), ("month", "audit.section.months")):
            rows = sorted((r for r in s.rollups[by] if r["over_count"]), key=lambda r: (-r["over_sum"], r[by]))[:TOP]
            if rows:
                _say(lines, key, n=count(len(rows)))
                for r in rows:
                    name = _both(institution_name, r[by]) if by == "institution" else r[by]
                    _rollup_line(lines, name, r)
        cases = s.largest[:TOP]
        _say(lines, "audit.section.largest", n=count(len(cases)))
        for c in cases:
            _say(lines, "audit.case", 1, row=count(c["row"]), institution=_both(institution_name, c["institution"]),
                 date=c["date"], group=c["group"], layer=_both(layer_name, c["layer"]),
                 recorded=money(c["recorded"]), computed=money(c["computed"]),
                 kind={lang: text(f"audit.kind.{c['kind']}", lang) for lang in LANGS},
                 amount=money(abs(c["difference"])), clause=c["clause"])
    if fits:
        _say(lines, "audit.section.readings")
        specs = reading_specs(s.policy_id)
        for r in fits:
            _reading_lines(lines, r, specs[r.reading])
    _say(lines, "audit.written", files=", ".join(written))
    return "\n".join(lines)


def _rollup_line(lines: list, name, r: dict) -> None:
    _say(lines, "audit.rollup", 1, name=name, over=count(r["over_count"]), over_sum=money(r["over_sum"]),
         under=count(r["under_count"]), under_sum=money(r["under_sum"]))


def _reading_lines(lines: list, r: ReadingFit, spec) -> None:
    layers = {lang: ("、" if lang == "zh" else ", ").join(layer_name(k, lang) for k in r.layers) for lang in LANGS}

    def words(option):
        return {lang: getattr(spec.options[option], lang) for lang in LANGS}
    if not r.decisive:
        _say(lines, "audit.reading.cannot_tell", 1, reading=r.reading, layers=layers)
    elif r.followed is None:
        key = "audit.reading.tied" if max(r.fits_decisive.values()) else "audit.reading.none_fits"
        _say(lines, key, 1, reading=r.reading, layers=layers, decisive=count(r.decisive))
    else:
        _say(lines, "audit.reading.followed", 1, reading=r.reading, layers=layers, option=r.followed,
             words=words(r.followed), decisive=count(r.decisive), fits=count(r.fits_decisive[r.followed]),
             share=share(r.fits_decisive[r.followed], r.decisive))
    for institution, option, decisive, fits in r.institutions:
        _say(lines, "audit.reading.institution", 2, institution=_both(institution_name, institution), option=option,
             words=words(option), decisive=count(decisive), fits=count(fits))
    if r.no_fit:
        _say(lines, "audit.reading.no_fit", 2, n=count(r.no_fit))


def explain_lines(result_path, row: int) -> list[str]:
    """What `explain` adds for a row of an audit's result: per audited layer, the recorded and computed amounts and
    the finding (Chinese, then English). Empty for a batch result."""
    import pyarrow.parquet as pq
    if (pq.read_schema(result_path).metadata or {}).get(b"medrules.audit") != b"per record":
        return []
    table = pq.read_table(result_path)
    record = table.slice(row - 1, 1).to_pylist()[0]
    lines = []
    for layer in [c[:-len("_finding")] for c in table.column_names if c.endswith("_finding")]:
        finding = str(record[f"{layer}_finding"])
        difference = record[f"{layer}_difference"]
        shown = {"recorded", "computed"}
        values = {k: "—" if record[f"{layer}_{k}"] is None else f"{record[f'{layer}_{k}']:,.2f}" for k in shown}
        for lang in LANGS:
            said = text(f"audit.finding.{finding}", lang)
            if finding in ("over", "under"):
                said += f" {abs(difference):,.2f}"
            lines.append(text("audit.explain", lang, layer=layer_name(layer, lang), finding=said, **values))
    return lines


__all__ = ["explain_lines", "format_summary", "money", "count", "share", "layer_name", "institution_name"]
