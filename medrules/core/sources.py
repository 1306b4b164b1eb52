"""Which `medrules` modules a piece of code runs, found by reading imports from the source — never listed by hand.

Shared by what must know when a result may have changed: a clause approval's fingerprint (medrules/review/
fingerprint.py: the policy's rule module and the engine it runs) and the book's executed pages (medrules/publish/
notebook_inputs.py: the modules a page's cells import). Imports inside functions count (a lazy import still runs);
importing medrules.x.y runs medrules/__init__.py and medrules/x/__init__.py, so parent packages count too.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import re
import sys
from pathlib import Path

_CACHE: dict = {}


def read_source(path: Path) -> tuple[str, str, tuple]:
    """(text, sha256, imports) of a Python file, cached on (mtime, size): many fingerprints read the same files.
    Each import is (level, module, names), as `from .. import x` or `import a.b` writes it."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _CACHE:
        data = path.read_bytes()
        text = data.decode("utf-8", "replace")
        _CACHE[key] = (text, hashlib.sha256(data).hexdigest(), imports_in(text))
    return _CACHE[key]


def imports_in(text: str) -> tuple:
    """The imports of Python source text (inside functions too); none if it does not parse."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return ()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(0, alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or "", tuple(a.name for a in node.names)))
    return tuple(found)


def module_file(name: str) -> Path | None:
    """The .py file of an importable module (without importing it), or None."""
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None) if module is not None else None
    if path is None:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        path = spec.origin if spec is not None and spec.has_location else None
    return Path(path) if path and path.endswith(".py") else None


def imported_names(imports, package: str) -> list[str]:
    """The absolute module names an import list may load, relative ones resolved against `package`; `from x import
    y` gives x and x.y (y may be a module)."""
    names = []
    for level, target, taken in imports:
        if level:
            base = package.split(".")
            base = base[:len(base) - (level - 1)] if level > 1 else base
            target = ".".join(base + ([target] if target else []))
        names.append(target)
        names += [f"{target}.{n}" for n in taken if n != "*"]
    return names


def declared_policy(path: Path) -> str | None:
    """The POLICY_ID a rules module declares (its first `POLICY_ID = "…"` line), if any: a helper module of a
    policy's rules belongs to that policy."""
    m = re.search(r'^POLICY_ID = "([^"]+)"', read_source(path)[0], re.M)
    return m.group(1) if m else None


def medrules_modules(roots, leave_out=lambda name: False, resolve=module_file) -> dict[str, Path]:
    """Module name -> file of each `medrules` module in `roots` and every `medrules` module they import,
    transitively (parent packages included), except those `leave_out(name)` is true for. `resolve` finds a
    module's file (by default where this process would import it from)."""
    found: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in found or not (name == "medrules" or name.startswith("medrules.")) or leave_out(name):
            continue
        path = resolve(name)
        if path is None:
            continue
        found[name] = path
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        if "." in name:
            todo.append(name.rpartition(".")[0])
        todo += imported_names(read_source(path)[2], package)
    return found
