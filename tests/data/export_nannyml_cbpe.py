"""Export NannyML's synthetic binary-classification dataset and its CBPE figures.

Run with a Python that has ``nannyml`` installed (it is not a dependency of
driftwarden, and its import needs ``statsmodels`` too)::

    python -m venv /tmp/nml-venv
    /tmp/nml-venv/bin/pip install nannyml statsmodels
    /tmp/nml-venv/bin/python tests/data/export_nannyml_cbpe.py

It writes, next to this file:

- ``nannyml_cbpe_data.csv.gz``: every row of the reference and analysis sets, in
  NannyML's order, with only the columns CBPE reads (``period``, ``y_pred_proba``,
  ``y_pred``, ``y_true``; the analysis labels joined from NannyML's target table);
- ``nannyml_cbpe_estimates.json``: NannyML's estimated and realized accuracy,
  precision, recall, F1 and ROC AUC per chunk of ``CHUNK_SIZE`` consecutive rows,
  and whether it calibrated the scores.

``tests/checks/test_cbpe_nannyml.py`` compares driftwarden's estimates with them.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"  # no usage reports from an export script

import nannyml as nml

HERE = Path(__file__).parent
CHUNK_SIZE = 5000
METRICS = ["accuracy", "precision", "recall", "f1", "roc_auc"]


def main() -> None:
    reference, analysis, targets = nml.load_synthetic_binary_classification_dataset()
    analysis = analysis.merge(targets, on="id", how="left")
    estimator = nml.CBPE(
        y_pred_proba="y_pred_proba",
        y_pred="y_pred",
        y_true="work_home_actual",
        metrics=METRICS,
        chunk_size=CHUNK_SIZE,
        problem_type="classification_binary",
    )
    estimator.fit(reference)
    frame = estimator.estimate(analysis).to_df()

    chunks: list[dict[str, Any]] = []
    for _, row in frame.iterrows():
        chunks.append(
            {
                "period": row[("chunk", "period")],
                "start_index": int(row[("chunk", "start_index")]),
                "end_index": int(row[("chunk", "end_index")]),
                "estimated": {m: float(row[(m, "value")]) for m in METRICS},
                "realized": {m: float(row[(m, "realized")]) for m in METRICS},
            }
        )
    out = {
        "nannyml_version": nml.__version__,
        "chunk_size": CHUNK_SIZE,
        "needs_calibration": bool(estimator.needs_calibration),
        "rows": {"reference": len(reference), "analysis": len(analysis)},
        "chunks": chunks,
    }
    (HERE / "nannyml_cbpe_estimates.json").write_text(json.dumps(out, indent=1) + "\n")

    lines = ["period,y_pred_proba,y_pred,y_true"]
    for period, data in (("reference", reference), ("analysis", analysis)):
        for proba, pred, true in zip(
            data["y_pred_proba"], data["y_pred"], data["work_home_actual"], strict=True
        ):
            lines.append(f"{period[0]},{proba!r},{int(pred)},{int(true)}")
    # mtime=0 keeps the file byte-identical between exports of the same data
    with gzip.GzipFile(HERE / "nannyml_cbpe_data.csv.gz", "wb", mtime=0) as f:
        f.write(("\n".join(lines) + "\n").encode())


if __name__ == "__main__":
    main()
