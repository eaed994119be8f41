"""Measure chapter 07's graded metric, the trained forecaster's test MAE, over seeds, both tracks.

    nice -n 10 python tests/thresholds/07_forecasting.py [keras] [pytorch] [--seeds N]

For each track this runs the solution code of source/07_forecasting/<track>.ipynb
itself: every code cell before the training cell that is not a test cell (imports,
data, the split, the scaling, the windows, the answer cells with their solution
markers removed, and the given ``train`` function), skipping the cells that only
plot, and the answer cells between the training cell and ``forecaster_tests``. For every seed it trains the one-step forecaster exactly as the notebook does,

    set_seed(seed); forecaster = build_forecaster(WINDOW); train(forecaster, ...)

then runs the hidden part of the ``forecaster_tests`` cell on it, which reads the
raw series from statsmodels and computes the test MAE in °C and the seasonal-naive
MAE itself, and reads the numbers it computed. The ratio to seasonal-naive (the
MASE-like figure) is printed beside each MAE.

The threshold written in ``forecaster_tests`` (an upper bound on the MAE) must sit
above the worst seed of both tracks; the test cell's comment states the worst seed
and the margin.
"""

from __future__ import annotations

import time

import shared

CHAPTER = shared.chapter("07_forecasting")
TRAINING_CELL = "forecaster = build_forecaster(WINDOW)"


def measure(track: str, seeds: int) -> list[tuple[float, float]]:
    namespace, hidden = shared.load_track(CHAPTER, track, TRAINING_CELL, "forecaster_tests")
    results = []
    for seed in range(seeds):
        start = time.time()
        epochs = shared.train_seed(namespace, seed, f"{TRAINING_CELL}\n"
                                   "history = train(forecaster, X_train, y_train, X_val, y_val)")
        mae = shared.run_hidden(namespace, hidden, "_mae")
        seasonal = namespace["_seasonal"]
        results.append((mae, mae / seasonal))
        print(f"{track:7} seed {seed}: test MAE {mae:.4f} °C  ratio to seasonal-naive "
              f"{mae / seasonal:.4f}  ({epochs} epochs, {time.time() - start:.1f} s)", flush=True)
    worst = max(range(seeds), key=lambda s: results[s][0])
    print(f"{track:7} worst: seed {worst}, MAE {results[worst][0]:.4f} °C, ratio "
          f"{results[worst][1]:.4f} (seasonal-naive {seasonal:.4f} °C)", flush=True)
    return results


def main() -> None:
    results = shared.run(__doc__, measure)
    worst = {track: max(runs) for track, runs in results.items()}
    for track, (mae, ratio) in worst.items():
        print(f"{track:7} worst MAE {mae:.4f} °C (ratio {ratio:.4f})")
    shared.report_worst({track: mae for track, (mae, _) in worst.items()}, " °C",
                        higher_is_worse=True)


if __name__ == "__main__":
    main()
