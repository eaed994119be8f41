"""Diagnostics the notebooks' test cells call: ``from helpers import checks``.

Every check raises ``AssertionError`` with a sentence a student can act on,
shape first, then values; nothing prints and passes. One module per topic:

- ``core``       types, shapes, closeness to a reference
- ``sequences``  chapter 01: windows, padding, the features axis
"""

from helpers.checks.core import FRAMEWORKS, check_close, check_shape, check_type, to_numpy
from helpers.checks.sequences import check_features_axis, check_padding, check_windows

__all__ = ["FRAMEWORKS", "check_close", "check_features_axis", "check_padding",
           "check_shape", "check_type", "check_windows", "to_numpy"]
