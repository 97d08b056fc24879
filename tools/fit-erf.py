#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Fits the rational approximation of erf(x/√2) that the GELU kernels use
# (core/kernels/gelu-simd.h): x·P(x²)/Q(x²), P and Q of degree 5, Q(0) = 1,
# of least maximum relative error on [0, BOUND].  Linearized least squares
# (x·P − f·Q over f·Q of the last iteration, so that the weights tend to
# the relative error), then Lawson's reweighting towards the minimax.
# Prints the coefficients rounded to floats and the relative error they
# reach in exact arithmetic; the kernels' error in floats is measured by
# tests/core/test-kernels.c.
#
# Usage: /usr/bin/python3 tools/fit-erf.py [BOUND]   (default 5.55)
import math
import sys

import numpy as np

DEGREE = 5


def main():
    bound = float(sys.argv[1]) if len(sys.argv) > 1 else 5.55
    # Chebyshev points, dense near both ends where the error peaks.
    x = bound * (1 - np.cos(np.linspace(0, np.pi, 4000)[1:])) / 2
    f = np.array([math.erf(v / math.sqrt(2)) for v in x])
    s = (x / bound) ** 2          # scaled, for a well-conditioned system
    powers = np.array([s ** k for k in range(DEGREE + 1)])
    weights = np.ones_like(x)
    last_q = np.ones_like(x)
    best = (math.inf, None)
    for iteration in range(200):
        columns = np.vstack([x * powers, -f * powers[1:]]).T / (f * last_q)[:, None]
        solution, *_ = np.linalg.lstsq(columns * weights[:, None],
                                       weights / last_q, rcond=None)
        p = solution[:DEGREE + 1] @ powers
        last_q = 1 + solution[DEGREE + 1:] @ powers[1:]
        error = (x * p / last_q - f) / f
        worst = np.abs(error).max()
        if worst < best[0]:
            best = (worst, solution)
        if iteration >= 10:
            weights *= np.abs(error) / worst + 1e-3
            weights /= weights.max()
    solution = best[1]
    scale = [bound ** (-2 * k) for k in range(DEGREE + 1)]
    p = [np.float32(solution[k] * scale[k]) for k in range(DEGREE + 1)]
    q = [np.float32(1.0)] + [np.float32(solution[DEGREE + k] * scale[k])
                             for k in range(1, DEGREE + 1)]
    square = x * x
    rounded = x * np.polyval(np.array(p[::-1], dtype=np.float64), square) \
        / np.polyval(np.array(q[::-1], dtype=np.float64), square)
    for name, coefficients in (("P", p), ("Q", q)):
        for k, c in enumerate(coefficients):
            print(f"{name}[{k}] = {c:.10e}f")
    print(f"relative error: {best[0]:.3g} as fitted, "
          f"{np.abs((rounded - f) / f).max():.3g} with float coefficients")


if __name__ == "__main__":
    main()
