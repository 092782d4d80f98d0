"""A reproducible sample of a window's rows for the report's Evidently panels.

Only the report is built on a sample; the statistics behind the stored
results, gauges and alerts always use every row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitor.result import Role
from monitor.runner import RunData
from monitor.stats import FeatureType

SAMPLE_SEED = 20240229
"""Fixed seed: the same window always gives the same sample, hence the same report."""


@dataclass(frozen=True)
class Sample:
    frame: pd.DataFrame
    rows_total: int

    @property
    def rows_kept(self) -> int:
        return len(self.frame)

    @property
    def sampled(self) -> bool:
        return self.rows_kept < self.rows_total


def sample_rows(frame: pd.DataFrame, cap: int | None, *, seed: int = SAMPLE_SEED) -> Sample:
    """At most ``cap`` rows drawn uniformly without replacement, kept in their original order.

    ``cap`` None (or a frame within the cap) keeps every row.
    """
    total = len(frame)
    if cap is None or total <= cap:
        return Sample(frame, total)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(total, size=cap, replace=False))
    return Sample(frame.iloc[chosen].reset_index(drop=True), total)


@dataclass(frozen=True)
class SampledData:
    """A run's rows cut to the report's cap, remembering how many there were."""

    columns: tuple[tuple[str, FeatureType, Role], ...]
    reference: Sample
    current: Sample

    @property
    def sampled(self) -> bool:
        return self.reference.sampled or self.current.sampled


def sample_data(data: RunData, cap: int | None, *, seed: int = SAMPLE_SEED) -> SampledData:
    return SampledData(
        columns=data.columns,
        reference=sample_rows(data.reference, cap, seed=seed),
        current=sample_rows(data.current, cap, seed=seed),
    )
