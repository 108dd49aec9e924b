"""Times backtesting.py and vectorbt on the file Keelson's benchmark used, with the same strategy and conventions.

sma_crossover(10, 30), long only: enter all-in (whole units) at the next bar's open after SMA(10) crosses above
SMA(30), exit at the next open after it crosses below; no fees, no slippage. One tool and one file per process, so
the peak memory printed is that tool's alone. Prints one JSON line:
{"tool", "bars", "trades", "load_seconds", "backtest_seconds", "bars_per_second", "peak_mb"}.

`--goog FILE --keelson-trades FILE` instead runs backtesting.py on GOOG.csv and compares its trades with Keelson's
(entry and exit times, prices, sizes exactly; PnL to the cent); exits 1 when any differs.
"""
import argparse
import json
import resource
import sys
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
CASH = 1_000_000
FAST, SLOW = 10, 30


def load(path):
    frame = pd.read_csv(path, index_col=0, parse_dates=True)
    frame.columns = [name.capitalize() for name in frame.columns]
    return frame


def sma(values, period):
    return pd.Series(values).rolling(period).mean().to_numpy()


def backtesting_py(frame):
    from backtesting import Backtest, Strategy
    from backtesting.lib import crossover

    class SmaCross(Strategy):
        def init(self):
            self.fast = self.I(sma, self.data.Close, FAST)
            self.slow = self.I(sma, self.data.Close, SLOW)

        def next(self):
            if crossover(self.fast, self.slow) and not self.position:
                self.buy()
            elif crossover(self.slow, self.fast) and self.position:
                self.position.close()

    backtest = Backtest(frame, SmaCross, cash=CASH, commission=0, exclusive_orders=False, finalize_trades=False)
    stats = backtest.run()
    return stats, len(stats._trades)


def vectorbt(frame):
    import vectorbt as vbt

    close, open_ = frame["Close"], frame["Open"]
    fast = vbt.MA.run(close, FAST)
    slow = vbt.MA.run(close, SLOW)
    # Decided on a bar's close, executed at the next bar's open.
    entries = fast.ma_crossed_above(slow).vbt.fshift(1)
    exits = fast.ma_crossed_below(slow).vbt.fshift(1)
    portfolio = vbt.Portfolio.from_signals(
        close, entries, exits, price=open_, init_cash=CASH, size=np.inf, size_granularity=1, fees=0, freq="1min"
    )
    return portfolio, int(portfolio.trades.count())


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", choices=["backtesting.py", "vectorbt"])
    parser.add_argument("--data")
    parser.add_argument("--goog")
    parser.add_argument("--keelson-trades")
    arguments = parser.parse_args()

    if arguments.goog:
        stats, _ = backtesting_py(load(arguments.goog))
        theirs = [
            (f"{t.EntryTime:%Y-%m-%d}", float(t.EntryPrice), f"{t.ExitTime:%Y-%m-%d}", float(t.ExitPrice), int(t.Size), round(float(t.PnL), 2))
            for _, t in stats._trades.iterrows()
        ]
        ours = []
        with open(arguments.keelson_trades) as file:
            for line in file.read().splitlines()[1:]:
                cells = line.split(",")
                ours.append((cells[0], float(cells[1]), cells[2], float(cells[3]), int(float(cells[4])), round(float(cells[5]), 2)))
        differences = [(index + 1, a, b) for index, (a, b) in enumerate(zip(ours, theirs)) if a != b]
        if len(ours) != len(theirs) or differences:
            print(f"GOOG: Keelson {len(ours)} trades, backtesting.py {len(theirs)}; first differences: {differences[:3]}")
            sys.exit(1)
        print(f"GOOG: all {len(ours)} closed trades identical to backtesting.py's (times, prices, sizes, PnL)")
        return

    began = time.perf_counter()
    frame = load(arguments.data)
    loaded = time.perf_counter()
    if arguments.tool == "vectorbt":
        # Numba compiles on first use; compiling is not backtesting, so a small warm-up runs first.
        vectorbt(frame.iloc[:1000])
        loaded_after_warmup = time.perf_counter()
        _, trades = vectorbt(frame)
        finished = time.perf_counter()
        backtest_seconds = finished - loaded_after_warmup
    else:
        _, trades = backtesting_py(frame)
        finished = time.perf_counter()
        backtest_seconds = finished - loaded
    print(json.dumps({
        "tool": arguments.tool, "bars": len(frame), "trades": trades, "load_seconds": loaded - began,
        "backtest_seconds": backtest_seconds, "bars_per_second": len(frame) / backtest_seconds, "peak_mb": peak_mb(),
    }))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
