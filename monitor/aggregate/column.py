"""One column of a window known by counts (aggregate mode)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from monitor.stats import FeatureType
from monitor.stats.counted import CountedSample


@dataclass(frozen=True)
class CountedColumn:
    """The counts of one column in one window, in the shape the checks read.

    ``outside`` holds, for numerical columns counted on a histogram, the
    reference's ``(minimum, maximum)`` and how many present values fall outside.
    """

    name: str
    feature_type: FeatureType
    sample: CountedSample
    missing: int
    outside: tuple[float, float, int] | None = None

    @property
    def present(self) -> int:
        return self.sample.size

    @property
    def rows(self) -> int:
        return self.present + self.missing

    def new_sample(self) -> CountedSample:
        return self.sample

    def category_counts(self) -> Mapping[object, int]:
        if not self.sample.has_tally:
            raise TypeError(f"column {self.name!r}: its values were not counted")
        return dict(zip(self.sample.distinct.tolist(), self.sample.counts.tolist(), strict=True))

    def count_outside(self, low: float, high: float) -> int:
        """Present values below ``low`` or above ``high``."""
        if self.sample.has_tally:
            values = self.sample.distinct.astype(np.float64)
            return int(self.sample.counts[(values < low) | (values > high)].sum())
        if self.outside is None or self.outside[:2] != (low, high):
            raise TypeError(f"column {self.name!r}: not counted against [{low}, {high}]")
        return self.outside[2]
