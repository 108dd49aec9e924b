"""Times vectorbt's own parameter sweep of the grid Keelson's optimiser benchmark runs, with the same conventions.

The grid: sma_crossover(fast, slow) for fast 5..54 step 1 x slow 20..210 step 10, 1,000 grid points, of which
Keelson's sma_crossover refuses the 80 with fast >= slow, so both tools run the same 920 pairs. Conventions as in
peer_backtests.py: long only, decided on a bar's close and executed at the next bar's open, all-in whole units,
1,000,000 initial cash, no fees, no slippage, 1-minute frequency.

The sweep is what a vectorbt user writes for a grid: each distinct window's SMA computed once (`vbt.MA.run` with the
window lists and `return_raw=True`) and the two legs of every pair built from those raw outputs (`use_raw=`), which is
what `vbt.MA.run_combs(..., run_unique=True)` does internally (`run_combs` itself cannot express this grid: it
combines one window list with itself). Then `ma_crossed_above`/`ma_crossed_below`, shifted one bar
(`.vbt.signals.fshift(1)`), and one `vbt.Portfolio.from_signals` over the columns of a chunk. Ranking: every column's
`sharpe_ratio()` and `total_return()`, best by Sharpe.

Chunks: 1,000,000 bars by 920 columns is 7.4 GB per float64 array and a portfolio's Sharpe keeps a dozen of them
(cash, asset value, value, returns, ...), so the whole grid in one call does not fit in 24 GB; the grid goes through
`--chunk` combinations at a time. Measured on 1,000,000 bars (2 cores): 4 per call is the fastest (wider chunks are
slower per combination as well as bigger: vectorbt's kernels walk row-major arrays column by column, and at 100
columns a chunk peaks at 12.6 GB and takes ~3.5x as long per combination as at 4); 1 is slower again (per-call
overhead). The JSON says which chunk size was used.

Prints the cross-check's lines (if any), then one JSON line: {"tool", "bars", "combinations" (920), "grid" (1,000),
"refused" (80), "chunk", "load_seconds" (pandas reading the CSV), "sweep_seconds" (SMAs, signals, simulation),
"ranking_seconds" (Sharpe and total return of every column, best by Sharpe), "total_seconds" (load + sweep + ranking;
numba's compilation is warmed up on a small slice first and not counted), "combinations_per_second" (combinations over
sweep + ranking), "peak_mb" (ru_maxrss), "best": {"fast", "slow", "sharpe", "return"}}, plus "extrapolated_from": K
when only K combinations spread over the grid were run (`--limit K`) and their times scaled to the whole grid.

`--keelson-results FILE` (Keelson's CSV with at least `fast,slow,trades,return`, return in percent, `sharpe`
optional) compares per combination vectorbt's trade count and total return with Keelson's: vectorbt's `trades.count()`
counts a position still open at the end (closed + open) and both tools mark it at the last close in the return, so
the counts are matched against closed + open and against closed alone, and both tallies printed. The combinations
that differ are run again (untimed) with Keelson's SMA rounding and cross rule, to tell differences at exactly equal
averages apart from real ones. Never fails on a mismatch; nothing of the comparison is timed.
"""
import argparse
import csv
import gc
import json
import math
import resource
import sys
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
CASH = 1_000_000
CHUNK = 4
FAST_WINDOWS = list(range(5, 55))  # 50 values
SLOW_WINDOWS = list(range(20, 211, 10))  # 20 values
GRID_POINTS = len(FAST_WINDOWS) * len(SLOW_WINDOWS)  # 1,000
# Keelson's sma_crossover refuses fast >= slow (the optimiser counts those grid points, does not try them): 80 of the
# 1,000 have fast >= slow (slow 20, 30, 40 and 50 against fast up to 54), so both tools run the same 920 pairs.
GRID = [(fast, slow) for fast in FAST_WINDOWS for slow in SLOW_WINDOWS if fast < slow]


def load(path):
    frame = pd.read_csv(path, index_col=0, parse_dates=True)
    frame.columns = [name.capitalize() for name in frame.columns]
    return frame


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1000


def talib_order_ma():
    """An MA indicator whose averages are bit for bit Keelson's (and TA-Lib's): a running sum that adds the newest
    value, divides, then subtracts the one leaving. vbt.MA takes differences of one cumulative sum instead, so where
    the two averages are exactly equal (frequent with prices in cents) their rounding noise can fall either side and
    the tools see a cross on different bars. Used only to explain the cross-check's differences, never timed."""
    import vectorbt as vbt
    from numba import njit

    @njit
    def running_mean(close, window):
        out = np.full(close.shape, np.nan)
        for column in range(close.shape[1]):
            total = 0.0
            for index in range(close.shape[0]):
                total += close[index, column]
                if index >= window - 1:
                    out[index, column] = total / window
                    total -= close[index - window + 1, column]
        return out

    return vbt.IndicatorFactory(
        class_name="TalibOrderMA", short_name="ma", input_names=["close"], param_names=["window"], output_names=["ma"]
    ).from_apply_func(running_mean)


def strict_crosses(fast, slow):
    """Keelson's (and backtesting.py's) cross: the fast average strictly below (above) the slow one on the previous
    bar and strictly above (below) on this one. vectorbt's crossed_above also fires after bars of exact equality
    when the fast one was below before them. Used only to explain the cross-check's differences, never timed."""
    previous_fast, previous_slow = fast[:-1], slow[:-1]
    above = np.zeros(fast.shape, dtype=bool)
    below = np.zeros(fast.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        above[1:] = (previous_fast < previous_slow) & (fast[1:] > slow[1:])
        below[1:] = (previous_fast > previous_slow) & (fast[1:] < slow[1:])
    return above, below


class Sweep:
    """The grid on one frame, a chunk of pairs at a time, accumulating per-pair figures and phase times."""

    def __init__(self, frame, pairs, count_trades, ranking=True, ma=None, strict=False, windows_of=None):
        import vectorbt as vbt

        self.vbt = vbt
        self.ma = ma or vbt.MA
        self.close, self.open_ = frame["Close"], frame["Open"]
        self.pairs = pairs
        self.count_trades = count_trades
        self.ranking = ranking
        self.strict = strict
        self.chunk_seconds = 0.0  # signals and simulation, per chunk
        self.ranking_seconds = 0.0
        self.sharpe, self.returns, self.trades, self.closed = [], [], [], []
        began = time.perf_counter()
        # Each distinct window once, as run_combs(run_unique=True) does: 50 + 20 SMAs for the grid.
        windows_of = windows_of or pairs
        self.raw_fast = self.ma.run(self.close, window=sorted({fast for fast, _ in windows_of}), return_raw=True)
        self.raw_slow = self.ma.run(self.close, window=sorted({slow for _, slow in windows_of}), return_raw=True)
        self.setup_seconds = time.perf_counter() - began

    def run_chunk(self, chunk):
        vbt = self.vbt
        began = time.perf_counter()
        fast = self.ma.run(self.close, window=[pair[0] for pair in chunk], use_raw=self.raw_fast, short_name="fast")
        slow = self.ma.run(self.close, window=[pair[1] for pair in chunk], use_raw=self.raw_slow, short_name="slow")
        # Decided on a bar's close, executed at the next bar's open.
        if self.strict:
            above, below = strict_crosses(fast.ma.to_numpy(), slow.ma.to_numpy())
            entries = pd.DataFrame(above, index=self.close.index).vbt.signals.fshift(1)
            exits = pd.DataFrame(below, index=self.close.index).vbt.signals.fshift(1)
        else:
            entries = fast.ma_crossed_above(slow).vbt.signals.fshift(1)
            exits = fast.ma_crossed_below(slow).vbt.signals.fshift(1)
        del fast, slow
        portfolio = vbt.Portfolio.from_signals(
            self.close, entries, exits, price=self.open_, init_cash=CASH, size=np.inf, size_granularity=1, fees=0,
            freq="1min",
        )
        del entries, exits
        ranked = time.perf_counter()
        if self.ranking:
            self.sharpe.extend(np.atleast_1d(np.asarray(portfolio.sharpe_ratio(), dtype=float)).tolist())
        self.returns.extend((np.atleast_1d(np.asarray(portfolio.total_return(), dtype=float)) * 100).tolist())
        finished = time.perf_counter()
        if self.count_trades:  # for the cross-check only, not timed
            # From the order records rather than portfolio.trades (which builds trade records, ~300 MB more at the
            # peak): long only, without accumulation, every buy opens a trade and every sell closes it, so the buys
            # are trades.count() (closed + open) and the sells trades.closed.count().
            orders = portfolio.orders.values
            buys = np.bincount(orders["col"][orders["side"] == 0], minlength=len(chunk))
            sells = np.bincount(orders["col"][orders["side"] == 1], minlength=len(chunk))
            self.trades.extend(buys.tolist())
            self.closed.extend(sells.tolist())
        del portfolio
        gc.collect()
        self.chunk_seconds += ranked - began
        self.ranking_seconds += finished - ranked

    def run(self, chunk_size):
        for start in range(0, len(self.pairs), chunk_size):
            self.run_chunk(self.pairs[start:start + chunk_size])

    def best(self):
        began = time.perf_counter()
        sharpe = np.array(self.sharpe, dtype=float)
        sharpe[~np.isfinite(sharpe)] = -np.inf  # no trades or no variance ranks last
        index = int(np.argmax(sharpe))
        self.ranking_seconds += time.perf_counter() - began
        fast, slow = self.pairs[index]
        return {"fast": fast, "slow": slow, "sharpe": float(self.sharpe[index]), "return": float(self.returns[index])}


def read_keelson(path):
    """{(fast, slow): (trades, return percent)} and Keelson's best pair by its own Sharpe (None without the column)."""
    keelson, best, best_sharpe = {}, None, -math.inf
    with open(path, newline="") as file:
        for row in csv.DictReader(file):
            pair = (int(float(row["fast"])), int(float(row["slow"])))
            keelson[pair] = (int(float(row["trades"])), float(row["return"]))
            sharpe = float(row["sharpe"]) if row.get("sharpe") else math.nan
            if sharpe > best_sharpe:
                best, best_sharpe = pair, sharpe
    return keelson, best


def differences(sweep, keelson):
    """Per pair: (pair, Keelson's trades and return, vectorbt's trades, closed trades and return) where they differ;
    trades match when Keelson's count is vectorbt's closed + open or its closed alone (the convention is reported)."""
    different, counted = [], {"closed+open": 0, "closed": 0, "return": 0}
    for pair, trades, closed, total in zip(sweep.pairs, sweep.trades, sweep.closed, sweep.returns):
        their_trades, their_return = keelson.get(pair, (None, math.nan))
        counted["closed+open"] += their_trades == trades
        counted["closed"] += their_trades == closed
        same_return = math.isclose(their_return, total, rel_tol=1e-6, abs_tol=1e-9)
        counted["return"] += same_return
        if their_trades not in (trades, closed) or not same_return:
            different.append((pair, their_trades, their_return, trades, closed, total))
    return different, counted


def compare(sweep, best, path, frame, chunk):
    """Prints how many pairs agree with Keelson's results; the pairs that differ are run again with Keelson's SMA
    rounding and cross rule (untimed) to tell differences at exactly equal averages apart from real ones."""
    keelson, keelson_best = read_keelson(path)
    different, counted = differences(sweep, keelson)
    compared = len(sweep.pairs)
    print(
        f"  cross-check: {compared - len(different)} of {compared} combinations match Keelson's results (trade counts "
        f"equal to vectorbt's closed + open trades in {counted['closed+open']}, to its closed trades in "
        f"{counted['closed']}; total return to 1e-6 relative in {counted['return']})"
    )
    if keelson_best:
        print(
            f"  best by Sharpe: Keelson fast={keelson_best[0]} slow={keelson_best[1]}, vectorbt fast={best['fast']} "
            f"slow={best['slow']} (Keelson's Sharpe is of daily returns, vectorbt's of 1-minute returns, both "
            f"annualised)"
        )
    if not different:
        return
    again = Sweep(
        frame, [row[0] for row in different], count_trades=True, ranking=False, ma=talib_order_ma(), strict=True
    )
    again.run(chunk)
    remaining, _ = differences(again, keelson)
    print(
        f"  of the {len(different)} that differ, {len(different) - len(remaining)} match when vectorbt is given "
        f"Keelson's SMA rounding (TA-Lib's running sum) and cross rule (strictly below, then strictly above, on "
        f"consecutive bars): differences at exactly equal averages"
    )
    if remaining:
        # Seen on 1,000,000 synthetic bars: all-in whole units where the cash is an exact multiple of the open;
        # Keelson's decimal cash buys cash/open units, vectorbt's floating-point cash (a hair under) buys one fewer,
        # and the returns drift apart by a few millionths from there on.
        sizing = sum(
            their_trades in (trades, closed) and math.isclose(their_return, total, rel_tol=1e-4)
            for _, their_trades, their_return, trades, closed, total in remaining
        )
        print(
            f"  of the {len(remaining)} left, {sizing} have the same trade count and a return within 1e-4 relative: "
            f"whole-unit sizing where the cash is an exact multiple of the price, which vectorbt's floating-point cash "
            f"can miss by one unit"
        )
    print(f"  first {'differences left' if remaining else 'of those'}:")
    for (fast, slow), their_trades, their_return, trades, closed, total in (remaining or different)[:5]:
        print(
            f"    ({fast}, {slow}): Keelson {their_trades} trades, {their_return:.9g}%; vectorbt {trades} trades "
            f"({closed} closed + {trades - closed} open), {total:.9g}%"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--chunk", type=int, default=CHUNK, help="combinations per Portfolio.from_signals call")
    parser.add_argument("--limit", type=int, help="time only K combinations spread over the grid and extrapolate")
    parser.add_argument("--keelson-results")
    arguments = parser.parse_args()

    began = time.perf_counter()
    frame = load(arguments.data)
    load_seconds = time.perf_counter() - began

    # Numba compiles on first use; compiling is not the sweep, so a small warm-up runs first (untimed), with a full
    # chunk and a one-column one (a last, partial chunk of one column takes pandas' Series paths).
    warmup = Sweep(frame.iloc[:1000], GRID[:arguments.chunk + 1], count_trades=bool(arguments.keelson_results))
    warmup.run(arguments.chunk)
    warmup.best()
    del warmup
    gc.collect()

    if arguments.limit and arguments.limit < len(GRID):
        # Evenly spread over the grid, so short and long windows (few and many trades) are both in the sample.
        pairs = [GRID[index * len(GRID) // arguments.limit] for index in range(arguments.limit)]
    else:
        pairs = GRID
    sweep = Sweep(frame, pairs, count_trades=bool(arguments.keelson_results), windows_of=GRID)
    sweep.run(arguments.chunk)
    best = sweep.best()
    scale = len(GRID) / len(pairs)  # the SMAs of every window are computed whatever the sample: not scaled
    sweep_seconds = sweep.setup_seconds + sweep.chunk_seconds * scale
    ranking_seconds = sweep.ranking_seconds * scale
    total_seconds = load_seconds + sweep_seconds + ranking_seconds
    result = {
        "tool": "vectorbt", "bars": len(frame), "combinations": len(GRID), "grid": GRID_POINTS,
        "refused": GRID_POINTS - len(GRID), "chunk": min(arguments.chunk, len(pairs)), "load_seconds": load_seconds,
        "sweep_seconds": sweep_seconds, "ranking_seconds": ranking_seconds, "total_seconds": total_seconds,
        "combinations_per_second": len(GRID) / (sweep_seconds + ranking_seconds), "peak_mb": peak_mb(), "best": best,
    }
    if len(pairs) < len(GRID):
        result["extrapolated_from"] = len(pairs)
        result["best"]["of"] = len(pairs)  # best of the sample only
    if arguments.keelson_results:
        compare(sweep, result["best"], arguments.keelson_results, frame, arguments.chunk)
    print(json.dumps(result))  # last, after the cross-check's lines
    sys.stdout.flush()


if __name__ == "__main__":
    main()
