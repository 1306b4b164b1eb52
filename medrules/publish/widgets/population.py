"""The population dashboards' common parts and the Zhejiang ones: `problem_html` (a failure as a sentence, never a
traceback), `Targets` (the Zhejiang 2022 targets for a population entered as a table with Chinese heads:
`PeopleTable`, edited, pasted from Excel or uploaded) and `SchemeCheck` (a local scheme, entered in a form or
uploaded as YAML, against the Zhejiang 2019 floors)."""
from __future__ import annotations

import html
from decimal import Decimal, InvalidOperation
from pathlib import Path

import ipywidgets as w

from ...core.messages import msg, problem_texts, text
from ...core.scenario import InputError
from .forms import STYLE, FormProblem, parse_amount
from .render import header_html, sentence_html

# ---------------------------------------------------------------------------------------------------------------
# Population dashboards: the Zhejiang 2022 targets for a population typed or uploaded (medrules.analysis.indicators), a local
# scheme against the Zhejiang 2019 floors (medrules.analysis.scheme), and a reform's cost on a small seeded synthetic
# population (medrules.analysis.reform; its dashboard in reform.py). Each runs the command's own functions on a
# temporary file, so the dashboard and `python -m medrules indicators / check-scheme / reform` cannot disagree.

REPO = Path(__file__).resolve().parents[3]
_PRE = "white-space:pre-wrap;font-size:13px;line-height:1.45;background:#f7f7f7;padding:8px;border:1px solid #ddd"


def _uploaded_bytes(upload: w.FileUpload) -> tuple[str, bytes] | None:
    files = upload.value
    if not files:
        return None
    item = files[0] if isinstance(files, (list, tuple)) else next(iter(files.values()))
    return item.get("name", "upload"), bytes(item["content"])


def problem_html(e: Exception) -> str:
    from ...core.oneline import one_line
    zh, en = msg("workshop.engine_error", problem=one_line(str(e)))
    if isinstance(e, InputError):
        problem_zh, problem = problem_texts(e.problem)
        zh = text("error.field", "zh", field=e.field, problem=one_line(problem_zh or problem))
        en = text("error.field", "en", field=e.field, problem=one_line(problem))
    return f"<div class='medrules-message' style='color:#b00'>{sentence_html(zh, en)}</div>"


# The per-person table's columns (medrules.analysis.indicators PEOPLE_*) as staff head them; a pasted or uploaded
# table may use either the Chinese heads or the codes.
PEOPLE_HEADS = {
    "person_id": "人员编号", "year": "年度", "category": "人员类别", "enrolled_with_subsidy": "资助参保",
    "total_cost": "医疗费用总额", "policy_range_cost": "政策范围内费用", "basic_insurance": "基本医保",
    "critical_illness_insurance": "大病保险", "medical_assistance": "医疗救助", "supplementary_insurance": "商业补充保险",
    "further_relief": "倾斜救助", "charity": "慈善救助", "commercial_insurance": "商业保险", "out_of_pocket": "个人自付",
}
_TEXT_COLUMNS = ("person_id", "year", "category", "enrolled_with_subsidy")
_YES_NO = {"是": "true", "否": "false", "yes": "true", "no": "false", "true": "true", "false": "false", "1": "true",
           "0": "false", "": ""}
MAX_TABLE_ROWS = 500   # a bigger population: upload a Parquet file (or use python -m medrules indicators)


def _column_code(head: str) -> str:
    """A column head as typed or pasted (人员编号 or person_id) -> its code; FormProblem naming the allowed heads."""
    head = head.strip().lstrip("\ufeff")
    by_zh = {zh: code for code, zh in PEOPLE_HEADS.items()}
    if head in PEOPLE_HEADS:
        return head
    if head in by_zh:
        return by_zh[head]
    raise FormProblem(*msg("workshop.table_bad_head", got=head, allowed="、".join(PEOPLE_HEADS.values())))


def table_rows(text_or_rows) -> tuple[list[str], list[list[str]]]:
    """Columns (codes) and rows of a table pasted from Excel (tab-separated) or written as CSV, or given as rows."""
    import csv
    import io
    if isinstance(text_or_rows, str):
        lines = [line for line in text_or_rows.splitlines() if line.strip()]
        if not lines:
            raise FormProblem(*msg("workshop.table_empty"))
        dialect = "excel-tab" if "\t" in lines[0] else "excel"
        grid = list(csv.reader(io.StringIO("\n".join(lines)), dialect=dialect))
    else:
        grid = [["" if c is None else str(c) for c in row] for row in text_or_rows]
        grid = [row for row in grid if any(c.strip() for c in row)]
    if not grid:
        raise FormProblem(*msg("workshop.table_empty"))
    columns = [_column_code(h) for h in grid[0]]
    if len(grid) - 1 > MAX_TABLE_ROWS:
        raise FormProblem(*msg("workshop.table_too_long", n=len(grid) - 1, most=MAX_TABLE_ROWS))
    return columns, [(row + [""] * len(columns))[:len(columns)] for row in grid[1:]]


class PeopleTable:
    """An editable table with Chinese heads (one Text box per cell), rows added and removed with buttons, or
    replaced by a table pasted from Excel."""

    def __init__(self, on_change):
        self.on_change = on_change
        self.columns: list[str] = []
        self.cells: list[list[w.Text]] = []
        self.grid = w.GridBox(layout=w.Layout(grid_gap="2px 2px", overflow_x="auto", width="100%"))
        self.add = w.Button(description="＋ 加一行 Add a row", layout=w.Layout(width="12em"))
        self.remove = w.Button(description="－ 删最后一行 Remove last", layout=w.Layout(width="14em"))
        self.add.on_click(lambda _b: self._add_row())
        self.remove.on_click(lambda _b: self._remove_row())
        self._quiet = False

    def set(self, columns: list[str], rows: list[list[str]]):
        self._quiet = True
        try:
            self.columns = list(columns)
            self.cells = [[self._cell(value) for value in row] for row in rows]
            self._draw()
        finally:
            self._quiet = False

    def _cell(self, value: str) -> w.Text:
        box = w.Text(value=str(value), continuous_update=False, layout=w.Layout(width="auto", min_width="5em"))
        box.observe(lambda _c: None if self._quiet else self.on_change(), names="value")
        return box

    def _draw(self):
        heads = [w.HTML(f"<b class='medrules-table-head' data-column='{c}'>{html.escape(PEOPLE_HEADS[c])}</b>")
                 for c in self.columns]
        self.grid.layout.grid_template_columns = f"repeat({len(self.columns)}, minmax(5.5em, 1fr))"
        self.grid.children = heads + [cell for row in self.cells for cell in row]
        self.remove.disabled = len(self.cells) <= 1

    def _add_row(self):
        self.cells.append([self._cell("") for _ in self.columns])
        self._draw()

    def _remove_row(self):
        if len(self.cells) > 1:
            self.cells.pop()
            self._draw()
            self.on_change()

    def csv_text(self) -> str:
        """The table as the per-person CSV `python -m medrules indicators` reads: code heads; amounts as staff
        write them (1,000, 2万) read exactly; categories and 是/否 in Chinese turned into codes."""
        import csv
        import io
        from ...core.categories import CATEGORIES
        by_zh = {zh: code for code, (zh, _en) in CATEGORIES.items()}
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.columns)
        for n, row in enumerate(self.cells, 1):
            values = [box.value.strip() for box in row]
            if not any(values):
                continue
            out = []
            for code, value in zip(self.columns, values):
                if code == "category":
                    value = by_zh.get(value, value)
                elif code == "enrolled_with_subsidy":
                    value = _YES_NO.get(value.lower(), value)
                elif code not in _TEXT_COLUMNS and value:
                    try:
                        value = str(parse_amount(value))
                    except FormProblem as e:
                        raise FormProblem(*(text("workshop.table_cell", lang, n=n, head=PEOPLE_HEADS[code],
                                                 problem=p) for lang, p in (("zh", e.zh), ("en", e.en)))) from None
                out.append(value)
            writer.writerow(out)
        return buf.getvalue()

    def view(self):
        return w.VBox([self.grid, w.HBox([self.add, self.remove])])


class Targets:
    """Zhejiang 2022's indicators for a population: a table with Chinese heads (edited, pasted from Excel, or an
    uploaded .csv / .xlsx), or an uploaded Parquet file (a per-person table or a batch result), checked against the
    2025 or end-2022 targets through `python -m medrules indicators`' own functions."""

    def __init__(self):
        from ...rules import zhejiang_2022_illness_poverty as zj
        self.table = PeopleTable(self.run)
        self.paste = w.Textarea(placeholder=text("workshop.table_paste_hint", "zh"), continuous_update=False,
                                layout=w.Layout(width="97%", height="6em"))
        self.upload = w.FileUpload(accept=".csv,.xlsx,.parquet", multiple=False, description="上传 Upload",
                                   layout=w.Layout(width="12em"))
        self.target = w.Dropdown(options=[(f"{t} 目标 targets", t) for t in zj.TARGETS],
                                 value="2025" if "2025" in zj.TARGETS else next(iter(zj.TARGETS)),
                                 description="目标 Target", style=STYLE)
        self.run_button = w.Button(description="计算 Check", button_style="primary", layout=w.Layout(width="10em"))
        self.message = w.HTML()
        self.output = w.HTML()
        self.uploaded: tuple[str, bytes] | None = None   # a Parquet file, computed as it is
        example = (REPO / "examples" / "indicators-people.csv").read_text(encoding="utf-8")
        self.table.set(*table_rows(_example_in_chinese(example)))
        self.paste.observe(lambda _c: self._pasted(), names="value")
        self.upload.observe(lambda _c: self._uploaded(), names="value")
        self.target.observe(lambda _c: self.run(), names="value")
        self.run_button.on_click(lambda _b: self.run())
        self.run()

    def _show_problem(self, e: FormProblem):
        self.message.value = f"<div class='medrules-message' style='color:#b00'>{sentence_html(e.zh, e.en)}</div>"

    def _pasted(self):
        if not self.paste.value.strip():
            return
        try:
            self.table.set(*table_rows(self.paste.value))
        except FormProblem as e:
            return self._show_problem(e)
        self.uploaded = None
        self.paste.value = ""
        self.run()

    def _uploaded(self):
        found = _uploaded_bytes(self.upload)
        if not found:
            return
        name, data = found
        suffix = Path(name).suffix.lower()
        try:
            if suffix == ".parquet":
                self.uploaded = (name, data)
            elif suffix == ".xlsx":
                self.table.set(*table_rows(_xlsx_rows(data)))
                self.uploaded = None
            else:
                self.table.set(*table_rows(data.decode("utf-8-sig")))
                self.uploaded = None
        except (FormProblem, UnicodeDecodeError) as e:
            if not isinstance(e, FormProblem):
                e = FormProblem(*msg("workshop.table_not_utf8"))
            return self._show_problem(e)
        self.run()

    def run(self):
        import tempfile
        from ...analysis import indicators
        self.message.value = ""
        with tempfile.TemporaryDirectory(prefix="medrules-workshop-") as folder:
            try:
                if self.uploaded is not None:
                    path = Path(folder) / "upload.parquet"
                    path.write_bytes(self.uploaded[1])
                else:
                    path = Path(folder) / "table.csv"
                    path.write_text(self.table.csv_text(), encoding="utf-8")
                shown = indicators.report(indicators.compute(path, self.target.value))
            except FormProblem as e:
                return self._show_problem(e)
            except Exception as e:  # noqa: BLE001 - a message on screen, never a traceback
                self.output.value = problem_html(_in_staff_words(e))
                return
        self.output.value = f"<pre class='medrules-report' style='{_PRE}'>{html.escape(shown)}</pre>"

    def view(self):
        head = w.HTML(header_html("zhejiang-2022-illness-poverty"))
        note = w.HTML(f"<small>{html.escape(text('workshop.table_note', 'zh'))}<br>"
                      f"<span lang='en'>{html.escape(text('workshop.table_note', 'en'))}</span></small>")
        pasted = w.Accordion(children=[self.paste], titles=("从 Excel 粘贴 Paste from Excel",), selected_index=None)
        return w.VBox([head, self.target, note, self.table.view(), pasted,
                       w.HBox([self.upload, self.run_button]), self.message, self.output])


def _example_in_chinese(example_csv: str) -> str:
    """The example population with the Chinese heads and categories staff see (the same data)."""
    import csv
    import io
    from ...core.categories import CATEGORIES
    rows = list(csv.reader(io.StringIO(example_csv)))
    out = [[PEOPLE_HEADS[c] for c in rows[0]]]
    for row in rows[1:]:
        values = dict(zip(rows[0], row))
        if "category" in values:
            values["category"] = CATEGORIES.get(values["category"], (values["category"],))[0]
        if "enrolled_with_subsidy" in values:
            values["enrolled_with_subsidy"] = {"true": "是", "false": "否"}.get(values["enrolled_with_subsidy"],
                                                                            values["enrolled_with_subsidy"])
        out.append([values[c] for c in rows[0]])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(out)
    return buf.getvalue()


def _xlsx_rows(data: bytes) -> list[list]:
    """The first sheet of an uploaded workbook, as rows of values."""
    import io
    from openpyxl import load_workbook
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as e:  # noqa: BLE001 - not a workbook: one sentence
        raise FormProblem(*msg("workshop.table_bad_xlsx", problem=str(e).splitlines()[0][:200])) from None
    return [["" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v)) for v in row]
            for row in sheet.iter_rows(values_only=True)]


def _in_staff_words(e: Exception) -> Exception:
    """An indicators error names a column by its code (basic_insurance (row 2, line 3)): name it as the table
    does (基本医保)."""
    if isinstance(e, InputError):
        code = e.field.split(" ", 1)[0]
        if code in PEOPLE_HEADS:
            e.field = PEOPLE_HEADS[code] + e.field[len(code):]
    return e


class SchemeCheck:
    """A local chronic-outpatient scheme, entered in a form staff read (ratios as 65% or 0.65, the conditions one
    per line) or uploaded as YAML, against the Zhejiang 2019 floors, through `python -m medrules check-scheme`'s
    own functions."""

    def __init__(self):
        import yaml
        wide = {"style": STYLE, "layout": w.Layout(width="97%")}
        self.name = w.Text(description="方案名称 Scheme", continuous_update=False, **wide)
        self.date = w.Text(description="施行日期 In force from", placeholder=text("workshop.date_hint", "zh"),
                           continuous_update=False, **wide)
        self.primary_ratio = w.Text(description="基层报销比例 Primary-care ratio", placeholder="如 65% 或 0.65",
                                    continuous_update=False, **wide)
        self.tuberculosis_ratio = w.Text(description="肺结核报销比例 Tuberculosis ratio", placeholder="如 70% 或 0.70",
                                         continuous_update=False, **wide)
        self.pharmacy = w.Checkbox(description="允许在定点药店购药 Pharmacy purchase allowed", indent=False,
                                   layout=w.Layout(width="97%"))
        self.conditions = w.Textarea(description="覆盖病种 Conditions", placeholder="每行一个病种，如 高血压",
                                     continuous_update=False, style=STYLE,
                                     layout=w.Layout(width="97%", height="7em"))
        self.upload = w.FileUpload(accept=".yaml,.yml", multiple=False, description="上传 Upload YAML",
                                   layout=w.Layout(width="14em"))
        self.message = w.HTML()
        self.output = w.HTML()
        self._quiet = False
        self.fill(yaml.safe_load((REPO / "examples" / "scheme-county.yaml").read_text(encoding="utf-8")))
        for box in (self.name, self.date, self.primary_ratio, self.tuberculosis_ratio, self.pharmacy, self.conditions):
            box.observe(lambda _c: None if self._quiet else self.run(), names="value")
        self.upload.observe(lambda _c: self._uploaded(), names="value")
        self.run()

    def fill(self, scheme: dict):
        """The form from a scheme as the YAML writes it."""
        self._quiet = True
        try:
            name = scheme.get("name")
            self.name.value = (name.get("zh", "") if isinstance(name, dict) else str(name or ""))
            self.date.value = str(scheme.get("date") or "")
            self.primary_ratio.value = _percent_text(scheme.get("primary_ratio"))
            self.tuberculosis_ratio.value = _percent_text(scheme.get("tuberculosis_ratio"))
            self.pharmacy.value = bool(scheme.get("pharmacy_purchase_allowed"))
            self.conditions.value = "\n".join(str(c) for c in scheme.get("conditions_covered") or [])
        finally:
            self._quiet = False

    def scheme_yaml(self) -> str:
        """The form as the SCHEME.yaml `python -m medrules check-scheme` reads."""
        import re

        import yaml
        doc = {"primary_ratio": _ratio(self.primary_ratio.value, "基层报销比例"),
               "tuberculosis_ratio": _ratio(self.tuberculosis_ratio.value, "肺结核报销比例"),
               "pharmacy_purchase_allowed": self.pharmacy.value,
               "conditions_covered": [c.strip() for c in re.split(r"[\n、，,;；]+", self.conditions.value) if c.strip()]}
        if self.name.value.strip():
            doc["name"] = {"zh": self.name.value.strip(), "en": self.name.value.strip()}
        if self.date.value.strip():
            from .forms import parse_date
            doc["date"] = parse_date(self.date.value).isoformat()
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)

    def _uploaded(self):
        import yaml
        found = _uploaded_bytes(self.upload)
        if not found:
            return
        try:
            scheme = yaml.safe_load(found[1].decode("utf-8"))
            if not isinstance(scheme, dict):
                raise ValueError
        except (ValueError, UnicodeDecodeError, yaml.YAMLError):
            self.message.value = (f"<div class='medrules-message' style='color:#b00'>"
                                  f"{sentence_html(*msg('workshop.scheme_bad_file'))}</div>")
            return
        self.fill(scheme)
        self.run()

    def run(self):
        import tempfile
        from ...analysis import scheme
        self.message.value = ""
        with tempfile.TemporaryDirectory(prefix="medrules-workshop-") as folder:
            try:
                path = Path(folder) / "scheme.yaml"
                path.write_text(self.scheme_yaml(), encoding="utf-8")
                s = scheme.load_scheme(path)
                on, findings = scheme.check(s)
            except FormProblem as e:
                self.message.value = f"<div class='medrules-message' style='color:#b00'>{sentence_html(e.zh, e.en)}</div>"
                return
            except Exception as e:  # noqa: BLE001 - a message on screen, never a traceback
                self.message.value = problem_html(e)
                return
        self.output.value = f"<pre class='medrules-report' style='{_PRE}'>{html.escape(scheme.report(s, on, findings))}</pre>"

    def view(self):
        head = w.HTML(header_html("zhejiang-2019-chronic-outpatient"))
        zh, en = msg("workshop.scheme_note")
        note = w.HTML(f"<small>{html.escape(zh)}<br><span lang='en'>{html.escape(en)}</span></small>")
        return w.VBox([head, note, self.name, self.date, self.primary_ratio, self.tuberculosis_ratio, self.pharmacy,
                       self.conditions, self.upload, self.message, self.output])


def _percent_text(value) -> str:
    """0.65 -> 65% (as staff write a ratio); blank stays blank."""
    if value in (None, ""):
        return ""
    try:
        return f"{(Decimal(str(value)) * 100).normalize():f}%"
    except InvalidOperation:
        return str(value)


def _ratio(typed: str, label: str) -> str:
    """65% or 0.65 -> "0.65"; FormProblem naming the box otherwise."""
    import unicodedata
    s = unicodedata.normalize("NFKC", typed or "").strip()
    try:
        value = Decimal(s.rstrip("%").strip()) / (100 if s.endswith("%") else 1)
    except InvalidOperation:
        raise FormProblem(*msg("workshop.ratio_bad", label=label, value=typed.strip())) from None
    return str(value.normalize() if value == value.to_integral_value() else value)
