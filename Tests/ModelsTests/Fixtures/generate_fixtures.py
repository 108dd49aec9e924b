"""Generates the scikit-learn fixtures that ModelsTests compares Keelson's models with.

Run once (the outputs are committed beside this script); the tests never need Python:
    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn TA-Lib pandas
    /tmp/skvenv/bin/python Tests/ModelsTests/Fixtures/generate_fixtures.py

Two datasets:
- btc: the features Keelson names return:5, return:30, rsi:14, macd_hist:12:26:9, bb_percent_b:20:2,
  atr_ratio:14, volume_z:30, hour and the label next_return:h=5 over data/sample/BTCUSDT-1m.csv, computed here
  independently (TA-Lib for the indicators, numpy for the rest), so the test also checks Keelson's features.
- synthetic: 20,000 rows of 6 normal features with a non-linear truth, where a tree model has something to find.
Each: the first 80 % of rows train, the rest test; features standardised with the training rows' mean and
population standard deviation; LogisticRegression (lbfgs, tolerance tightened so it reaches the optimum the
problem has) and HistGradientBoostingClassifier fitted; coefficients and test log-losses written to JSON.
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import sklearn
import talib
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

BTC_FEATURES = ["return:5", "return:30", "rsi:14", "macd_hist:12:26:9", "bb_percent_b:20:2", "atr_ratio:14", "volume_z:30", "hour"]
HORIZON = 5
ROWS = 20_000


def volume_z(volume, n):
    out = np.full(len(volume), np.nan)
    for i in range(n - 1, len(volume)):
        window = volume[i - n + 1 : i + 1]
        std = window.std()  # ddof 0
        out[i] = 0.0 if std == 0 else (volume[i] - window.mean()) / std
    return out


def btc_frame():
    bars = pd.read_csv(os.path.join(ROOT, "data", "sample", "BTCUSDT-1m.csv"))
    o, h, l, c, v = (bars[k].to_numpy(dtype=float) for k in ["open", "high", "low", "close", "volume"])
    _, _, hist = talib.MACD(c, 12, 26, 9)
    upper, _, lower = talib.BBANDS(c, 20, 2, 2, 0)
    width = upper - lower
    percent_b = np.where(width > 0, (c - lower) / np.where(width > 0, width, 1), np.nan)
    times = pd.to_datetime(bars["time"], utc=True)
    frame = pd.DataFrame(
        {
            "time": bars["time"],
            "return:5": talib.ROCP(c, 5),
            "return:30": talib.ROCP(c, 30),
            "rsi:14": talib.RSI(c, 14),
            "macd_hist:12:26:9": hist,
            "bb_percent_b:20:2": percent_b,
            "atr_ratio:14": talib.ATR(h, l, c, 14) / c,
            "volume_z:30": volume_z(v, 30),
            "hour": times.dt.hour.astype(float),
        }
    )
    later = np.concatenate([c[HORIZON:], np.full(HORIZON, np.nan)])
    frame["label"] = np.where(np.isnan(later), np.nan, (later > c).astype(float))
    return frame.dropna().reset_index(drop=True)


def synthetic_frame():
    rng = np.random.default_rng(20261206)
    # Six decimals, as written to the file, so scikit-learn fits exactly the numbers the test reads.
    x = np.round(rng.normal(size=(ROWS, 6)), 6)
    logit = 1.5 * np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] - 0.8 * np.abs(x[:, 3]) + 0.5 * x[:, 4] + 0.3
    y = (rng.random(ROWS) < 1 / (1 + np.exp(-logit))).astype(float)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(6)])
    frame["label"] = y
    return frame


def fit_all(frame, columns, gbdt_settings):
    x = frame[columns].to_numpy(dtype=float)
    y = frame["label"].to_numpy(dtype=float)
    train = int(len(y) - np.floor(len(y) * 0.2))
    mean = x[:train].mean(axis=0)
    std = x[:train].std(axis=0)
    std[std == 0] = 1
    z = (x - mean) / std
    result = {"rows": len(y), "train_rows": train, "mean": mean.tolist(), "standard_deviation": std.tolist(), "logistic": {}, "gbdt": {}}
    for c in [1.0, 0.05]:
        model = LogisticRegression(C=c, solver="lbfgs", tol=1e-12, max_iter=100_000).fit(z[:train], y[:train])
        result["logistic"][repr(c)] = {
            "coefficients": model.coef_[0].tolist(),
            "intercept": float(model.intercept_[0]),
            "test_log_loss": log_loss(y[train:], model.predict_proba(z[train:])[:, 1]),
        }
    for name, settings in gbdt_settings.items():
        model = HistGradientBoostingClassifier(random_state=0, **settings).fit(z[:train], y[:train])
        result["gbdt"][name] = {
            "settings": settings,
            "iterations": int(model.n_iter_),
            "test_log_loss": log_loss(y[train:], model.predict_proba(z[train:])[:, 1]),
        }
    return result


def main():
    # On the nearly random btc label a deep model overfits and its test loss swings with any detail, so btc gets
    # a shallow, slow model; the synthetic set carries the real comparisons.
    btc_trees = {
        "shallow": {"max_iter": 50, "max_depth": 3, "learning_rate": 0.05, "min_samples_leaf": 100, "early_stopping": False},
    }
    trees = {
        "depth6": {"max_iter": 100, "max_depth": 6, "learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 20, "early_stopping": False},
        "leaves15_l2": {"max_iter": 200, "learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 40, "l2_regularization": 1.0, "early_stopping": False},
        "early_stopping": {"max_iter": 500, "learning_rate": 0.1, "early_stopping": True, "validation_fraction": 0.1, "n_iter_no_change": 10},
    }
    btc = btc_frame()
    btc.to_csv(os.path.join(HERE, "btc_features.csv"), index=False, float_format="%.17g")
    synthetic = synthetic_frame()
    synthetic.to_csv(os.path.join(HERE, "synthetic.csv"), index=False, float_format="%.6f")
    out = {
        "generator": f"scikit-learn {sklearn.__version__}, TA-Lib {talib.__version__}, numpy {np.__version__}, Python {sys.version.split()[0]}",
        "btc": {"features": BTC_FEATURES, "label": f"next_return:h={HORIZON}", **fit_all(btc, BTC_FEATURES, btc_trees)},
        "synthetic": {"features": [f"x{i}" for i in range(6)], **fit_all(synthetic, [f"x{i}" for i in range(6)], trees)},
    }
    with open(os.path.join(HERE, "sklearn_results.json"), "w") as handle:
        json.dump(out, handle, indent=2)
        handle.write("\n")
    print(json.dumps({k: v for k, v in out.items() if k != "generator"}, indent=1)[:3000])


if __name__ == "__main__":
    main()
