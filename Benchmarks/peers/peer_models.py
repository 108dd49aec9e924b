"""scikit-learn on the feature matrix keelson-bench wrote (.build-bench/models/matrix.f64 and labels.f64, already
standardised): LogisticRegression(C=1, lbfgs) and HistGradientBoostingClassifier(100 iterations, no early stopping),
the same models Keelson trains in ModelBenchmark. Prints one JSON line: seconds and peak resident memory of each fit
(the peak after the logistic fit, then after the trees, as Keelson measures it), and each model's training log-loss."""
import json
import resource
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def main(folder, columns):
    x = np.fromfile(f"{folder}/matrix.f64", dtype=np.float64).reshape(-1, columns)
    y = np.fromfile(f"{folder}/labels.f64", dtype=np.float64)
    start = time.perf_counter()
    logistic = LogisticRegression(C=1.0, solver="lbfgs").fit(x, y)
    logistic_seconds = time.perf_counter() - start
    logistic_peak = peak_mb()
    start = time.perf_counter()
    trees = HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=0).fit(x, y)
    gbdt_seconds = time.perf_counter() - start
    print(json.dumps({
        "rows": len(y), "columns": columns,
        "logistic_seconds": logistic_seconds, "logistic_peak_mb": logistic_peak,
        "gbdt_seconds": gbdt_seconds, "gbdt_peak_mb": peak_mb(), "gbdt_trees": int(trees.n_iter_),
        "logistic_log_loss": log_loss(y, logistic.predict_proba(x)[:, 1]),
        "gbdt_log_loss": log_loss(y, trees.predict_proba(x)[:, 1]),
    }))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
