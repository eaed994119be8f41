"""Measure the order-matters accuracies over seeds with the test's own models.

    python tests/measure_order_matters.py [n_seeds]

The figures (worst and best bag-of-words and GRU test accuracy) back the
thresholds written next to test_data.py's order-matters test.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import test_data  # noqa: E402


def main(n_seeds: int = 10) -> None:
    bow, gru = [], []
    for seed in range(n_seeds):
        start = time.time()
        b, g = test_data.order_matters_accuracies(seed)
        bow.append(b)
        gru.append(g)
        print(f"seed {seed}: bag of words {b:.3f}  GRU {g:.3f}  ({time.time() - start:.1f} s)", flush=True)
    print(f"bag of words: worst (highest) {max(bow):.3f}, best (lowest) {min(bow):.3f}")
    print(f"GRU:          worst (lowest) {min(gru):.3f}, best (highest) {max(gru):.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
