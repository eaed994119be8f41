"""Diagnostics the notebooks' test cells call: ``from helpers import checks``.

Every check raises ``AssertionError`` with a sentence a student can act on,
shape first, then values; nothing prints and passes. One module per topic:

- ``core``       types, shapes, closeness to a reference
- ``sequences``  chapter 01: windows, padding, the features axis
- ``hidden_state`` chapter 02: rnn_step, rnn_forward, weight transfer, step Jacobian
"""

from helpers.checks.core import FRAMEWORKS, check_close, check_shape, check_type, to_numpy
from helpers.checks.sequences import check_features_axis, check_padding, check_windows
from helpers.checks.hidden_state import check_rnn_forward, check_rnn_step, check_step_jacobian, check_weight_transfer

__all__ = ["FRAMEWORKS", "check_close", "check_features_axis", "check_padding",
           "check_shape", "check_type", "check_windows", "to_numpy"]
__all__ += ["check_rnn_forward", "check_rnn_step", "check_step_jacobian", "check_weight_transfer"]
