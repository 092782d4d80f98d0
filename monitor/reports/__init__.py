"""HTML reports: Evidently's panels under driftwarden's verdicts, an index page, retention.

- :class:`ReportPublisher` builds, writes and indexes reports for one folder;
- :class:`ReportSink` plugs it into the pipeline (after the store and other sinks);
- :class:`ReportWorker` builds them on a background thread with a bounded queue;
- :func:`report_url` is the served URL of a run's report.

Evidently itself is imported only when a report is built.
"""

from monitor.reports.paths import index_url, report_relpath, report_url
from monitor.reports.publisher import ReportOutcome, ReportPublisher
from monitor.reports.sink import ReportSink
from monitor.reports.worker import ReportWorker

__all__ = [
    "ReportOutcome",
    "ReportPublisher",
    "ReportSink",
    "ReportWorker",
    "index_url",
    "report_relpath",
    "report_url",
]
