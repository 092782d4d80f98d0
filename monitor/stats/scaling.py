"""Power-of-two rescaling that keeps arithmetic on extreme values finite.

Values near ±1e308 overflow in squares, spreads and differences, and values
near 1e-300 underflow in squares or overflow in densities (Evidently returns
NaN, 0 or raises there). Multiplying by a power of two is exact in floating
point, so a test whose score is scale-free (or scales by a known power)
computes on rescaled values and gets the score exact arithmetic would give.
Between :data:`TINY_MAGNITUDE` and :data:`HUGE_MAGNITUDE` nothing is rescaled,
so ordinary data gives bit for bit the numbers the raw values give.
"""

from __future__ import annotations

import math

from monitor.stats.sample import Sample

HUGE_MAGNITUDE = 2.0**400
"""≈2.6e120: a largest |value| from here up is rescaled (squares and sums of
millions of smaller values stay finite)."""
TINY_MAGNITUDE = 2.0**-400
"""≈3.9e-121: a largest |value| below this is rescaled (squares of larger
values stay normal numbers)."""


def safe_scale(*samples: Sample) -> float:
    """1.0, or a power of two with an even exponent that brings the largest
    |value| of ``samples`` into [0.25, 1) when it lies outside
    [:data:`TINY_MAGNITUDE`, :data:`HUGE_MAGNITUDE`).

    When huge values are scaled down, values smaller than about 1e-200 become
    subnormal and lose precision; next to values beyond 1e120 they do not move
    any score.
    """
    biggest = max(sample.magnitude for sample in samples)
    if biggest == 0 or TINY_MAGNITUDE <= biggest < HUGE_MAGNITUDE:
        return 1.0
    exponent = math.frexp(biggest)[1]
    exponent += exponent % 2
    # Subnormal values cannot all be lifted to 1 by one representable factor.
    exponent = max(exponent, -1022)
    return math.ldexp(1.0, -exponent)
