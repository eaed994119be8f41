"""Students who attack the grade from inside their own kernel, and what each must score.

Each hostile student hands in chapter 01's blank release (PyTorch, and Keras for two
attacks, ``KERAS_ATTACKS``) with an
attack added to its answer cells: code that changes IPython, the course's
checks, NumPy or PyTorch, the kernel's side of the judge's bridge, or answers
with objects that equal anything. Graded with the judge, each must get exactly
what its answers earn: 0. Graded the way grading worked before the judge (test
cells in the student's kernel), the attacks on the kernel succeed, which is
what makes the judged scores a real test.
"""

from __future__ import annotations

from pathlib import Path

from helpers.course import notebooks as nbs

ASSIGNMENT = "01_sequential_data"
TRACKS = ("keras", "pytorch")

# every later cell, tests included, becomes `pass`
INPUT_TRANSFORMER = "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n"

# every later cell's syntax tree becomes `pass`
AST_TRANSFORMER = """\
import ast
class _Nothing(ast.NodeTransformer):
    def visit_Module(self, node):
        node.body = [ast.Pass()]
        return node
get_ipython().ast_transformers.append(_Nothing())
"""

# errors never reach the reply: run_cell forgets them, no traceback, a custom handler swallows them
QUIET_ERRORS = """\
_shell = get_ipython()
_run_cell, _run_cell_async = _shell.run_cell, _shell.run_cell_async
def _forget(result):
    result.error_in_exec = result.error_before_exec = None
    return result
def _quiet_run_cell(*args, **kwargs):
    return _forget(_run_cell(*args, **kwargs))
async def _quiet_run_cell_async(*args, **kwargs):
    return _forget(await _run_cell_async(*args, **kwargs))
_shell.run_cell, _shell.run_cell_async = _quiet_run_cell, _quiet_run_cell_async
_shell.showtraceback = lambda *args, **kwargs: None
_shell.set_custom_exc((BaseException,), lambda *args, **kwargs: None)
"""

# the checks and the libraries' comparisons say yes to anything; the answers are shaped garbage
NO_OPS = """\
import numpy as np
from helpers import checks
for _name in dir(checks):
    if _name.startswith("check_"):
        setattr(checks, _name, lambda *args, **kwargs: None)
np.allclose = np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = np.testing.assert_array_equal = lambda *args, **kwargs: None
try:
    import torch
    torch.equal = torch.allclose = lambda *args, **kwargs: True
    torch.testing.assert_close = lambda *args, **kwargs: None
except ImportError:
    pass
"""
NO_OPS_ANSWERS = {
    "keras": {"features_answer": "def add_features_axis(x):\n    return np.zeros(x.shape + (1,), x.dtype)"},
    "pytorch": {"features_answer": "def add_features_axis(x):\n    return torch.zeros(*x.shape, 1, dtype=x.dtype)"},
}

# answers that compare equal to anything
ALWAYS_EQUAL = """\
class _Anything(str):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = str.__hash__
q1 = q2 = q3 = _Anything("a")
"""

# the kernel's side of the bridge replaced: every request answered "true"
FAKE_AGENT = """\
import sys, types
import helpers.bridge
_fake = types.ModuleType("helpers.bridge.agent")
def _answer(request):
    from IPython.display import publish_display_data
    publish_display_data({"text/x-rnn-bridge": '{"ok": true, "writeback": {}}'})
_fake.answer = _answer
sys.modules["helpers.bridge.agent"] = helpers.bridge.agent = _fake
"""

# the first answer cell of each attack; NO_OPS and ALWAYS_EQUAL also answer other cells
ATTACKS = {
    "input-transformer": {"windows_answer": INPUT_TRANSFORMER},
    "ast-transformer": {"windows_answer": AST_TRANSFORMER},
    "quiet-errors": {"windows_answer": QUIET_ERRORS},
    "no-ops": {"windows_answer": NO_OPS},
    "always-equal": {"quiz_answer": ALWAYS_EQUAL},
    "fake-agent": {"windows_answer": FAKE_AGENT},
}
# every attack is framework-independent: all of them on the quicker PyTorch track, and on
# Keras the headline attack and the one on the bridge (whose Keras path differs)
KERAS_ATTACKS = ("input-transformer", "fake-agent")
# attacks on the kernel that score points when test cells run in it (the control);
# the fake agent has nothing to attack there
WORK_WITHOUT_JUDGE = ("input-transformer", "ast-transformer", "quiet-errors", "no-ops", "always-equal")

# a correct answer that makes PyTorch print a UserWarning while its test cell runs:
# torch.tensor() of a tensor ("To copy construct from a tensor ... use clone().detach()")
WARNING_PAD_BATCH = """\
def pad_batch(sequences, max_len, padding="post", truncating="post"):
    out = torch.zeros(len(sequences), max_len, dtype=torch.long)
    for row, seq in enumerate(sequences):
        seq = torch.tensor(seq[:max_len] if truncating == "post" else seq[-max_len:])
        if padding == "post":
            out[row, :len(seq)] = seq
        else:
            out[row, max_len - len(seq):] = seq
    return out
"""


# a correct answer with a red flag: it reaches into builtins, harmlessly
FLAGGED = "import builtins\nassert builtins.len([1]) == 1\n"


def _attacked(release, track: str, attack: str):
    answers = {}
    for gid, code in ATTACKS[attack].items():
        stub = nbs.cells_by_grade_id(release)[gid].source
        answers[gid] = code + "\n" + stub if gid == "windows_answer" else code
    if attack == "no-ops":
        answers.update(NO_OPS_ANSWERS[track])
    return nbs.fill_answers(release, answers)


def write_class(submitted: Path, release_dir: Path, solutions_dir: Path, tracks=TRACKS,
                students=None) -> dict[str, dict[str, int]]:
    """Write the class (or only ``students``) into ``submitted``; return student -> track -> the
    judged score."""
    expected = {}
    for track in tracks:
        release = nbs.read(release_dir / ASSIGNMENT / f"{track}.ipynb")
        solution = nbs.read(solutions_dir / ASSIGNMENT / f"{track}.ipynb")
        full = sum(nbs.nbgrader_meta(c).get("points", 0) for c in release.cells if nbs.is_autograded_test(c))
        notebooks = {"perfect": (solution, full), "blank": (release, 0)}
        notebooks.update({attack: (_attacked(release, track, attack), 0) for attack in ATTACKS
                          if track == "pytorch" or attack in KERAS_ATTACKS})
        if track == "pytorch":
            notebooks["warning"] = (nbs.fill_answers(solution, {"padding_answer": WARNING_PAD_BATCH}), full)
            flagged = nbs.solution_source(nbs.cells_by_grade_id(solution)["windows_answer"])
            notebooks["flagged"] = (nbs.fill_answers(solution, {"windows_answer": FLAGGED + flagged}), full)
        for student, (nb, score) in notebooks.items():
            if students is not None and student not in students:
                continue
            nbs.write(nbs.clear_outputs(nb), submitted / student / ASSIGNMENT / f"{track}.ipynb")
            expected.setdefault(student, {})[track] = score
    return expected
