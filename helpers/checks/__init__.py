"""Diagnostics the notebooks' test cells call: ``from helpers import checks``.

Every check raises ``AssertionError`` with a sentence a student can act on,
shape first, then values; nothing prints and passes. A bad argument from the
test cell itself (not a model, a threshold outside [0, 1]...) raises
``TypeError``/``ValueError`` naming the argument. The model checks take a
``keras.Model`` or a ``torch.nn.Module`` alike. Importing the package in a
notebook makes every failed assert show short: the failing line of the cell,
then the message wrapped to 100 characters (``core.failure_lines``).
One module per topic:

- ``seeds``        ``hidden_seed``: hidden tests' seeds from the course's secret key
- ``core``         types, shapes, closeness to a reference, calling a student's function
- ``sequences``    chapter 01: windows, padding, the features axis
- ``hidden_state`` chapter 02: rnn_step, rnn_forward, weight transfer, step Jacobian
- ``introspect``   what a Keras model / PyTorch module holds, and running it (shared)
- ``models``       building, output shapes, return_sequences, batch_first,
                   bidirectional states, masking
- ``params``       parameter counts per layer, Embedding size
- ``gates``        chapter 05: the LSTM step, LSTM/GRU parameter counts, a model per cell
- ``training``     loss vs output activation, finite loss, gradient clipping (set and applied)
- ``accuracy``     accuracy on fresh data the check generates
- ``forecasting``  chapter 07: chronological split, leak-free scaling, windows,
                   baselines, errors in the series' units, recursive forecasts,
                   a causal forecaster that beats seasonal-naive
- ``bidirectional`` chapter 06: joining both final states, masked == unpadded
- ``generation``   chapter 08: teacher-forcing pairs, a per-step language model,
                   perplexity, sampling with a temperature, generating with a carried
                   state, a stream fed chunk by chunk (reset, detached)
"""

from helpers.bridge import in_kernel
from helpers.checks.accuracy import check_accuracy
from helpers.checks.bidirectional import check_join_final_states, check_masked_states
from helpers.checks.core import (
    FRAMEWORKS,
    check_close,
    check_shape,
    check_type,
    failure_lines,
    repeat,
    show_failures_short,
    to_numpy,
)
from helpers.checks.forecasting import (
    check_baselines,
    check_beats_baseline,
    check_causal,
    check_chronological_split,
    check_forecaster,
    check_in_degrees,
    check_period_windows,
    check_recursive_forecast,
    check_scaled_periods,
    check_scaling_fit_on_train,
    check_scores,
    check_split_periods,
)
from helpers.checks.gates import check_cell_models, check_gate_param_count, check_lstm_step
from helpers.checks.generation import (
    check_generate,
    check_language_model,
    check_next_token_pairs,
    check_perplexity,
    check_sample_next,
    check_stream_logits,
    check_trained_language_model,
    language_model_probe,
)
from helpers.checks.hidden_state import (
    check_rnn_forward,
    check_rnn_step,
    check_step_jacobian,
    check_weight_transfer,
)
from helpers.checks.introspect import (
    is_keras_model,
    is_model,
    is_torch_module,
    param_counts,
    recurrent_layers,
    run_model,
)
from helpers.checks.models import (
    build_model,
    check_batch_first,
    check_both_directions,
    check_masking,
    check_output_shape,
    check_outputs_close,
    check_return_sequences,
)
from helpers.checks.params import check_embedding_size, check_param_count
from helpers.checks.seeds import hidden_seed
from helpers.checks.sequences import check_features_axis, check_padding, check_windows
from helpers.checks.training import (
    check_clipped_optimizer,
    check_clipped_train_step,
    check_finite_history,
    check_gradient_clipping,
    check_loss_matches_output,
)

__all__ = [
    "FRAMEWORKS", "build_model", "check_accuracy", "check_batch_first", "check_beats_baseline",
    "check_both_directions", "check_chronological_split", "check_close",
    "check_embedding_size", "check_features_axis", "check_finite_history",
    "check_gradient_clipping", "check_loss_matches_output", "check_masking",
    "check_output_shape", "check_outputs_close", "check_padding", "check_param_count",
    "check_return_sequences", "check_scaling_fit_on_train", "check_shape", "check_type",
    "check_windows", "failure_lines", "hidden_seed", "in_kernel", "is_keras_model", "is_model",
    "is_torch_module", "param_counts", "repeat", "recurrent_layers", "run_model", "to_numpy",
    # chapter 02
    "check_rnn_forward", "check_rnn_step", "check_step_jacobian", "check_weight_transfer",
    # chapter 05
    "check_cell_models", "check_clipped_optimizer", "check_clipped_train_step",
    "check_gate_param_count", "check_lstm_step",
    # chapter 06
    "check_join_final_states", "check_masked_states",
    # chapter 07
    "check_baselines", "check_causal", "check_forecaster", "check_in_degrees",
    "check_period_windows", "check_recursive_forecast", "check_scaled_periods",
    "check_scores", "check_split_periods",
    # chapter 08
    "check_generate", "check_language_model", "check_next_token_pairs", "check_perplexity",
    "check_sample_next", "check_stream_logits", "check_trained_language_model",
    "language_model_probe",
]

show_failures_short()
