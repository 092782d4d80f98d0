"""Power-of-two rescaling that keeps arithmetic on huge values finite.

Values near ±1e308 overflow in squares, spreads and differences (Evidently
returns NaN, 0 or raises there). Multiplying by a power of two is exact in
floating point, so a test whose score is scale-invariant (or scales by a known
power) computes on rescaled values and gets the score exact arithmetic would
give. Below :data:`SAFE_MAGNITUDE` nothing is rescaled, so ordinary data gives
bit-for-bit the same numbers as computing on the raw values.
"""

from __future__ import annotations

import math

from monitor.stats.sample import Sample

SAFE_MAGNITUDE = 2.0**400
"""Largest |value| (≈2.6e120) left as is: squares and sums of millions of
such values stay finite."""


def overflow_scale(*samples: Sample) -> float:
    """1.0, or a power of two with an even exponent that brings the largest
    |value| of ``samples`` into [0.25, 1) when it is at least :data:`SAFE_MAGNITUDE`.

    Values smaller than about 1e-200 lose precision when rescaled (they become
    subnormal); next to values beyond 1e120 they do not move any score.
    """
    biggest = max(sample.magnitude for sample in samples)
    if biggest < SAFE_MAGNITUDE:
        return 1.0
    exponent = math.frexp(biggest)[1]
    exponent += exponent % 2
    return math.ldexp(1.0, -exponent)
