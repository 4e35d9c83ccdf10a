#!/usr/bin/python3
"""bench_ns.py -- five Jordan Newton-Schulz steps in NumPy, timed.

Companion of tests/bench-ns.c, which runs it through popen with Debian's
/usr/bin/python3 (the python3 first on PATH may lack numpy) and the same
OPENBLAS_NUM_THREADS as its own run.  The iteration is the reference one
(KellerJordan/Muon, float64 here):

    X = G / (||G||_F + 1e-7);  X = X^T if G is tall
    5 times:  A = X X^T;  B = b A + c A A;  X = a X + B X
    S = -X (transposed back), (a, b, c) = (3.4445, -4.7750, 2.0315),

the same map as lmc_inexact_poly with schedule "jordan", 5 steps, fp64.
NumPy computes X @ X.T with dsyrk (it recognizes a product with its own
transpose) and the other two products with dgemm.

Output, one record per line, fields separated by single spaces:
    numpy VERSION                       (--probe only)
    check M N FROB WSUM                 (--check: S of the deterministic
                                         input below; FROB = ||S||_F,
                                         WSUM = sum_ij w_ij S_ij)
    time M N SECONDS ITERS REPS         (best-of-REPS seconds per call, each
                                         measurement ITERS calls long)
The deterministic input D_ij = ((7919 i + 104729 j + 13) mod 1009) / 1009
- 1/2 and the weights w_ij = ((3 i + 5 j) mod 7) - 3 use integer
arithmetic only, so bench-ns.c builds the same matrices bit for bit.
Exit status: 0 ok, 2 usage, 3 NumPy not importable.
"""
import argparse
import sys
import time

try:
    import numpy as np
except ImportError:
    print("nonumpy")
    sys.exit(3)

COEF_A, COEF_B, COEF_C = 3.4445, -4.7750, 2.0315
EPS = 1e-7
STEPS = 5


def ns5(g):
    """S = -X_5 of the Jordan quintic on g (float64)."""
    x = g / (np.linalg.norm(g) + EPS)
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    for _ in range(STEPS):
        a = x @ x.T
        b = COEF_B * a + COEF_C * a @ a
        x = COEF_A * x + b @ x
    if tall:
        x = x.T
    return -x


def deterministic(m, n):
    i = np.arange(m, dtype=np.int64)[:, None]
    j = np.arange(n, dtype=np.int64)[None, :]
    d = ((7919 * i + 104729 * j + 13) % 1009).astype(np.float64) / 1009.0
    w = (((3 * i + 5 * j) % 7) - 3).astype(np.float64)
    return d - 0.5, w


def best_time(g, reps, min_time):
    """Best-of-reps seconds per call; each measurement >= min_time long."""
    ns5(g)  # warm-up: BLAS threads, page faults
    t0 = time.perf_counter()
    ns5(g)
    once = max(time.perf_counter() - t0, 1e-9)
    iters = max(1, int(min_time / once + 0.999))
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(iters):
            ns5(g)
        best = min(best, (time.perf_counter() - t0) / iters)
    return best, iters


def parse_shape(text):
    parts = text.lower().split("x")
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(
            "shape '%s': want N or MxN with positive integers" % text)
    return int(parts[0]), int(parts[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--probe", action="store_true",
                    help="print the NumPy version and exit")
    ap.add_argument("--shape", type=parse_shape, action="append",
                    default=[], help="N or MxN (repeatable)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--check", action="store_true",
                    help="also print the check record of each shape")
    ap.add_argument("--seed", type=int, default=20261124)
    args = ap.parse_args()
    if args.probe:
        print("numpy", np.__version__)
        return 0
    if args.reps < 1 or not args.min_time >= 0:
        ap.error("--reps must be >= 1 and --min-time >= 0")
    rng = np.random.default_rng(args.seed)
    for m, n in args.shape:
        if args.check:
            d, w = deterministic(m, n)
            s = ns5(d)
            print("check %d %d %.17g %.17g"
                  % (m, n, np.linalg.norm(s), float(np.sum(w * s))))
        g = rng.standard_normal((m, n))
        sec, iters = best_time(g, args.reps, args.min_time)
        print("time %d %d %.9e %d %d" % (m, n, sec, iters, args.reps))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
