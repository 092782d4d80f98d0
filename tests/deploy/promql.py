"""The metric names and label names a PromQL expression uses, checked against
driftwarden's own metric definitions (so dashboards and rules cannot drift from them)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from monitor.exporter.definitions import METRICS, Kind, MetricDef

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DASHBOARDS = sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))
RULES = DEPLOY / "prometheus" / "rules" / "driftwarden.yml"
RULE_FILES = (RULES, RULES.parent / "driftwarden-quality.yml")
"""The default rules and the opt-in data-quality rule."""

OTHER_METRICS = {
    "up": ("job", "instance"),
    "process_start_time_seconds": ("job", "instance"),
}
"""Series that are not driftwarden's own: Prometheus's ``up`` and the process collector's."""
TARGET_LABELS = ("job", "instance")
FUNCTIONS_AND_KEYWORDS = frozenset(
    [
        "sum",
        "max",
        "min",
        "count",
        "avg",
        "group",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "quantile",
        "count_values",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "and",
        "or",
        "unless",
        "bool",
        "offset",
        "time",
        "vector",
        "scalar",
        "increase",
        "rate",
        "irate",
        "delta",
        "idelta",
        "deriv",
        "histogram_quantile",
        "abs",
        "ceil",
        "floor",
        "round",
        "clamp",
        "clamp_min",
        "clamp_max",
        "sort",
        "sort_desc",
        "absent",
        "absent_over_time",
        "changes",
        "resets",
        "label_replace",
        "label_join",
        "max_over_time",
        "min_over_time",
        "avg_over_time",
        "sum_over_time",
        "last_over_time",
        "timestamp",
        "label_values",
    ]
)

_SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{([^}]*)\})?")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")


def exposed(metric: MetricDef) -> dict[str, tuple[str, ...]]:
    """The series names a family exposes, with their labels."""
    labels = metric.labels
    if metric.kind is Kind.HISTOGRAM:
        base = metric.name
        return {
            base + "_bucket": (*labels, "le"),
            base + "_count": labels,
            base + "_sum": labels,
        }
    if metric.kind is Kind.GAUGE_HISTOGRAM:
        base = metric.name
        return {base + "_bucket": (*labels, "le"), base + "_gcount": labels, base + "_gsum": labels}
    return {metric.name: labels}


def known_series() -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = dict(OTHER_METRICS)
    for metric in METRICS:
        found.update(exposed(metric))
    return found


def _strip_strings(expr: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)


def references(expr: str) -> Iterator[tuple[str, list[str]]]:
    """``(metric name, label names matched in its selector)`` for each series selector."""
    text = _strip_strings(expr)
    text = _GROUPING.sub(" ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range durations such as [5m]
    for match in _SELECTOR.finditer(text):
        name = match.group(1)
        if name in FUNCTIONS_AND_KEYWORDS or re.fullmatch(r"\d.*", name):
            continue
        yield name, [label for label, _op in _MATCHER.findall(match.group(3) or "")]


def grouping_labels(expr: str) -> set[str]:
    text = _strip_strings(expr)
    labels: set[str] = set()
    for group in _GROUPING.findall(text):
        labels.update(x.strip() for x in group.split(",") if x.strip())
    return labels


def problems(expr: str, where: str) -> list[str]:
    """Unknown metric names, and label names that no metric of the expression has."""
    series = known_series()
    found = []
    used_labels: set[str] = set(TARGET_LABELS)
    for name, labels in references(expr):
        if name not in series:
            found.append(f"{where}: unknown metric {name!r} in {expr!r}")
            continue
        allowed = {*series[name], *TARGET_LABELS}
        used_labels.update(series[name])
        for label in labels:
            if label not in allowed:
                found.append(f"{where}: {name!r} has no label {label!r} in {expr!r}")
    for label in grouping_labels(expr) - used_labels:
        found.append(f"{where}: no metric of {expr!r} has the label {label!r}")
    return found


def dashboard_panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def dashboard_queries(path: Path) -> Iterator[tuple[str, str]]:
    """``(where, PromQL)`` of every panel target and query variable of a dashboard."""
    dashboard = json.loads(path.read_text())
    for panel in dashboard_panels(dashboard):
        for target in panel.get("targets", []):
            yield f"{path.name}: panel {panel['title']!r} {target['refId']}", target["expr"]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]
            text = query["query"] if isinstance(query, dict) else query
            yield f"{path.name}: variable {variable['name']!r}", label_values_query(text)


def label_values_query(text: str) -> str:
    """``label_values(metric, label)`` as the PromQL Grafana runs for it."""
    match = re.fullmatch(r"\s*label_values\((.+),\s*([a-zA-Z_]\w*)\)\s*", text)
    if match is None:
        return text
    return f"group by ({match.group(2)}) ({match.group(1)})"


def rules() -> Iterator[dict[str, Any]]:
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            yield from group["rules"]


def rule_queries() -> Iterator[tuple[str, str]]:
    """``(where, PromQL)`` of every rule expression and every query in an annotation."""
    for rule in rules():
        yield f"rule {rule['alert']}", rule["expr"]
        for key, text in rule.get("annotations", {}).items():
            for inner in re.findall(r'printf "([^"]*)"', text):
                if "{" in inner:
                    yield f"rule {rule['alert']} annotation {key}", inner.replace("%s", "x")


def substitute(expr: str, monitor: str, rate_interval: str = "30s") -> str:
    """Grafana's variables as Grafana would fill them in for ``monitor``."""
    replacements = {
        "${monitor}": monitor,
        "$monitor": monitor,
        "$__rate_interval": rate_interval,
        "${__rate_interval}": rate_interval,
        "$__interval": "5s",
        "${__interval}": "5s",
        "$__range": "5m",
        "${__range}": "5m",
    }
    for variable, value in replacements.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"a template variable is left in {expr!r}"
    return expr
