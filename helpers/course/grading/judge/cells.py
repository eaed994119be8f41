"""A test cell in parts: the visible tests, then each hidden check.

In a source notebook a test cell holds its visible tests, then its hidden tests
between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``. Inside the
hidden block, a line ``# hidden check: <what it checks>`` starts each check;
what comes before the first such line is set-up shared by the checks (imports,
a generator). A hidden block without such lines is one check.

The judge runs the parts one after the other in one namespace, and the feedback
shows each hidden check as one line (what it checked, passed or failed, and its
message), never its code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from helpers.course.notebooks import BEGIN_HIDDEN, END_HIDDEN

CHECK_MARK = "# hidden check:"
DEFAULT_CHECK = "the hidden tests"


@dataclass(frozen=True)
class Part:
    """Code of a test cell that runs as one piece; ``first_line`` is its line in the cell."""

    code: str
    first_line: int
    what: str = ""        # a hidden check's description ("" for visible code and set-up)
    hidden: bool = False


@dataclass(frozen=True)
class TestCell:
    visible: Part
    setup: Part | None
    checks: tuple[Part, ...]
    after: Part | None

    @property
    def parts(self) -> list[Part]:
        return [p for p in (self.visible, self.setup, *self.checks, self.after) if p is not None]


def _part(lines: list[str], first: int, what: str = "", hidden: bool = False) -> Part | None:
    code = "\n".join(lines)
    return Part(code, first, what, hidden) if code.strip() else None


def split(source: str) -> TestCell:
    """The parts of a test cell's source (hidden markers kept out of every part)."""
    lines = source.splitlines()
    stripped = [line.strip() for line in lines]
    begin = stripped.index(BEGIN_HIDDEN) if BEGIN_HIDDEN in stripped else len(lines)
    end = stripped.index(END_HIDDEN) if END_HIDDEN in stripped[begin:] else len(lines)
    visible = _part(lines[:begin], 1) or Part("", 1)
    after = _part(lines[end + 1:], end + 2)
    block = list(range(begin + 1, end))
    marks = [i for i in block if stripped[i].startswith(CHECK_MARK)]
    if not marks:
        hidden = _part([lines[i] for i in block], begin + 2, DEFAULT_CHECK, True)
        return TestCell(visible, None, (hidden,) if hidden else (), after)
    setup = _part(lines[begin + 1:marks[0]], begin + 2, hidden=True)
    checks = []
    for n, start in enumerate(marks):
        stop = marks[n + 1] if n + 1 < len(marks) else end
        what = stripped[start][len(CHECK_MARK):].strip() or DEFAULT_CHECK
        part = _part(lines[start + 1:stop], start + 2, what, True)
        checks.append(part or Part("pass", start + 2, what, True))
    return TestCell(visible, setup, tuple(checks), after)


def compile_part(part: Part, filename: str):
    """The part compiled so that its line numbers are the cell's."""
    padded = "\n" * (part.first_line - 1) + part.code
    return compile(ast.parse(padded, filename), filename, "exec")


def imports_of(code: str) -> list[str]:
    """The top-level import statements of a code cell (IPython magics left out)."""
    kept = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(kept))
    except SyntaxError:
        return []
    return [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]


def imported_modules(statement: str) -> list[str]:
    """The modules an import statement imports (``from torch import nn``: ``torch``)."""
    try:
        tree = ast.parse(statement)
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names
