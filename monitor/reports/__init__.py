"""HTML reports: Evidently's panels under driftwarden's verdicts, an index page, retention.

- :class:`ReportPublisher` builds, writes and indexes reports for one folder;
- :class:`ReportSink` plugs it into the pipeline (after the store and other sinks);
- :class:`ReportWorker` builds them on a background thread with a bounded queue;
- :func:`report_url` is the served URL of a window's report (usable before it is
  written, e.g. in an alert); :func:`url_of` turns a run's stored ``report_path``
  into its URL (None-safe callers check ``report_path`` first: retention clears it).

Evidently itself is imported only when a report is built.
"""

from monitor.reports.paths import index_url, report_relpath, report_url, url_of
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
    "url_of",
]
