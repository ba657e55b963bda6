"""The package's layering and its public/private boundary (DESIGN.md "Layering").

- The import-linter contracts in ``pyproject.toml`` hold: report > viz > config > sweeps >
  repeated | crisis > equilibria > games; figures do not import configs; the shared leaves
  (errors, files, wording) import no layer; nothing below the figures imports matplotlib.
- ``import sim`` loads no matplotlib and no scipy.integrate (its re-exports are lazy).
- No module imports another package's private names; tests and experiments use public names.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


# --------------------------------------------------------------------------- import-linter contracts
def test_import_contracts_hold():
    # import-linter's Python API, in a child process: it configures logging globally and
    # puts the working directory on sys.path, which this test process should not inherit.
    out = _run("import sys; from importlinter.cli import lint_imports; "
               "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")
    assert out.returncode == 0, f"import contracts broken (pyproject.toml [tool.importlinter]):\n{out.stdout}{out.stderr}"


# --------------------------------------------------------------------------- what `import sim` loads
def test_import_sim_loads_no_matplotlib_and_no_scipy_integrate():
    heavy = "sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib' or m.startswith('scipy.integrate'))"
    out = _run(f"import sys, sim; print({heavy})")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", f"`import sim` loaded {out.stdout.strip()}"
    # the shared leaves load no layer either
    out = _run("import sys, sim.errors, sim.files, sim.wording; "
               "print(sorted(m for m in sys.modules if m.startswith('sim.') or m.split('.')[0] == 'matplotlib'))")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['sim.errors', 'sim.files', 'sim.wording']"


# --------------------------------------------------------------------------- private names stay inside their package
#: Where modules live: the package ``sim`` and the folders whose files import each other by
#: bare name (their folder is on sys.path: ``experiments/cli.py`` is ``cli``).
_FOLDERS = ("sim", "experiments", "tests", "benchmarks")

#: Cross-package private imports allowed (importing file, imported name): none.  An entry
#: would make the test fail once it is no longer needed.
KNOWN: set[tuple[str, str]] = set()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _module_files() -> dict[str, Path]:
    """Importable module name -> file, for ``sim`` and the top level of the other folders."""
    out: dict[str, Path] = {}
    for folder in _FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if rel.parts[0] == "sim":
                parts = rel.with_suffix("").parts
                out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
            elif len(rel.parts) == 2:
                out.setdefault(path.stem, path)
    return out


def _package(path: Path) -> str:
    """The package a file belongs to: its folder; a top-level module of sim (errors, files, wording) is its own."""
    rel = path.relative_to(ROOT)
    if rel.parts[0] == "sim" and len(rel.parts) == 2 and rel.name != "__init__.py":
        return str(rel.with_suffix(""))
    return str(rel.parent)


def private_imports() -> list[tuple[str, int, str]]:
    """Every ``(file, line, imported name)`` where a module uses a private name of another package.

    Counted: ``from pkg.mod import _name``, imports of private modules (``import _module``,
    ``from pkg import _mod``) and ``alias._name`` where ``alias`` is an imported module.
    """
    files = _module_files()
    found = []
    for module, path in files.items():
        rel, home = str(path.relative_to(ROOT)), _package(path)
        aliases: dict[str, str] = {}

        def foreign_private(target: str, name: str | None) -> bool:
            if target not in files or _package(files[target]) == home:
                return False
            return any(_private(p) for p in target.split(".")) or (name is not None and _private(name))

        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                    pkg = pkg[: len(pkg) - node.level + 1]
                    base = ".".join(pkg + ([base] if base else []))
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    if sub in files:  # a module
                        aliases[a.asname or a.name] = sub
                        if foreign_private(sub, None):
                            found.append((rel, node.lineno, sub))
                    elif foreign_private(base, a.name):
                        found.append((rel, node.lineno, sub))
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        aliases[a.asname] = a.name
                    else:
                        aliases[a.name.split(".")[0]] = a.name.split(".")[0]
                    if foreign_private(a.name, None):
                        found.append((rel, node.lineno, a.name))

        def resolve(expr) -> str | None:
            if isinstance(expr, ast.Name):
                return aliases.get(expr.id)
            if isinstance(expr, ast.Attribute):
                base = resolve(expr.value)
                return f"{base}.{expr.attr}" if base and f"{base}.{expr.attr}" in files else None
            return None

        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                target = resolve(node.value)
                if target and foreign_private(target, node.attr):
                    found.append((rel, node.lineno, f"{target}.{node.attr}"))
    return sorted(set(found))


def test_no_module_imports_another_packages_private_names():
    found = private_imports()
    new = [f"{f}:{line}: {name}" for f, line, name in found if (f, name) not in KNOWN]
    assert not new, "private names imported from another package (make them public there):\n" + "\n".join(new)
    stale = sorted(KNOWN - {(f, name) for f, _, name in found})
    assert not stale, f"fixed, remove from KNOWN: {stale}"
