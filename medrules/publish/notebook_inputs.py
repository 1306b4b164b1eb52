"""The book never shows a stale result: a notebook re-executes when anything it runs has changed.

jupyter-cache (execute_notebooks: cache) keys a notebook on its code cells only, so a changed parameter, rule, engine
module, reading or casebook entry would leave the page showing the old figures ("Using cached notebook"). This
Sphinx extension (in _config.yml, sphinx.extra_extensions) runs at the start of every build and, for each executed
page of the table of contents, takes a digest of what it runs:

- the page itself (its cells);
- every module of the medrules package (the engine, the display helpers, its own rules module — the engine is
  found by listing medrules/, not named, so modules added later are covered);
- for a policy page notebooks/<id>: every file under policies/<id>/ (clauses, parameters, policy dates, readings,
  casebook); for any other executed page: every file under policies/.

The digests of the last successful build are kept beside the cache (`<cache>/medrules-inputs.json`). When a page's
digest differs, its cached execution is removed through jupyter-cache's API and Sphinx is told to read it again,
so it re-executes; a failing cell then fails the build (nb_execution_raise_on_error, -W --keep-going). The
digests are written only when the build succeeds, so a failed build is retried in full next time.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

SIDECAR = "medrules-inputs.json"
_FRONT_MATTER_KERNEL = re.compile(r"\A---\s*\n(?:.*\n)*?kernelspec:", re.MULTILINE)


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


def inputs_of(docname: str, source: Path, srcdir: Path) -> list[Path]:
    """Every file whose content can change what the page shows when executed."""
    files = [source, *sorted((srcdir / "medrules").rglob("*.py"))]
    pid = docname.split("/", 1)[1] if docname.startswith("notebooks/") else None
    policy = srcdir / "policies" / pid if pid else None
    data_root = policy if policy is not None and (policy / "policy.yaml").exists() else srcdir / "policies"
    files += sorted(p for p in data_root.rglob("*") if p.is_file())
    return files


def digest(docname: str, source: Path, srcdir: Path) -> str:
    h = hashlib.sha256()
    for path in inputs_of(docname, source, srcdir):
        h.update(path.relative_to(srcdir).as_posix().encode("utf-8") + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).hexdigest().encode("ascii") + b"\n")
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
