"""Print NannyML's data reconstruction figures for the seeded tables of the tests.

Not a test: run it where NannyML is installed (it is not a driftwarden
dependency), from the repository root:

    python -m tests.checks.nannyml_figures

The figures are written into test_reconstruction.py. Missing categories are
passed to NannyML as NaN: its imputer treats NaN, not None, as missing.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from tests.checks.seeded import correlated

CASES = {"unchanged": {}, "shifted": {"shift": 1.0}, "flipped": {"flip": True}}


def frame(table: object) -> pd.DataFrame:
    columns = {**table.numerical, **table.categorical}  # type: ignore[attr-defined]
    out = pd.DataFrame(columns)
    out["cat"] = [np.nan if v is None else v for v in out["cat"]]
    return out


def main() -> None:
    os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"  # NannyML reports usage over the network
    import nannyml

    reference = frame(correlated(11, 5000))
    for name, options in CASES.items():
        current = frame(correlated(12, 500, **options))
        calc = nannyml.DataReconstructionDriftCalculator(
            column_names=list(reference.columns), chunk_size=500
        )
        calc.fit(reference)
        result = calc.calculate(current).filter(period="analysis").to_df()
        error = result["reconstruction_error"].iloc[0]
        print(
            f"{name!r}: ({float(error['value'])!r}, {float(error['lower_threshold'])!r}, "
            f"{float(error['upper_threshold'])!r}, {bool(error['alert'])}, "
            f"{calc._pca.n_components_}),"
        )


if __name__ == "__main__":
    main()
