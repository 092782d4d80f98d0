"""Prometheus exporter: metric definitions, the custom collector and the exporter sink."""

from monitor.exporter.collector import DriftwardenCollector
from monitor.exporter.definitions import METRICS, Kind, MetricDef
from monitor.exporter.exporter import Exporter
from monitor.exporter.runstats import RunStats

__all__ = ["METRICS", "DriftwardenCollector", "Exporter", "Kind", "MetricDef", "RunStats"]
