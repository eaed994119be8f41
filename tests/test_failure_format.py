"""How a failed check reaches the student: short, wrapped, no library frames."""

import nbformat
import pytest
from nbclient import NotebookClient

from helpers.checks import core
from helpers.course import notebooks as nbs

LONG = ("simple_rnn_params(3, 5) returned 30, but SimpleRNN(5) on 3 features has 45 parameters: "
        "the bias is missing: b adds one number per unit, + units.")


def test_failure_lines_wrap_and_keep_the_words():
    lines = core.failure_lines(LONG, "Failed at line 3 of the cell: assert _got == _want")
    assert lines[0] == "Failed at line 3 of the cell: assert _got == _want"
    assert all(len(line) <= core.WIDTH for line in lines)
    assert " ".join(lines[1:]) == LONG


def test_failure_lines_keep_paragraphs_and_cap_the_length():
    lines = core.failure_lines("first\n\nsecond")
    assert lines == ["first", "", "second"]
    many = core.failure_lines("\n".join(f"line {i}" for i in range(40)), "where")
    assert len(many) == core.MAX_LINES and many[-1].startswith("... (message cut")


def test_failure_lines_shorten_a_long_cell_line():
    (where,) = core.failure_lines("", "x" * 300)[:1]
    assert len(where) == core.WIDTH and where.endswith("...")


def test_one_line_quotes_type_and_message():
    error = ValueError("Input 0 of layer is incompatible:\n  expected ndim=3,   found ndim=2")
    assert core.one_line(error) == "ValueError: Input 0 of layer is incompatible: expected ndim=3, found ndim=2"
    assert core.one_line(KeyError()) == "KeyError"
    cut = core.one_line(ValueError("y" * 500), limit=50)
    assert len(cut) == 50 and cut.endswith("...")


def test_call_student_raises_from_a_clean_context():
    def build():
        raise ValueError("line one\nline two")

    with pytest.raises(AssertionError) as info:
        core.call_student(build, "build()", diagnose=lambda e: "Add the features axis.")
    assert str(info.value) == "build() raised ValueError: line one line two\nAdd the features axis."
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize("output, target, fix", [
    ("6, 1", "6", "squeeze the model's last axis, `loss_fn(model(inputs).squeeze(1), targets)`"),
    ("6", "6, 1", "squeeze the targets' last axis"),
    ("6, 2", "6", None),   # another mismatch: no fix named
])
def test_a_loss_given_shapes_one_axis_apart_names_the_squeeze(output, target, fix):
    error = ValueError(f"Target size (torch.Size([{target}])) must be the same as input size "
                       f"(torch.Size([{output}]))")
    advice = core.error_advice(error)
    assert (advice is None) if fix is None else (fix in advice), advice


def test_show_failures_short_is_a_no_op_outside_ipython():
    assert core.show_failures_short() is False


CELLS = [
    "from helpers import checks\nimport numpy as np",
    "_got = 30\nassert _got == 45, (\n    " + repr(LONG) + ")",
    "checks.check_shape(np.zeros((2, 3)), (2, 4), 'make_windows(series, 3)')",
    "def build():\n    raise ValueError('expected ndim=3, found ndim=2.\\nFull shape received: (None, 5)')\n"
    "checks.build_model(build)",
    "1 / 0",
    "def make_windows(series, window):\n    raise NotImplementedError()\n"
    "checks.check_windows(make_windows)",
    # a student's function, then a test cell calling it: errors with a known fix
    "def forward(rnn, x):\n    output, (h_n, c_n) = rnn(x)\n    return h_n\n\n\n"
    "def restart(model):\n    model.reset_states()",
    "_x = [0.5]\n_h = forward(lambda x: (x, [x]), _x)",
    "restart(object())",
    "_a, _b = [1]  # the same error from a line that unpacks no pair: no fix named",
    "import torch\n\n\ndef loss_of(outputs, targets):\n"
    "    return torch.nn.BCEWithLogitsLoss()(outputs, targets)",
    "loss_of(torch.zeros(6, 1), torch.zeros(6))",
    "%tb",
]


@pytest.fixture(scope="module")
def shown():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in CELLS]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    return [nbs.shown_text(cell) for cell in nb.cells]


def test_an_inline_assert_shows_its_line_and_the_wrapped_message(shown):
    lines = shown[1].splitlines()
    assert lines[0].startswith("Failed at line 2 of the cell: assert _got == 45")
    assert nbs.mentions(shown[1], "AssertionError: " + LONG)
    assert len(lines) <= 4 and all(len(line) <= core.WIDTH for line in lines)


def test_a_check_failure_names_the_call_and_has_no_library_frames(shown):
    assert shown[2].splitlines()[0].startswith("Failed at line 1 of the cell: checks.check_shape(")
    assert "make_windows(series, 3) should have shape (2, 4), got (2, 3)." in shown[2]
    assert "helpers/checks" not in shown[2] and "Traceback" not in shown[2]


def test_a_students_error_is_quoted_in_one_line_without_the_chain(shown):
    assert "build() raised ValueError: expected ndim=3, found ndim=2. Full shape received" in \
        " ".join(shown[3].split())
    assert "direct cause" not in shown[3] and len(shown[3].splitlines()) <= core.MAX_LINES


def test_any_other_error_reads_at_a_glance(shown):
    lines = shown[4].splitlines()
    assert lines[0] == "Failed at line 1 of the cell: 1 / 0", shown[4]
    assert lines[1] == "ZeroDivisionError: division by zero"
    assert "Traceback" not in shown[4] and "%tb shows the whole traceback" in shown[4]
    assert len(lines) <= 4


def test_tb_shows_the_whole_traceback_of_the_last_error(shown):
    assert "Traceback" in shown[12] and "site-packages/torch" in shown[12], shown[12][:500]


def test_an_error_in_the_students_code_shows_their_line_the_error_and_the_fix(shown):
    lines = shown[7].splitlines()
    assert lines[0].startswith("Failed at line 2 of the cell: _h = forward(")
    assert lines[1] == "ValueError: not enough values to unpack (expected 2, got 1)"
    assert lines[2] == "Raised by your code, line 2: output, (h_n, c_n) = rnn(x)"
    assert "unpacks the pair that only nn.LSTM returns" in " ".join(shown[7].split())
    assert len(lines) <= core.MAX_LINES and all(len(line) <= core.WIDTH for line in lines)
    assert "Raised by your code, line 7: model.reset_states()" in shown[8]
    assert "layer.reset_state()" in shown[8]


def test_a_loss_of_mismatched_shapes_reads_at_a_glance_with_its_fix(shown):
    """PyTorch's (batch, 1) outputs against (batch,) targets: 40-odd lines of its internals before."""
    lines = shown[11].splitlines()
    assert lines[0] == "Failed at line 1 of the cell: loss_of(torch.zeros(6, 1), torch.zeros(6))"
    assert lines[2] == "Raised by your code, line 5: return torch.nn.BCEWithLogitsLoss()(outputs, targets)"
    assert "squeeze the model's last axis" in " ".join(shown[11].split())
    assert len(lines) <= 7 and "site-packages" not in shown[11]


def test_a_known_error_text_alone_does_not_name_a_mistake(shown):
    """The fix for unpacking (h_n, c_n) needs the student's line to unpack a pair: the control."""
    assert "ValueError: not enough values to unpack (expected 2, got 1)" in shown[9]
    assert "nn.LSTM" not in shown[9] and "Raised by your code" not in shown[9]


def test_an_unanswered_exercise_says_so_in_a_few_lines(shown):
    """The blank release's NotImplementedError, reached through a check: what to do, no frames."""
    text = " ".join(shown[5].split())
    assert shown[5].splitlines()[0].startswith("Failed at line 3 of the cell: checks.check_windows(")
    assert "NotImplementedError: make_windows is not answered yet" in text, shown[5]
    assert "replace `raise NotImplementedError()` with your code" in text
    assert "helpers/checks" not in shown[5] and len(shown[5].splitlines()) <= 4
