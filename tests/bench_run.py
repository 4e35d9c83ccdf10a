#!/usr/bin/python3
"""Muon on least squares in NumPy: the loop bench-run.c times against C.

Reads p, m, n, A (p x m), B (p x n), X0 (m x n) as float64 from --input,
runs --iters steps of: G = A^T (A X - B); M = G at step 1, else
0.9 M + 0.1 G; five Jordan Newton-Schulz steps on M/(||M||_F + 1e-7)
(on the wide orientation); X -= 0.02 X_5.  Prints "seconds S" (best of
--reps) and writes the final X to --output.
"""
import argparse
import sys
import time

try:
    import numpy as np
except ImportError:
    sys.exit(3)

A5, B5, C5 = 3.4445, -4.7750, 2.0315


def ns5(g):
    x = g / (np.linalg.norm(g) + 1e-7)
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    for _ in range(5):
        a = x @ x.T
        b = B5 * a + C5 * (a @ a)
        x = A5 * x + b @ x
    return x.T if tall else x


def run(a, b, x0, iters):
    x = x0.copy()
    m = None
    for t in range(1, iters + 1):
        g = a.T @ (a @ x - b)
        m = g if t == 1 else 0.9 * m + 0.1 * g
        x = x - 0.02 * ns5(m)
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    raw = np.fromfile(args.input, dtype=np.float64)
    p, m, n = (int(v) for v in raw[:3])
    off = 3
    a = raw[off:off + p * m].reshape(p, m)
    off += p * m
    b = raw[off:off + p * n].reshape(p, n)
    off += p * n
    x0 = raw[off:off + m * n].reshape(m, n)
    run(a, b, x0, 1)
    best = float("inf")
    for _ in range(args.reps):
        t0 = time.perf_counter()
        x = run(a, b, x0, args.iters)
        best = min(best, time.perf_counter() - t0)
    x.astype(np.float64).tofile(args.output)
    print(f"seconds {best:.6f}")


if __name__ == "__main__":
    main()
