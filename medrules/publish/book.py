"""Pages of the book generated from policies/, the notebooks, the tests and the engine — never typed in.

Also a Sphinx extension (listed in _config.yml under sphinx.extra_extensions): at the start of every build it
writes book/_generated/*.md (git-ignored), which book/intro.md, book/clause-index.md and book/glossary.md include:

- policy-status.md: every policy in policies/*/policy.yaml with its dates and its status on the build date;
- clause-index.md: every clause of every policy with its status, the rule that encodes it, the tests that check
  it and a link to its section on the policy page;
- glossary.md: the bilingual glossary, each term linked to the clauses that use it;
- search-words.txt: the glossary's Chinese terms, given to jieba so that the site search finds them whole.

It also keeps every page self-contained: no Thebe loader, and the widget bundle told that it lives in _static/.
Links are checked by the build (-n -W): a section link that does not resolve fails it.
The comparison page (book/comparison.md) uses `run_everywhere` and `oop_curve` to run the same people through every
encoded policy.
"""
from __future__ import annotations

import ast
import datetime as dt
import importlib.util
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

from ..core.categories import CATEGORIES
from ..core.messages import both, html, msg, pair, text
from ..core.money import fmt_yuan
from ..core.policy import POLICIES_DIR, load_policy, policy_ids
from ..core.status import marked_name, policy_status, short_name, status_mark  # noqa: F401 (short_name: book/comparison.md)
from ..analysis.compare import CLAIM_INPUTS

REPO = POLICIES_DIR.parent

CLAUSE_STATUS = {"encoded": "已编码 encoded", "narrative": "叙述性 narrative",
                 "not-encodable": "无法编码 not encodable"}


# ---------------------------------------------------------------------------------------------------------------
# Where things are: the table of contents, the policy pages and their clause sections
# ---------------------------------------------------------------------------------------------------------------

def toc_files(root: Path = REPO) -> set:
    """Every document listed in _toc.yml (without extension)."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("file", "root") and isinstance(v, str):
                    found.add(re.sub(r"\.(md|ipynb)$", "", v))
                else:
                    walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    with open(root / "_toc.yml", encoding="utf-8") as f:
        walk(yaml.safe_load(f))
    return found


def policy_page(policy_id: str, root: Path = REPO) -> Path | None:
    """The policy's notebook when it exists and is in the table of contents (else it is not built)."""
    if f"notebooks/{policy_id}" not in toc_files(root):
        return None
    for ext in (".ipynb", ".md"):
        path = root / "notebooks" / f"{policy_id}{ext}"
        if path.exists():
            return path
    return None


def _slugify(title: str) -> str:
    """MyST's heading slug (myst_parser default_slugify), so that our links match its anchors."""
    from myst_parser.mdit_to_docutils.base import default_slugify
    return default_slugify(title)


_SHOW_CLAUSE = re.compile(r"show_clause\(\s*[^,()]+,\s*[\"']([^\"']+)[\"']")


def clause_sections(notebook: Path, policy_id: str, max_level: int = 3) -> dict:
    """{clause id: (heading text, slug)}: the heading under which the notebook shows each clause.

    A clause belongs to the nearest heading above the cell that calls show_clause(P, "<path>") (or whose output
    prints the clause ID in bold). Slugs are computed as MyST does (unique within the page, in order)."""
    from markdown_it import MarkdownIt

    if notebook.suffix != ".ipynb":
        return {}
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    md = MarkdownIt("commonmark")
    slugs, current, found = [], None, {}
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            tokens = md.parse(source)
            for i, tok in enumerate(tokens):
                if tok.type == "heading_open" and int(tok.tag[1:]) <= max_level:
                    inline = tokens[i + 1]
                    title = "".join(c.content for c in (inline.children or []) if c.type in ("text", "code_inline"))
                    slug = base = _slugify(title)
                    n = 1
                    while slug in slugs:
                        slug = f"{base}-{n}"
                        n += 1
                    slugs.append(slug)
                    current = (inline.content, slug)
        elif cell.get("cell_type") == "code" and current is not None:
            paths = _SHOW_CLAUSE.findall(source)
            for out in cell.get("outputs", []):
                text = "".join((out.get("data") or {}).get("text/markdown", ""))
                paths += re.findall(r"\*\*" + re.escape(policy_id) + r"/([^*\s]+)\*\*", text)
            for path in paths:
                found.setdefault(f"{policy_id}/{path}", current)
    return found


def clause_link(clause_id: str, text: str, sections: dict, page: Path | None) -> str:
    """A link to the clause's section on its policy page, else to its row group in the clause index."""
    policy_id = clause_id.split("/", 1)[0]
    if page is not None and clause_id in sections:
        return f"[{text}](/notebooks/{page.name}#{sections[clause_id][1]})"
    if page is not None:
        return f"[{text}](/notebooks/{page.name})"
    return f"{{ref}}`{text} <{index_label(policy_id)}>`"


def index_label(policy_id: str) -> str:
    return f"clause-index-{policy_id}"


# ---------------------------------------------------------------------------------------------------------------
# Policy status on the build date
# ---------------------------------------------------------------------------------------------------------------

def status_banner_html(policy_id: str, today: dt.date | None = None) -> str:
    """The banner that opens a policy page (injected when the page is written, so stored outputs stay as they
    are): the status marks, the document number and dates, and a report's caveats."""
    st = policy_status(policy_id, today)
    marks = " · ".join(pair(zh, en) for zh, en in st["marks"])
    details = "；".join(pair(zh, en) for zh, en in st["details"])
    caveats = "".join(f'<p class="medrules-status-caveat">{pair(zh, en)}</p>' for zh, en in st["caveats"])
    as_of = html("status.as_of", date=st["as_of"].isoformat())
    return (f'<div class="medrules-status medrules-status-{st["key"]}" role="note">'
            f'<p class="medrules-status-marks"><strong>{marks}</strong></p>'
            f'<p class="medrules-status-details">{details}</p>{caveats}'
            f'<p class="medrules-status-asof">{as_of}</p></div>')


def rules_module_exists(policy_id: str) -> bool:
    return importlib.util.find_spec("medrules.rules." + policy_id.replace("-", "_")) is not None


def status_table(today: dt.date, root: Path = REPO) -> str:
    """Markdown: one row per policy in policies/, with its status on `today` (marks from policy_status)."""
    rows = ["| 政策 <span lang=\"en\">policy</span> | 状态 <span lang=\"en\">status</span> "
            "| 来源与日期 <span lang=\"en\">source and dates</span> "
            "| 假设 / 解读 / 案例 <span lang=\"en\">assumptions / readings / cases</span> |", "|---|---|---|---|"]
    for pid in policy_ids():
        meta = load_policy(pid).meta
        st = policy_status(pid, today)
        page = policy_page(pid, root)
        name = f"[{meta['place']['zh']} · {meta['title']['zh']}](/notebooks/{page.name})" if page \
            else f"{meta['place']['zh']} · {meta['title']['zh']}"
        name += f' <span lang="en">{meta["place"]["en"]}</span>'
        marks = " · ".join(f'<strong class="medrules-mark medrules-mark-{st["key"]}">{pair(zh, en)}</strong>'
                           for zh, en in st["marks"])
        source = [pair(*st["source"]), *(pair(zh, en) for zh, en in st["details"])]
        if not rules_module_exists(pid):
            source.append(html("banner.rules_not_encoded"))
        rows.append(f"| {name} | {marks} | {'；'.join(source)} | {' / '.join(map(str, review_counts(pid, root)))} |")
    return "\n".join(rows)


def review_counts(policy_id: str, root: Path = REPO) -> tuple[int, int, int]:
    """What a reader should weigh on a policy page: how many `Assumption` lines its notebook flags, how many
    readings of the text are encoded (policies/<id>/readings.yaml), how many hand-worked cases its casebook has."""
    from ..core.readings import readings
    notebook = root / "notebooks" / f"{policy_id}.py"
    assumptions = (sum(1 for line in notebook.read_text(encoding="utf-8").splitlines()
                       if re.match(r"^# (假设 )?Assumption\b", line)) if notebook.exists() else 0)
    cases_file = root / "policies" / policy_id / "cases.yaml"
    raw = yaml.safe_load(cases_file.read_text(encoding="utf-8")) if cases_file.exists() else None
    cases = len(raw.get("cases") or []) if isinstance(raw, dict) else len(raw or [])
    return assumptions, len(readings(policy_id)), cases


# ---------------------------------------------------------------------------------------------------------------
# Clause index: clause, status, rule, tests
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class TestRef:
    name: str
    file: str
    refs: set          # names and strings the test uses
    banner: str | None  # the "# 三(三)9 …" comment banner it sits under


def collect_tests(root: Path = REPO) -> list[TestRef]:
    """Every test function in tests/*.py with the names it uses and the clause banner above it."""
    found = []
    for path in sorted((root / "tests").glob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        lines = text.splitlines()
        banners = []  # (line number, banner text)
        for i, line in enumerate(lines):
            if re.match(r"#\s*-{10,}", line) and i + 1 < len(lines) and lines[i + 1].startswith("# ") \
                    and not re.match(r"#\s*-{10,}", lines[i + 1]):
                banners.append((i + 2, lines[i + 1][2:].strip()))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                refs = set()
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Name):
                        refs.add(sub.id)
                    elif isinstance(sub, ast.Attribute):
                        refs.add(sub.attr)
                    elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        refs.add(sub.value)
                banner = None
                for line_no, b in banners:
                    if line_no <= node.lineno:
                        banner = b
                found.append(TestRef(node.name, path.name, refs, banner))
    return found


def _banner_matches(banner: str | None, label: str, labels: list) -> bool:
    if not banner:
        return False
    first = label.split()[0]
    if banner.startswith(label + " ") or banner.rstrip(":：") == label:
        return True
    # A banner naming only the first word of the label (第3段) counts when that word is unique in the policy.
    word = banner.split()[0].rstrip(":：")
    return word == first and sum(1 for x in labels if x.split()[0] == first) == 1


def tests_for_clause(clause, policy_id: str, tests: list[TestRef], labels: list) -> list[TestRef]:
    module_file = f"test_{policy_id.replace('-', '_')}.py"
    hits = []
    for t in tests:
        if clause.id in t.refs or (t.file == module_file and (
                _banner_matches(t.banner, clause.label, labels) or any(r in t.refs for r in clause.rules))):
            hits.append(t)
    # The policy's own test module first: its tests are the ones written for the clause.
    return sorted(hits, key=lambda t: t.file != module_file)


def _sentence(test_name: str) -> str:
    return test_name.removeprefix("test_").replace("_", " ")


def clause_index(root: Path = REPO) -> str:
    """Markdown: per policy, one row per clause."""
    tests = collect_tests(root)
    out = []
    for pid in policy_ids():
        policy = load_policy(pid)
        page = policy_page(pid, root)
        sections = clause_sections(page, pid) if page else {}
        meta = policy.meta
        out += [f"({index_label(pid)})=", f"## {meta['place']['zh']} {meta['place']['en']} · {pid}", ""]
        counts = {}
        for c in policy.clauses.values():
            counts[c.status] = counts.get(c.status, 0) + 1
        summary = ", ".join(f"{CLAUSE_STATUS[s]}: {n}" for s, n in counts.items())
        where = (f"policy page: [{meta['title']['zh']}](/notebooks/{page.name})" if page
                 else "no policy page yet 尚无政策页")
        rules_note = "" if rules_module_exists(pid) else " The rules module is not written yet 规则尚未编码."
        out += [f"{meta['title']['zh']} — {len(policy.clauses)} clauses ({summary}); {where}.{rules_note}", ""]
        labels = [c.label for c in policy.clauses.values()]
        out += ["| 条款 clause | 状态 status | 规则 rule | 检验 checked by | 章节 section |",
                "|---|---|---|---|---|"]
        for c in policy.clauses.values():
            if c.rules:
                rule = ", ".join(f"`{r}`" for r in c.rules)
            else:
                rule = pair(**c.reason).replace("|", "\\|") if c.reason else ""
            hits = tests_for_clause(c, pid, tests, labels)
            if hits:
                more = f" (+{len(hits) - 1} more)" if len(hits) > 1 else ""
                checked = f"{len(hits)} test{'s' if len(hits) > 1 else ''}, e.g. *{_sentence(hits[0].name)}*{more}"
            else:
                checked = "—"
            if page and c.id in sections:
                section = clause_link(c.id, sections[c.id][0].replace("|", "\\|"), sections, page)
            elif page:
                section = clause_link(c.id, "policy page", sections, page)
            else:
                section = "—"
            title = f"{c.title['zh']} / {c.title['en']}".replace("|", "\\|")
            out.append(f"| **{c.label}** {title} `{c.id}` | {CLAUSE_STATUS[c.status]} | {rule} | {checked} | "
                       f"{section} |")
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Glossary
# ---------------------------------------------------------------------------------------------------------------

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


def _clause_texts(c) -> str:
    return "\n".join(t for t in (c.text, c.text_simplified, c.parallel, c.title.get("zh")) if t)


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
            hits = [c for c in policy.clauses.values() if any(v in _clause_texts(c) for v in (zh,) + variants)]
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


# ---------------------------------------------------------------------------------------------------------------
# Comparison: the same people through every encoded policy
# ---------------------------------------------------------------------------------------------------------------

def encoded_policies() -> list[str]:
    return [pid for pid in policy_ids() if rules_module_exists(pid)]


def run_everywhere(person: dict, claims: list, inputs: dict) -> list[dict]:
    """Evaluate one person's claims under every encoded policy.

    `inputs` maps a policy ID to that policy's inputs (two policies may use one name for different things);
    a policy that needs something else, or refuses the scenario, gives a row with `error` (the engine's message,
    naming the field) instead of totals."""
    from ..core.result import evaluate
    from ..core.policy import PolicyError
    from ..core.scenario import InputError, parse_scenario

    rows = []
    for pid in encoded_policies():
        mine = inputs.get(pid, {})
        try:
            result = evaluate(parse_scenario({"policy": pid, "person": person, "claims": claims, "inputs": mine}))
        except (InputError, PolicyError) as e:
            rows.append({"policy": pid, "error": str(e), "error_zh": getattr(e, "zh", str(e)), "totals": None,
                         "result": None})
        else:
            rows.append({"policy": pid, "error": None, "totals": result.totals, "result": result})
    return rows


def comparison_table(rows: list[dict], cost: Decimal):
    """One row per policy: each layer in yuan (formatted), or why it could not be computed."""
    import pandas as pd

    from ..core.rulebook import LAYER_LABELS, LAYERS

    keys = list(LAYERS) + ["out_of_pocket"]
    table = []
    for r in rows:
        row = {"政策 policy": marked_name(r["policy"])}
        if r["error"]:
            for k in keys:
                row[f"{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}"] = ""
            row["自付占比 share"] = ""
            row["说明 note"] = f"未计算 not computed — {r['error']}"
        else:
            t, result = r["totals"], r["result"]
            for k in keys:
                needs = sorted({u["field"] for u in result.undetermined if u["layer"] == k})
                row[f"{LAYER_LABELS[k][0]} {LAYER_LABELS[k][1]}"] = (
                    fmt_yuan(t[k]) if t[k] is not None else text("benefit.undetermined", "zh", field=", ".join(needs)))
            bound = "" if result.complete else "≤ "
            row["自付占比 share"] = f"{bound}{(t['out_of_pocket'] / cost * 100).quantize(Decimal('0.1'))}%"
            row["说明 note"] = "" if result.complete else both("workshop.partial")
        table.append(row)
    return pd.DataFrame(table).set_index("政策 policy")


def oop_curve(categories: list, bills: list, make_claims, inputs: dict, insurance: str = "resident") -> tuple:
    """Out-of-pocket for each (category, policy) over bill sizes: ({(category, policy): [Decimal]}, [errors])."""
    data, errors = {}, []
    for cat in categories:
        for bill in bills:
            for r in run_everywhere({"category": cat, "insurance": insurance}, make_claims(bill), inputs):
                key = (cat, r["policy"])
                why = r["error"] or (None if r["result"].complete else "partly undetermined: " + "; ".join(
                    sorted({f"{u['layer']} needs {u['field']}" for u in r["result"].undetermined})))
                if why:   # a curve is drawn only where every bill is settled completely
                    if key not in {(e[0], e[1]) for e in errors}:
                        errors.append((cat, r["policy"], why))
                    data.pop(key, None)
                    data[key] = None
                elif data.get(key, []) is not None:
                    data.setdefault(key, []).append(r["totals"]["out_of_pocket"])
    return {k: v for k, v in data.items() if v is not None}, errors


def oop_chart(curves: dict, bills: list, categories: list):
    """Out-of-pocket against bill size: one panel per category, one line per policy."""
    import matplotlib.pyplot as plt

    from . import charts  # noqa: F401  (sets the Chinese font)

    policies = sorted({p for _, p in curves})
    colours = {pid: f"C{i}" for i, pid in enumerate(policies)}  # one colour per policy in every panel
    # Each panel has its own scale: an ordinary patient's share dwarfs that of people in hardship.
    fig, axes = plt.subplots(1, len(categories), figsize=(3.2 * len(categories) + 1, 3.6), squeeze=False)
    x = [float(b) / 10000 for b in bills]
    for ax, cat in zip(axes[0], categories):
        for pid in policies:
            ys = curves.get((cat, pid))
            if ys:
                ax.plot(x, [float(y) / 10000 for y in ys], marker="o", color=colours[pid], label=marked_name(pid))
        ax.set_title(f"{CATEGORIES[cat][0]}", fontsize=10)
        ax.set_xlabel("政策范围内费用 bill (万元)")
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    axes[0][0].set_ylabel("个人自付 out of pocket (万元)")
    handles, labels = [], []
    for ax in axes[0]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False, fontsize=9)
    fig.suptitle("个人自付随费用变化 Out of pocket against bill size", fontsize=11)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


# ---------------------------------------------------------------------------------------------------------------
# 待遇速查: what each layer pays for a ladder of inpatient costs, per claim policy and group
# ---------------------------------------------------------------------------------------------------------------

STAY_DATE = "2024-10-15"    # within Wenzhou's 2022-01-01 – 2025-12-31; the reports give no end date
BASIC_SHARE = Decimal("0.55")  # the settlement slip's basic-insurance share (examples/dibao-200k-inpatient.json)
BENEFIT_LADDER = [10000, 20000, 50000, 100000, 200000, 500000]  # 1万 … 50万 yuan
BENEFIT_GROUPS = ["tekun", "dibao", "dibian", "yinbing_zhipin", "jiance", "tufa_kunnan", "general"]
BENEFIT_LAYERS = ("basic_insurance", "critical_illness_insurance", "medical_assistance", "supplementary_insurance",
                  "further_relief")


def inpatient_stay(cost, date: str = STAY_DATE) -> list[dict]:
    """One tertiary inpatient stay, referred and within the treatment guidance, with the slip's basic insurance
    at BASIC_SHARE of the costs within the policy range."""
    cost = Decimal(cost)
    # The record shows no supplementary-insurance payment and no 乙类先行自付 (0 each); no critical-illness slip.
    return [{"date": date, "setting": "inpatient", "facility": "tertiary", "policy_range_cost": str(cost),
             "basic_insurance_paid": str((cost * BASIC_SHARE).quantize(Decimal("0.01"))),
             "supplementary_insurance_paid": "0", "pre_self_paid": "0",
             "referred": True, "followed_treatment_guidance": True, "in_city_designated_hospital": True}]


def wan(amount: int) -> str:
    """20万元 as the documents write it (whole 万 only; the ladder has no others)."""
    return f"{amount // 10000}万元" if amount % 10000 == 0 else f"{fmt_yuan(Decimal(amount))}元"


def benefit_row(policy_id: str, category: str, cost: int) -> dict:
    """One stay through the public entry point: {layer: Decimal | ("undetermined", field) }, or {"error": text}.

    The engine may report per claim `complete` and `undetermined` {layer: {"field", "clause"}}; a layer listed
    there, or given as null, is shown as undetermined with the field it needs."""
    from ..core.result import evaluate
    from ..core.scenario import parse_scenario
    from ..core.policy import PolicyError
    from ..core.scenario import InputError

    try:
        result = evaluate(parse_scenario({"policy": policy_id, "person": {"category": category, "insurance": "resident"},
                                          "claims": inpatient_stay(cost), "inputs": CLAIM_INPUTS.get(policy_id, {})}))
    except InputError as e:
        return {"error": str(e), "error_zh": e.zh or str(e), "field": e.field.split(".")[-1]}
    except PolicyError as e:
        return {"error": str(e), "error_zh": e.zh or str(e), "field": "?"}
    claim = result.to_dict()["claims"][0]
    undetermined = claim.get("undetermined") or {}
    row = {}
    for layer in (*BENEFIT_LAYERS, "out_of_pocket"):
        if layer in undetermined:
            row[layer] = ("undetermined", undetermined[layer].get("field") or "?")
        elif claim.get(layer) is None:
            fields = sorted({u.get("field") or "?" for u in undetermined.values()}) or ["?"]
            row[layer] = ("undetermined", "、".join(fields))
        else:
            row[layer] = Decimal(claim[layer])
    return row


def _field_pair(field: str) -> tuple[str, str]:
    """A field as readers call it (field.<name> in the catalogue), else its code."""
    from ..core.messages import catalogue
    return msg(f"field.{field}") if f"field.{field}" in catalogue() else (field, field)


def _needs(key: str, field: str) -> str:
    zh, en = _field_pair(field)
    return pair(text(key, "zh", field=zh), text(key, "en", field=en))


def _cell(value) -> str:
    if isinstance(value, tuple):
        return _needs("benefit.undetermined", value[1])
    return f'<span class="medrules-amount">{fmt_yuan(value)}</span>'


def _layer_head(layer: str) -> str:
    return html(f"layer.{layer}")


def benefit_tables(today: dt.date | None = None, root: Path = REPO) -> str:
    """Markdown for book/benefits.md: per claim policy and group, what each layer pays for each cost of the
    ladder and what is left, computed now by the engine."""
    out = []
    for pid in CLAIM_INPUTS:
        if pid not in policy_ids():
            continue
        meta = load_policy(pid).meta
        page = policy_page(pid, root)
        out += [f"## {meta['place']['zh']} {meta['place']['en']} {status_mark(pid, today)}", ""]
        st = policy_status(pid, today)
        marks = " · ".join(pair(zh, en) for zh, en in st["marks"])
        link = f"[{meta['title']['zh']}](/notebooks/{page.name})" if page else meta["title"]["zh"]
        out += [f'{link}　<strong class="medrules-mark medrules-mark-{st["key"]}">{marks}</strong>', ""]
        inputs = CLAIM_INPUTS[pid]
        spec = load_policy(pid).inputs
        if inputs:
            listed = "；".join(f"{spec[k]['label']['zh'] if k in spec else k} = {v}" for k, v in inputs.items())
            out += [html("benefit.illustrative_inputs", inputs=listed), ""]
        else:
            out += [html("benefit.no_inputs"), ""]
        out += [html("benefit.date", date=STAY_DATE), ""]
        rows = {(cat, cost): benefit_row(pid, cat, cost) for cat in BENEFIT_GROUPS for cost in BENEFIT_LADDER}
        # A layer the policy never uses (zero for everyone, never undetermined) is left out to keep tables narrow.
        layers = [k for k in BENEFIT_LAYERS
                  if any("error" not in r and r[k] != 0 for r in rows.values())]
        reasons = {}
        for cat in BENEFIT_GROUPS:
            out += [f"### {text('category.' + cat, 'zh')} · {meta['place']['zh']}", ""]
            head = [html("benefit.cost"), *(_layer_head(k) for k in layers), _layer_head("out_of_pocket")]
            out += ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
            for cost in BENEFIT_LADDER:
                r = rows[(cat, cost)]
                first = f'{wan(cost)} <span lang="en">{fmt_yuan(Decimal(cost))}</span>'
                if "error" in r:
                    reasons.setdefault((r["error_zh"], r["error"]), []).append(text("category." + cat, "zh"))
                    out.append(f"| {first} | {_needs('benefit.not_computed', r['field'])} |" + " |" * len(layers))
                else:
                    out.append("| " + " | ".join([first, *(_cell(r[k]) for k in layers), f"**{_cell(r['out_of_pocket'])}**"])
                               + " |")
            out.append("")
        if reasons:
            out += [html("benefit.reasons"), ""]
            # The engine's refusal in Chinese, its English behind the language switch (the same words as the CLI).
            out += [f"- {'、'.join(dict.fromkeys(who))}：{pair(zh, en)}" for (zh, en), who in reasons.items()]
            out.append("")
    return "\n".join(out)


def benefit_glance(cost: int = 200000, today: dt.date | None = None) -> str:
    """Markdown for the front page: what is left to each group after one stay of `cost`, under each claim policy
    (the column carries the policy's status mark)."""
    pids = [p for p in CLAIM_INPUTS if p in policy_ids()]
    head = [pair(text("benefit.stay", "zh", cost=wan(cost)), text("benefit.stay", "en", cost=f"{fmt_yuan(Decimal(cost))} yuan")),
            *(marked_name(p, today) for p in pids)]
    out = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * len(pids)]
    for cat in BENEFIT_GROUPS:
        cells = []
        for pid in pids:
            r = benefit_row(pid, cat, cost)
            cells.append(_needs("benefit.not_computed", r["field"]) if "error" in r else _cell(r["out_of_pocket"]))
        out.append(f"| {html('category.' + cat)} | " + " | ".join(cells) + " |")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Writing the generated pages; the Sphinx hook
# ---------------------------------------------------------------------------------------------------------------

def write_generated(root: Path = REPO, today: dt.date | None = None) -> list[Path]:
    """Write book/_generated/*.md; a file is rewritten only when its content changed (keeps rebuilds small)."""
    today = today or dt.date.today()
    folder = root / "book" / "_generated"
    folder.mkdir(parents=True, exist_ok=True)
    note = "<!-- generated by medrules/publish/book.py at build time; do not edit -->\n\n"
    pages = {
        "policy-status.md": note + html("status.as_of", date=today.isoformat()) + "\n\n"
                            + status_table(today, root) + "\n",
        "clause-index.md": note + clause_index(root) + "\n",
        "glossary.md": note + glossary(root) + "\n",
        "benefits.md": note + benefit_tables(today, root) + "\n",
        "benefit-glance.md": note + benefit_glance(200000, today) + "\n",
    }
    written = []
    for name, text in pages.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def search_words() -> list[str]:
    """Chinese terms the site search must find whole (医疗救助, 低保边缘, …): the glossary, the person categories
    and the layers. jieba would otherwise cut 医疗救助 into 医疗 + 救助, and a search for the whole term would find
    nothing."""
    from ..core.rulebook import LAYER_LABELS

    words = []
    for zh, _en, _meaning, variants in GLOSSARY:
        words += [zh, *variants]
    words += [zh for zh, _en in CATEGORIES.values()] + [zh for zh, _en in LAYER_LABELS.values()]
    cjk = re.compile(r"^[\u4e00-\u9fff]+$")
    return sorted({w for w in words if cjk.match(w)} | set(amount_words()))


AMOUNT = re.compile(r"\d+(?:\.\d+)?万")


def amount_words() -> list[str]:
    """Amounts as the texts write them (20万, 2万元, 0.5万), from every clause and the benefit ladder, so that a
    search for 20万 finds the 20万 clauses: jieba alone cuts 20万元 into 20 + 万元."""
    found = {wan(a).removesuffix("元") for a in BENEFIT_LADDER}
    for pid in policy_ids():
        for c in load_policy(pid).clauses.values():
            found.update(AMOUNT.findall(_clause_texts(c)))
    return sorted(found | {w + "元" for w in found})


def _on_builder_inited(app) -> None:
    root = Path(app.srcdir)
    write_generated(root)
    # The search index segments Chinese with jieba (language zh_CN); teach it our terms so that each is also indexed
    # whole. jieba's cut_for_search still indexes the parts (医疗, 救助) as well.
    words = root / "book" / "_generated" / "search-words.txt"
    text = "".join(f"{w} 100000\n" for w in search_words())
    if not words.exists() or words.read_text(encoding="utf-8") != text:
        words.write_text(text, encoding="utf-8")
    app.config.html_search_options = {**(app.config.html_search_options or {}), "dict": str(words)}


# The widget bundle (embed-amd.js, shipped in _static/ by scripts/setup-js.sh) is an AMD module: require.js places
# it, and so its icon fonts, under the page's folder unless told it lives in the site's _static/ folder.
WIDGET_PATHS_JS = (
    '(function () { var s = new URL((document.documentElement.dataset.content_root || "./") + "_static", '
    'document.baseURI).href; require.config({paths: {"@jupyter-widgets/html-manager/dist": s, '
    '"@jupyter-widgets": s}}); })();')


def _is_thebe(script) -> bool:
    name = str(getattr(script, "filename", script) or "")
    body = str((getattr(script, "attributes", None) or {}).get("body", ""))
    return "thebe" in name or "THEBE_JS_URL" in body


def _on_page_context(app, pagename, templatename, context, doctree) -> None:
    # No Thebe: the book runs without a kernel. Jupyter Book adds sphinx-thebe's loader and its config to every
    # page (the config twice, which throws "THEBE_JS_URL has already been declared"); drop both.
    if context.get("script_files"):
        scripts = [s for s in context["script_files"] if not _is_thebe(s)]
        for i, script in enumerate(scripts):
            if str(getattr(script, "filename", script) or "").endswith("require.js"):
                from sphinx.builders.html._assets import _JavaScript
                # Same priority, right after it: Sphinx sorts scripts by priority, keeping this order among equals.
                scripts.insert(i + 1, _JavaScript(None, body=WIDGET_PATHS_JS, priority=script.priority))
                break
        context["script_files"] = scripts
    # The theme warns on the console when no colour mode is set.
    if not context.get("default_mode"):
        context["default_mode"] = "light"


def _policy_of(docname: str) -> str | None:
    if docname.startswith("notebooks/") and docname.split("/", 1)[1] in policy_ids():
        return docname.split("/", 1)[1]
    return None


def _insert_status_banner(app, doctree, docname) -> None:
    """Open each policy page with its status banner, right under the title. Added when the page is written, so
    the stored notebook outputs do not change when a policy expires."""
    pid = _policy_of(docname)
    if pid is None:
        return
    from docutils import nodes
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    title = next((i for i, n in enumerate(section.children) if isinstance(n, nodes.title)), -1)
    section.insert(title + 1, nodes.raw("", status_banner_html(pid), format="html"))


def _note_static_widgets(app, doctree, docname) -> None:
    """Before each calculator in the static book, say that its figures are precomputed and where to run it live.
    The saved controls themselves are hidden by medrules.css (.medrules-static-widgets): without a kernel they
    would change and compute nothing; the saved result tables stay visible."""
    from docutils import nodes
    for raw in list(doctree.findall(nodes.raw)):
        if "application/vnd.jupyter.widget-view+json" not in raw.astext():
            continue
        note = f'<div class="medrules-static-note" role="note">{html("workshop.static_note")}</div>'
        raw.parent.insert(raw.parent.index(raw), nodes.raw("", note, format="html"))
        container = raw.parent
        container["classes"] = [*container.get("classes", []), "medrules-static-widgets"]


def _mark_english_renderings(app, doctree, docname) -> None:
    """In a policy page, mark the English rendering under each clause (show_clause prints "English:" and a quote)
    as English, so that the 中文 setting of the language switch hides it. Done when the page is written: stored
    outputs stay as they are."""
    if _policy_of(docname) is None:
        return
    from docutils import nodes
    for para in list(doctree.findall(nodes.paragraph)):
        if para.astext().strip() != "English:":
            continue
        parent = para.parent
        i = parent.index(para)
        para["classes"].append("lang-en")
        if i + 1 < len(parent.children) and isinstance(parent[i + 1], nodes.block_quote):
            parent[i + 1]["classes"].append("lang-en")


# A line break between two Chinese characters in the source is not a space in Chinese text; browsers show it as one.
_CJK_BREAK = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\n(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")


def _join_chinese_lines(app, doctree, docname) -> None:
    """Drop the soft line breaks between Chinese characters (from wrapped Markdown) so that no stray space appears
    in the middle of a Chinese sentence; code and literal text are left alone."""
    from docutils import nodes
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if "\n" not in text or parent is None or isinstance(parent, (nodes.literal_block, nodes.literal, nodes.raw)):
            continue
        if str(text) == "\n":  # MyST gives each soft break its own text node: look at the neighbours' edges
            i = parent.index(text)
            before = parent[i - 1].astext()[-1:] if i > 0 else ""
            after = parent[i + 1].astext()[:1] if i + 1 < len(parent) else ""
            if _CJK_BREAK.search(before + "\n" + after):
                parent.remove(text)
            continue
        joined = _CJK_BREAK.sub("", str(text))
        if joined != str(text):
            parent.replace(text, nodes.Text(joined))


def _outdated_banners(app, env, added, changed, removed) -> list[str]:
    """Rewrite a policy page when its banner changes (a plan expires, the build date moves), even if its
    notebook did not."""
    now = {pid: status_banner_html(pid) for pid in policy_ids()}
    before = getattr(env, "medrules_banners", {})
    env.medrules_banners = now
    return [f"notebooks/{pid}" for pid, banner in now.items()
            if before.get(pid) != banner and f"notebooks/{pid}" in env.all_docs]


def _lang_labels_js() -> str:
    labels = {"zh": "中文", "en": "English", "both": text("ui.lang_both", "zh"),
              "title": both("ui.lang_switch", sep=" / ")}
    return "window.MEDRULES_LANG_LABELS = " + json.dumps(labels, ensure_ascii=False) + ";"


def setup(app):
    app.connect("builder-inited", _on_builder_inited)
    app.connect("html-page-context", _on_page_context, priority=900)
    app.connect("doctree-resolved", _insert_status_banner)
    app.connect("doctree-resolved", _note_static_widgets)
    app.connect("doctree-resolved", _mark_english_renderings)
    app.connect("doctree-resolved", _join_chinese_lines)
    app.connect("env-get-outdated", _outdated_banners)
    # The language switch and the book's CSS (book/_static, listed in html_static_path in _config.yml).
    app.add_css_file("medrules.css")
    app.add_js_file(None, body=_lang_labels_js(), priority=400)
    app.add_js_file("medrules-lang.js", priority=401)
    app.add_js_file("medrules-search.js", priority=402)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}


if __name__ == "__main__":  # python -m medrules.publish.book: write the generated pages without building
    for p in write_generated():
        print(p.relative_to(REPO))
