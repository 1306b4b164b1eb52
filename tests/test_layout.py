"""The package's folders are its architecture: layers import downwards only, no module imports itself back through
another, no private name crosses a module, and no module grows past what one reader holds in mind.

Read from the source (ast), every import counted, those inside functions too: a lazy import is still a dependency.
The layers, lowest first (medrules/<layer>/__init__.py says what each holds):

    core      the vocabulary and the engine (money, policy, claims, scenario, rulebook, engine, …)
    rules     one module per policy, on core
    tables    claims files, the national layout, batch and Dask, on core (the rules found by name at run time)
    analysis  reforms, indicators, schemes, comparisons, on tables and core
    publish   the book, reports, charts and the workshop's dashboards, on everything below
    review    the clause review workflow, on everything below
    cli       the command line, on everything
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import medrules

PACKAGE = Path(medrules.__file__).resolve().parent
LAYERS = ("core", "rules", "tables", "analysis", "publish", "review", "cli")
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _resolve(importer: str, level: int, module: str | None) -> str:
    if not level:
        return module or ""
    package = importer if MODULES[importer].name == "__init__.py" else importer.rpartition(".")[0]
    base = package.split(".")
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def imports(name: str) -> list[tuple[str, tuple, int]]:
    """(module imported, names taken from it, line) for every import of a medrules module in `name`."""
    out = []
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.Import):
            out += [(a.name, (), node.lineno) for a in node.names if a.name.split(".")[0] == "medrules"]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, node.level, node.module)
            if target.split(".")[0] != "medrules":
                continue
            taken = tuple(a.name for a in node.names)
            # `from .. import charts` names a module: that module is the dependency
            for n in taken:
                if f"{target}.{n}" in MODULES:
                    out.append((f"{target}.{n}", (), node.lineno))
                    taken = tuple(t for t in taken if t != n)
            out.append((target, taken, node.lineno))
    return out


def layer_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_layer_has_a_docstring_saying_what_it_holds_and_may_import():
    for layer in LAYERS:
        doc = ast.get_docstring(TREES[f"medrules.{layer}"])
        assert doc and "import" in doc.lower(), f"medrules/{layer}/__init__.py: say what it holds and what it may import"


def test_imports_run_down_the_layers_only():
    wrong = []
    for name in MODULES:
        mine = layer_of(name)
        for target, _, line in imports(name):
            theirs = layer_of(target)
            if mine is None or theirs is None or theirs == mine:
                continue
            if LAYERS.index(theirs) > LAYERS.index(mine):
                wrong.append(f"{MODULES[name].relative_to(PACKAGE.parent)}:{line} ({mine}) imports {target} ({theirs})")
    assert not wrong, "imports that run up the layers:\n" + "\n".join(wrong)


def _graph() -> dict[str, set[str]]:
    graph = {}
    for name in MODULES:
        graph[name] = {t for t, _, _ in imports(name) if t in MODULES and t != name and not name.startswith(t + ".")
                       and t != "medrules"}
    return graph


def test_no_module_imports_itself_back_through_others():
    graph = _graph()
    state, stack, cycles = {}, [], []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                cycles.append(" → ".join(stack[stack.index(m):] + [m]))
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def _private_definitions() -> dict[str, set[str]]:
    """Module -> the private names it defines: functions, classes, module variables, methods and attributes."""
    out = {}
    for name, tree in TREES.items():
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                found.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                found.add(node.attr)
            elif isinstance(node, ast.arg):
                found.add(node.arg)
        out[name] = {n for n in found if n.startswith("_") and not n.startswith("__")}
    return out


def test_no_private_name_is_used_across_modules():
    """What two modules share is a public name in the lower one: `from x import _y`, `x._y` and `obj._y` where `_y`
    is defined only in another medrules module all fail."""
    private = _private_definitions()
    defined_anywhere = set().union(*private.values())
    wrong = []
    for name, tree in TREES.items():
        for target, taken, line in imports(name):
            for n in taken:
                if n.startswith("_") and not n.startswith("__"):
                    wrong.append(f"{MODULES[name].relative_to(PACKAGE.parent)}:{line} imports {n} from {target}")
        own = private[name]
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in defined_anywhere and node.attr not in own:
                wrong.append(f"{MODULES[name].relative_to(PACKAGE.parent)}:{node.lineno} uses .{node.attr}")
    assert not wrong, "private names used across modules:\n" + "\n".join(sorted(set(wrong)))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_longer_than_a_reader_holds_in_mind(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(PACKAGE.parent)}: {lines} lines (at most {MAX_LINES})"
