"""Self-evaluation scoring at scale: the engine against a vectorised baseline of the same formulas.

    .venv/bin/python bench/scoring_bench.py [ROWS] [--seed N]

Generates ROWS indicator rows (default 1,000,000) deterministically from the seed: a mix of 正向 (≥, >),
反向 (≤, <; half scored by the linear formula, half by the ratio formula), 等于 with a target above 0 and
等于 with a target of 0; points of 5 to 30, targets of 0.01 to 1,000.00 and actual values from 0 to 2.5
times the target, so that every branch of every formula is taken.

  (a) ours: `jixiao.rules.scoring.score_indicator` on every row (Decimal at full precision, with the
      explanation text it writes for every score);
  (b) baseline: the same formulas as one polars expression over integer columns (points, targets and
      actual values in hundredths), rounded half-up to 2 decimals by exact integer division.

Both results are compared as Decimal-rounded values (2 decimals, half-up): the run fails on any difference.
Prints the throughput (rows/s) of both and their ratio, and writes bench/out/scoring_bench.json.
"""

import argparse
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402 (after the path is set)

from jixiao.rules import scoring  # noqa: E402

# (operator, reverse formula, target is 0): the row kinds, drawn with equal chance.
KINDS = [("≥", "", False), (">", "", False), ("≤", "linear", False), ("<", "ratio", False)]
KINDS += [("=", "", False), ("=", "", True), ("≤", "ratio", False), ("<", "linear", False)]
WEIGHTS_CENTS = [500, 1000, 1500, 2000, 2250, 3000]


def generate(rows: int, seed: int) -> dict[str, list[int]]:
    """Integer columns: kind index, points, target and actual value in hundredths."""
    rng = random.Random(seed)
    kind, weight, target, actual = [], [], [], []
    for _ in range(rows):
        k = rng.randrange(len(KINDS))
        t = 0 if KINDS[k][2] else rng.randint(1, 100_000)
        a = rng.choice((0, rng.randint(0, 500))) if KINDS[k][2] else rng.randint(0, t * 5 // 2)
        kind.append(k)
        weight.append(rng.choice(WEIGHTS_CENTS))
        target.append(t)
        actual.append(a)
    return {"kind": kind, "weight": weight, "target": target, "actual": actual}


def ours(data: dict[str, list[int]]) -> tuple[list[int], float]:
    """Scores in hundredths from the engine, and the seconds spent scoring."""
    settings = {
        "": scoring.Settings(),
        "linear": scoring.Settings(),
        "ratio": scoring.Settings(negative_formula=scoring.RATIO),
    }
    hundredth = Decimal("0.01")
    inputs = [
        (
            scoring.Indicator(
                "指标", Decimal(w) * hundredth, KINDS[k][0], Decimal(t) * hundredth, Decimal(a) * hundredth
            ),
            settings[KINDS[k][1]],
        )
        for k, w, t, a in zip(data["kind"], data["weight"], data["target"], data["actual"], strict=True)
    ]
    start = time.perf_counter()
    scores = [scoring.score_indicator(indicator, chosen).score for indicator, chosen in inputs]
    seconds = time.perf_counter() - start
    return [int(scoring.rounded(score) * 100) for score in scores], seconds


def baseline(data: dict[str, list[int]]) -> tuple[list[int], float]:
    """The same formulas over integer columns; half-up rounding as floor((2·x·num + den) / (2·den))."""
    frame = pl.DataFrame(data, schema=dict.fromkeys(data, pl.Int64))
    ops = pl.Series([o for o, _, _ in KINDS])
    ratio = pl.Series([f == "ratio" for _, f, _ in KINDS])
    w, t, a = pl.col("weight"), pl.col("target"), pl.col("actual")
    start = time.perf_counter()
    op = pl.col("kind").replace_strict(list(range(len(KINDS))), ops)
    by_ratio = pl.col("kind").replace_strict(list(range(len(KINDS))), ratio)
    negative = op.is_in(["≤", "<"])
    positive_score = (
        pl.when(a >= t).then(w).when(a <= 0).then(0).otherwise((2 * w * a + t) // (2 * t))
    )  # 正向, and 等于 with a target above 0
    linear = pl.when(a >= 2 * t).then(0).otherwise((2 * w * (2 * t - a) + t) // (2 * t))
    reverse = pl.when(a <= t).then(w).when(t <= 0).then(0).when(by_ratio).then((2 * w * t + a) // (2 * a))
    score = (
        pl.when(negative)
        .then(reverse.otherwise(linear))
        .when((op == "=") & (t <= 0))
        .then(pl.when(a <= t).then(w).otherwise(0))
        .otherwise(positive_score)
    )
    result = frame.select(score.alias("score"))["score"]
    seconds = time.perf_counter() - start
    return result.to_list(), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    print(f"scoring {args.rows:,} indicator rows (seed {args.seed})", flush=True)
    start = time.perf_counter()
    data = generate(args.rows, args.seed)
    print(f"  generated in {time.perf_counter() - start:.2f} s", flush=True)
    engine, engine_s = ours(data)
    fast, fast_s = baseline(data)
    differ = [i for i, (x, y) in enumerate(zip(engine, fast, strict=True)) if x != y]
    if differ:
        i = differ[0]
        row = {key: column[i] for key, column in data.items()}
        raise SystemExit(f"{len(differ)} rows differ; first row {i}: {row} engine {engine[i]} baseline {fast[i]}")
    result: dict[str, Any] = {
        "rows": args.rows,
        "seed": args.seed,
        "engine_seconds": round(engine_s, 3),
        "engine_rows_per_second": round(args.rows / engine_s),
        "baseline_seconds": round(fast_s, 3),
        "baseline_rows_per_second": round(args.rows / fast_s),
        "ratio": round(engine_s / fast_s, 1),
        "identical": True,
        "score_checksum_hundredths": sum(engine),
    }
    print(f"  {'engine (Decimal, explained)':<32} {engine_s:8.2f} s {result['engine_rows_per_second']:>12,} rows/s")
    print(f"  {'polars baseline (int64)':<32} {fast_s:8.2f} s {result['baseline_rows_per_second']:>12,} rows/s")
    print(f"  baseline is {result['ratio']}× faster; all {args.rows:,} scores identical to 2 decimals")
    out = ROOT / "bench" / "out" / "scoring_bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
