"""The population dashboards' common parts and the Zhejiang ones: `TextOrUpload` (an example the trainer edits, or
an uploaded file in its place), `problem_html` (a failure as a sentence, never a traceback), `Targets` (the Zhejiang
2022 targets for a population) and `SchemeCheck` (a local scheme against the Zhejiang 2019 floors)."""
from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w

from ...core.messages import msg, problem_texts, text
from ...core.scenario import InputError
from .forms import STYLE
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


class TextOrUpload:
    """A text area holding an example the trainer edits, or an uploaded file in its place; a Run button."""

    def __init__(self, example: str, suffix: str, accept: str, rows: int = 10):
        self.suffix = suffix
        self.text = w.Textarea(value=example, layout=w.Layout(width="97%", height=f"{rows * 1.5}em"),
                               continuous_update=False)
        self.upload = w.FileUpload(accept=accept, multiple=False, description="上传 Upload",
                                   layout=w.Layout(width="12em"))
        self.run_button = w.Button(description="计算 Check", button_style="primary", layout=w.Layout(width="10em"))
        self.output = w.HTML()
        self.run_button.on_click(lambda _b: self.run())
        self.text.observe(lambda _c: self.run(), names="value")
        self.upload.observe(lambda _c: self.run(), names="value")

    def source(self, folder: Path) -> Path:
        """The uploaded file if any (its own suffix), else the text, written into `folder`."""
        uploaded = _uploaded_bytes(self.upload)
        if uploaded:
            name, data = uploaded
            path = folder / ("upload" + (Path(name).suffix.lower() or self.suffix))
            path.write_bytes(data)
            return path
        path = folder / f"typed{self.suffix}"
        path.write_text(self.text.value, encoding="utf-8")
        return path

    def run(self):
        import tempfile
        with tempfile.TemporaryDirectory(prefix="medrules-workshop-") as folder:
            try:
                shown = self.compute(self.source(Path(folder)))
            except Exception as e:  # noqa: BLE001 - a message on screen, never a traceback
                self.output.value = problem_html(e)
                return
        self.output.value = shown

    def compute(self, path: Path) -> str:
        raise NotImplementedError


class Targets(TextOrUpload):
    """Zhejiang 2022's indicators for a population: a per-person table typed (CSV) or uploaded (.csv, .parquet,
    or a batch result), checked against the 2025 or end-2022 targets."""

    def __init__(self):
        from ...rules import zhejiang_2022_illness_poverty as zj
        example = (REPO / "examples" / "indicators-people.csv").read_text(encoding="utf-8")
        super().__init__(example, ".csv", ".csv,.parquet", rows=8)
        self.target = w.Dropdown(options=[(f"{t} 目标 targets", t) for t in zj.TARGETS],
                                 value="2025" if "2025" in zj.TARGETS else next(iter(zj.TARGETS)),
                                 description="目标 Target", style=STYLE)
        self.target.observe(lambda _c: self.run(), names="value")
        self.run()

    def compute(self, path: Path) -> str:
        from ...analysis import indicators
        return f"<pre class='medrules-report' style='{_PRE}'>{html.escape(indicators.report(indicators.compute(path, self.target.value)))}</pre>"

    def view(self):
        head = w.HTML(header_html("zhejiang-2022-illness-poverty"))
        note = w.HTML("<small>每行一人一年（金额单位：元）。可直接修改下表，或上传 CSV / Parquet（逐人表或批处理结果）。"
                      "<br>One row per person and year (yuan). Edit the table, or upload a CSV / Parquet file (a "
                      "per-person table or a batch result).</small>")
        return w.VBox([head, self.target, note, self.text, w.HBox([self.upload, self.run_button]), self.output])


class SchemeCheck(TextOrUpload):
    """A local chronic-outpatient scheme (YAML, typed or uploaded) against the Zhejiang 2019 floors."""

    def __init__(self):
        example = (REPO / "examples" / "scheme-county.yaml").read_text(encoding="utf-8")
        super().__init__(example, ".yaml", ".yaml,.yml", rows=9)
        self.run()

    def compute(self, path: Path) -> str:
        from ...analysis import scheme
        s = scheme.load_scheme(path)
        on, findings = scheme.check(s)
        return f"<pre class='medrules-report' style='{_PRE}'>{html.escape(scheme.report(s, on, findings))}</pre>"

    def view(self):
        head = w.HTML(header_html("zhejiang-2019-chronic-outpatient"))
        note = w.HTML("<small>修改下面的方案（比例写 0.65 这样的小数），或上传 YAML 文件。<br>Edit the scheme below (ratios "
                      "as decimals such as 0.65), or upload a YAML file.</small>")
        return w.VBox([head, note, self.text, w.HBox([self.upload, self.run_button]), self.output])
