"""The book never shows a stale result, and re-runs only what changed: a page re-executes when anything it runs has
changed, and only then.

jupyter-cache (execute_notebooks: cache) keys a notebook on its code cells only, so a changed parameter, rule, engine
module, reading or casebook entry would leave the page showing the old figures ("Using cached notebook"). This
Sphinx extension (in _config.yml, sphinx.extra_extensions) runs at the start of every build and, for each executed
page of the table of contents, takes a digest of what it runs:

- the page itself (its cells and text);
- every `medrules` module its cells import, directly or not, found by reading the imports (medrules.core.sources,
  the same walk a clause approval's fingerprint makes): a comment in core re-runs every page, a comment in
  Wenzhou's rules only the pages that run Wenzhou;
- the rule modules the engine loads by name (medrules.core.engine.rules_module), which no import shows: a policy
  page's own (notebooks/<id>) and those of the policies its text names; on any other page that reaches the
  engine, every policy's — each with the helper modules its rules import (a helper declares its POLICY_ID). Of
  the rule modules left out, the names each defines still count: a layer added or removed changes which policies
  every page can list (medrules.core.engine.claim_policies);
- the data files under medrules/ (the messages catalogue) and the files of examples/ and benchmarks/ its text
  names (a benchmark's generator, a reform's changes; a named .py file's imports are walked too);
- for a policy page every file under policies/<id>/ (and under the policies its text names); for any other
  executed page every file under policies/.
A cell that does not parse as Python counts as importing every module (never less).

The digests of the last successful build are kept beside the cache (`<cache>/medrules-inputs.json`). When a page's
digest differs, its cached execution is removed through jupyter-cache's API and Sphinx is told to read it again,
so it re-executes; a failing cell then fails the build (nb_execution_raise_on_error, -W --keep-going). The
digests are written only when the build succeeds, so a failed build is retried in full next time.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from ..core.sources import declared_policy, imported_names, imports_in, medrules_modules, read_source

SIDECAR = "medrules-inputs.json"
_FRONT_MATTER_KERNEL = re.compile(r"\A---\s*\n(?:.*\n)*?kernelspec:", re.MULTILINE)
_CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def executed_pages(srcdir: Path) -> dict[str, Path]:
    """Docname -> source file of every page in the table of contents that runs code: a notebook, or a MyST
    markdown page with a kernelspec in its front matter."""
    from .book.pages import toc_files
    pages = {}
    for doc in sorted(toc_files(srcdir)):
        for suffix in (".ipynb", ".md"):
            path = srcdir / (doc + suffix)
            if not path.exists():
                continue
            if suffix == ".ipynb" or _FRONT_MATTER_KERNEL.match(path.read_text(encoding="utf-8")[:2000]):
                pages[doc] = path
            break
    return pages


def page_code(source: Path) -> list[str]:
    """The code cells of a notebook (.ipynb) or a MyST page (```{code-cell}), IPython magics and shell lines
    blanked (they are not Python)."""
    text = source.read_text(encoding="utf-8")
    if source.suffix == ".ipynb":
        notebook = json.loads(text)
        cells = ["".join(c.get("source", "")) if isinstance(c.get("source"), list) else c.get("source", "")
                 for c in notebook.get("cells", []) if c.get("cell_type") == "code"]
    else:
        cells = _CODE_CELL.findall(text)
    return ["\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.splitlines())
            for cell in cells]


def page_imports(source: Path) -> list[str] | None:
    """The modules the page's cells import; None if a cell does not parse (then it may run anything)."""
    names = []
    for cell in page_code(source):
        try:
            ast.parse(cell)
        except SyntaxError:
            return None
        names += imported_names(imports_in(cell), "")
    return names


def _module_in(srcdir: Path):
    """medrules.x.y -> srcdir/medrules/x/y.py (or its package's __init__.py): the copy being built, whichever one
    this process imported."""
    def resolve(name: str) -> Path | None:
        base = srcdir.joinpath(*name.split("."))
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if path.is_file():
                return path
        return None
    return resolve


def lazy_exports(srcdir: Path) -> list[str]:
    """The modules `from medrules import evaluate, …` loads on first use (medrules/__init__.py's _EXPORTS): no
    import statement names them."""
    init = srcdir / "medrules" / "__init__.py"
    try:
        tree = ast.parse(init.read_bytes())
    except (OSError, SyntaxError):
        return []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets):
            return sorted({"medrules" + target for target in ast.literal_eval(node.value).values()})
    return []


def rule_module(policy_id: str) -> str:
    return "medrules.rules." + policy_id.replace("-", "_")


def defined_names(path: Path) -> str:
    """The names a module defines at its top level, sorted: what listing the policies sees of a rule module."""
    try:
        tree = ast.parse(path.read_bytes())
    except SyntaxError:
        return "(does not parse)"
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return " ".join(sorted(names))


def inputs_of(docname: str, source: Path, srcdir: Path) -> tuple[list[Path], dict[str, str]]:
    """Every file whose content can change what the page shows when executed, and for the rule modules left out
    the names each defines (module path -> names)."""
    text = source.read_text(encoding="utf-8")
    policies_dir = srcdir / "policies"
    all_policies = sorted(p.name for p in policies_dir.iterdir() if (p / "policy.yaml").exists()) \
        if policies_dir.is_dir() else []
    pid = docname.split("/", 1)[1] if docname.startswith("notebooks/") else None
    own = pid if pid in all_policies else None
    named = sorted({p for p in all_policies if p in text} | ({own} if own else set()))
    resolve = _module_in(srcdir)
    extra = sorted(p for folder in ("examples", "benchmarks") if (srcdir / folder).is_dir()
                   for p in (srcdir / folder).rglob("*") if p.is_file() and (p.name in text or
                                                                              (p.suffix == ".py" and p.stem in text)))
    roots = page_imports(source)
    if roots is None:   # a cell that is not Python: anything may run
        roots = ["medrules." + ".".join(p.relative_to(srcdir / "medrules").with_suffix("").parts)
                 for p in sorted((srcdir / "medrules").rglob("*.py")) if p.name != "__init__.py"]
    for script in extra:
        if script.suffix == ".py":
            roots += imported_names(read_source(script)[2], "")
    roots += lazy_exports(srcdir)
    rules = {rule_module(p) for p in named}
    def other_rules(name: str) -> bool:   # a rule module of a policy not run here (a helper declares its policy)
        if not name.startswith("medrules.rules.") or name in rules:
            return False
        path = resolve(name)
        return path is None or declared_policy(path) not in named
    walked = medrules_modules(roots + sorted(rules), leave_out=other_rules, resolve=resolve)
    if own is None and "medrules.core.engine" in walked:   # may run any policy's rules, found by name
        rules = {rule_module(p) for p in all_policies}
        walked = medrules_modules(roots + sorted(rules), resolve=resolve)
    files = [source, *sorted(set(walked.values()))]
    files += sorted(p for p in (srcdir / "medrules").rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
                    and "__pycache__" not in p.parts)
    files += extra
    for data_root in ([policies_dir / p for p in named] if own else [policies_dir]):
        files += sorted(p for p in data_root.rglob("*") if p.is_file())
    names = {}
    for path in sorted((srcdir / "medrules" / "rules").glob("*.py")):
        if path not in walked.values():
            names[path.relative_to(srcdir).as_posix()] = defined_names(path)
    return files, names


def digest(docname: str, source: Path, srcdir: Path) -> str:
    files, names = inputs_of(docname, source, srcdir)
    h = hashlib.sha256()
    for path in files:
        h.update(path.relative_to(srcdir).as_posix().encode("utf-8") + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).hexdigest().encode("ascii") + b"\n")
    for rel, defined in names.items():
        h.update(f"names of {rel}\0{defined}\n".encode("utf-8"))
    return h.hexdigest()


def _cache_path(app) -> Path:
    config = getattr(app.env, "mystnb_config", None)
    path = getattr(config, "execution_cache_path", None) or app.config.nb_execution_cache_path
    return Path(path) if path else Path(app.outdir).parent / ".jupyter_cache"


def forget_cached_execution(cache_dir: Path, source: Path) -> int:
    """Remove every cached execution of the notebook (matched by its path); the number removed."""
    from jupyter_cache import get_cache
    if not cache_dir.exists():
        return 0
    cache = get_cache(str(cache_dir))
    target = source.resolve()
    removed = 0
    for record in cache.list_cache_records():
        if record.uri and Path(record.uri).resolve() == target:
            cache.remove_cache(record.pk)
            removed += 1
    return removed


def _on_builder_inited(app) -> None:
    srcdir = Path(app.srcdir)
    pages = executed_pages(srcdir)
    current = {doc: digest(doc, path, srcdir) for doc, path in pages.items()}
    cache_dir = _cache_path(app)
    try:
        previous = json.loads((cache_dir / SIDECAR).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        previous = {}
    changed = sorted(doc for doc, d in current.items() if previous.get(doc) != d)
    for doc in changed:
        forget_cached_execution(cache_dir, pages[doc])
    app._medrules_changed_inputs = changed
    app._medrules_input_digests = (cache_dir, current)


def _on_env_get_outdated(app, env, added, changed, removed) -> list[str]:
    """Pages whose inputs changed are read (and so executed) again even when their own file did not change."""
    return [doc for doc in getattr(app, "_medrules_changed_inputs", []) if doc in env.found_docs]


def _on_build_finished(app, exception) -> None:
    if exception is not None or (app._warncount and app.keep_going):
        return  # a failed build records nothing: its pages are checked again next time
    cache_dir, current = app._medrules_input_digests
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{SIDECAR}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(current, f, indent=1, sort_keys=True)
    os.replace(tmp, cache_dir / SIDECAR)


def setup(app):
    app.connect("builder-inited", _on_builder_inited, priority=900)  # after myst-nb has set the cache path
    app.connect("env-get-outdated", _on_env_get_outdated)
    app.connect("build-finished", _on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
