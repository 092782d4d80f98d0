"""Writing driftwarden's families in the Prometheus text format (0.0.4) and OpenMetrics.

prometheus-client's writer formats every label of every sample on every scrape;
with a hundred monitors of twenty columns that is ~10,000 lines and too slow for
one scrape. Here each monitor's lines are written once, when its results change
(:func:`monitor_block`), and a scrape only joins them under the family headers.

The output matches prometheus-client's writers for the same samples (a test
parses both and compares).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from prometheus_client.samples import Sample

from monitor.exporter import definitions as d

Block = dict[str, str]
"""One monitor's pre-written sample lines by key (see :func:`monitor_block`)."""

GAUGE_HISTOGRAM_TOTALS = ("_gcount", "_gsum")


def value_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _escape(text: str) -> str:
    return text.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def sample_line(sample: Sample) -> str:
    if sample.labels:
        labels = ",".join(f'{k}="{_escape(v)}"' for k, v in sample.labels.items())
        return f"{sample.name}{{{labels}}} {value_text(sample.value)}\n"
    return f"{sample.name} {value_text(sample.value)}\n"


def lines(samples: Iterable[Sample]) -> str:
    return "".join(sample_line(s) for s in samples)


def monitor_block(samples: Mapping[str, Sequence[Sample]]) -> Block:
    """Pre-written lines of one monitor, keyed by family name; a gauge histogram's
    ``_gcount`` and ``_gsum`` lines are kept under their own keys."""
    block: Block = {}
    for metric in d.METRICS:
        found = samples.get(metric.name, ())
        if metric.kind is d.Kind.GAUGE_HISTOGRAM:
            block[metric.name] = lines(s for s in found if s.name.endswith("_bucket"))
            for suffix in GAUGE_HISTOGRAM_TOTALS:
                block[metric.name + suffix] = lines(
                    s for s in found if s.name == metric.family_name + suffix
                )
        else:
            block[metric.name] = lines(found)
    return block


def _help(text: str) -> str:
    return text.replace("\\", r"\\").replace("\n", r"\n")


def write_text(blocks: Sequence[Block], extra: Mapping[str, str] | None = None) -> str:
    """The 0.0.4 text format. ``extra`` adds lines (e.g. monitor-less gauges) by family.

    A gauge histogram is written as a histogram of its buckets plus a gauge for each
    of ``_gcount`` and ``_gsum``, as prometheus-client does.
    """
    extra = extra or {}
    out: list[str] = []
    for metric in d.METRICS:
        kind = "histogram" if metric.kind is d.Kind.GAUGE_HISTOGRAM else metric.kind.value
        out.append(f"# HELP {metric.name} {_help(metric.help)}\n")
        out.append(f"# TYPE {metric.name} {kind}\n")
        out.extend(b[metric.name] for b in blocks)
        out.append(extra.get(metric.name, ""))
        if metric.kind is d.Kind.GAUGE_HISTOGRAM:
            for suffix in GAUGE_HISTOGRAM_TOTALS:
                out.append(f"# HELP {metric.name}{suffix} {_help(metric.help)}\n")
                out.append(f"# TYPE {metric.name}{suffix} gauge\n")
                out.extend(b[metric.name + suffix] for b in blocks)
    return "".join(out)


def write_openmetrics(blocks: Sequence[Block], extra: Mapping[str, str] | None = None) -> str:
    """OpenMetrics 1.0 without the final ``# EOF`` (the caller ends the document)."""
    extra = extra or {}
    out: list[str] = []
    for metric in d.METRICS:
        name = metric.family_name
        help_text = _help(metric.help).replace('"', r"\"")
        out.append(f"# HELP {name} {help_text}\n")
        out.append(f"# TYPE {name} {metric.kind.value}\n")
        if metric.kind is d.Kind.GAUGE_HISTOGRAM:
            keys = (metric.name, *(metric.name + s for s in GAUGE_HISTOGRAM_TOTALS))
            out.extend(b[key] for b in blocks for key in keys)
        else:
            out.extend(b[metric.name] for b in blocks)
        out.append(extra.get(metric.name, ""))
    return "".join(out)
