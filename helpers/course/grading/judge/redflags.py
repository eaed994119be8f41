"""Cells that reach into the kernel's machinery: shown to the instructor, never scored.

An answer to these exercises is a function or a model. One that touches
IPython's internals, ``sys.modules``, builtins, ``exec``/``eval``/``compile`` or
the course's own ``helpers`` internals (the checks, the bridge, the grading
tools) is worth a look: the judge makes such code useless for forging a grade,
but it may be an attempt. ``grade`` lists them after its summary.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import nbformat

from helpers.course import notebooks as nbs

CALLS = {"exec": "exec()", "eval": "eval()", "compile": "compile()", "__import__": "__import__()",
         "get_ipython": "get_ipython()", "globals": "globals()", "breakpoint": "breakpoint()"}
NAMES = {"__builtins__": "__builtins__"}
ATTRIBUTES = {("sys", "modules"): "sys.modules", ("sys", "_getframe"): "sys._getframe",
              ("sys", "settrace"): "sys.settrace", ("sys", "setprofile"): "sys.setprofile",
              ("sys", "excepthook"): "sys.excepthook"}
MODULES = {"IPython": "IPython internals", "ipykernel": "ipykernel internals",
           "builtins": "builtins", "importlib": "importlib", "ctypes": "ctypes", "gc": "gc",
           "traitlets": "traitlets", "helpers.checks": "helpers.checks internals",
           "helpers.bridge": "the grading bridge", "helpers.course": "the grading tools",
           "helpers.offline": "the network guard"}


@dataclass(frozen=True)
class RedFlag:
    student: str
    notebook: str
    cell: str
    what: str

    def __str__(self) -> str:
        return f"{self.student} {self.notebook} {self.cell}: {self.what}"


def _module_flag(name: str) -> str | None:
    for module, what in MODULES.items():
        if name == module or name.startswith(module + "."):
            return what
    return None


def reaches(code: str) -> list[str]:
    """What of the kernel's machinery ``code`` touches (empty when nothing, or unparsable)."""
    kept = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(kept)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        what = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            what = CALLS.get(node.func.id)
        elif isinstance(node, ast.Name):
            what = NAMES.get(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            what = ATTRIBUTES.get((node.value.id, node.attr))
            if what is None and node.value.id == "helpers":
                what = _module_flag(f"helpers.{node.attr}")
        elif isinstance(node, ast.Import):
            what = next((w for alias in node.names if (w := _module_flag(alias.name))), None)
        elif isinstance(node, ast.ImportFrom) and node.module:
            what = _module_flag(node.module) or next(
                (w for alias in node.names if (w := _module_flag(f"{node.module}.{alias.name}"))), None)
        if what and what not in found:
            found.append(what)
    return found


def red_flags(student: str, notebooks: dict[str, bytes], sources: dict | None = None) -> list[RedFlag]:
    """The red flags of one student's submitted notebooks (name -> notebook JSON).

    Cells whose code is the source notebook's own (``sources``: name -> notebook)
    are the course's, not the student's, and are left out.
    """
    flags = []
    for name, data in sorted(notebooks.items()):
        try:
            nb = nbformat.reads(data.decode("utf-8", "replace"), as_version=4)
        except Exception:  # noqa: BLE001 - an unreadable notebook is a fault elsewhere
            continue
        known = {c.source.strip() for c in (sources or {}).get(name, nbformat.v4.new_notebook()).cells}
        for number, cell in enumerate(nb.cells, start=1):
            # every cell the student could write in: test cells are restored from the source
            if cell.cell_type == "code" and not nbs.is_autograded_test(cell) \
                    and cell.source.strip() not in known:
                for what in reaches(cell.source):
                    flags.append(RedFlag(student, name, nbs.grade_id(cell) or f"cell {number}", what))
    return flags
