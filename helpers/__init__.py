"""Helpers for the recurrent neural networks course.

Modules, each with one responsibility:

- ``helpers.data``     the course reviews corpus and time series (no downloads)
- ``helpers.text``     tokenizing, vocabularies and padding used after chapter 01
- ``helpers.training`` ``set_seed``, a PyTorch ``fit``/``evaluate`` loop, ``count_params``
- ``helpers.checks``   diagnostics the notebooks' test cells call
- ``helpers.reference`` NumPy RNN/LSTM/GRU forward passes and weight converters
- ``helpers.plots``    training curves, hidden-state heatmaps, gradient norms, forecasts
- ``helpers.offline``  the guard that keeps notebooks and tests off the network
- ``helpers.course``   the build and grading command line (``python -m helpers.course``)
"""
