"""Fuzzing the config loader: every input loads or fails with a ConfigError, nothing else.

Documents are random TOML (generated structures written with ``tomli_w``) and
random mutations of the shipped configs: keys dropped, values replaced by other
types or by wrong values (bad durations, schedules, URLs, queries, timestamps,
huge numbers, unicode), unknown keys added, monitors repeated. The same inputs
go through ``driftwarden check-config``, which must exit 0 or 2 without a
traceback.
"""

from __future__ import annotations

import contextlib
import io
import tomllib
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from monitor.cli import main
from monitor.config import Config, ConfigError, load_config, parse_config
from monitor.durations import parse_duration

DATA = Path(__file__).resolve().parent.parent / "data"
REPO = Path(__file__).resolve().parents[2]

FULL = """
[service]
store_url = "postgresql://dw:pw@127.0.0.1:5432/results"
store_buffer = 500
store_retry = "10s"
leader_check = "5s"
reports_dir = "reports"
public_url = "https://driftwarden.example.com"
listen = "[::1]:8000"
api_token = "t0ken"
run_timeout = "5m"
workers = 2
shutdown_grace = "30s"

[alerting]
alertmanager_urls = ["http://127.0.0.1:9093", "https://am.example.com/alertmanager"]
resend_interval = "1m"
timeout = "10s"
max_backoff = "5m"
keep_resolved = "30d"
labels = { cluster = "prod-eu" }
basic_auth = { username = "am", password = "am-pw" }
tls = { ca_file = "ca.pem", insecure_skip_verify = false }

[[monitors]]
name = "fraud"
source_url = "postgresql://reader:pw@127.0.0.1/preds"
query = "SELECT * FROM predictions WHERE model = 'v2'"
timestamp_column = "ts"
numerical = ["amount", "age"]
categorical = ["country"]
prediction = "pred"
prediction_score = "score"
target = "label"
task = "binary_classification"
loader = "sqlalchemy"
exclude = ["id"]
max_categories = 50
positive_label = "yes"
schedule = "0 */2 * * 1-5"
current = { last = "2h" }
reference = { last = "7d", offset = "1d" }
min_rows = 20
latency_column = "latency_ms"
latency_unit = "ms"

[monitors.drift]
drift_share = 0.3
numerical_method = "wasserstein"
categorical_method = "psi"
threshold = 0.2
min_rows = 30
correction = "fdr_bh"
min_effect = { value = 0.1, numerical_method = "wasserstein" }
columns = { amount = { method = "ks", threshold = 0.01 } }

[monitors.quality]
max_missing_increase = 0.2
max_unseen_share = 0.1
min_rows = 10
max_rows = 100000
max_rate_ratio = 2.0

[monitors.multivariate]
enabled = true
methods = ["pca_reconstruction"]
columns = ["amount", "age"]
max_rows = 5000
classifier = "logistic"

[monitors.report]
keep_days = 7
keep_last = 20
sample_rows = 1000

[monitors.alerts]
labels = { team = "risk" }
runbook_url = "https://wiki.example.com/{alertname}"
column_drift = { roles = ["feature", "prediction"], for_runs = 3 }
stale = { intervals = 2.5, severity = "critical" }
data_quality = { enabled = true, checks = ["missing_share"] }

[[monitors.performance]]
metric = "roc_auc"
min = 0.7
max_drop = 0.05

[[monitors]]
name = "churn"
source_url = "postgresql://reader@127.0.0.1/preds"
table = "predictions"
timestamp_column = "ts"
numerical = ["tenure"]
prediction = "pred"
prediction_score = "score"
task = "binary_classification"
current = { last = "1d" }
reference = { start = "2026-01-01T00:00:00Z", end = "2026-02-01T00:00:00Z" }

[monitors.labels]
table = "labels"
id_column = "prediction_id"
prediction_id_column = "id"
label_column = "churned"
timestamp_column = "labelled_at"
label_lag = "7d"

[[monitors.estimated]]
metric = "f1"
min = 0.6
max_drop = 0.05

[[monitors]]
name = "big"
mode = "aggregate"
source_url = "postgresql://reader@127.0.0.1/preds"
table = "big_predictions"
timestamp_column = "ts"
numerical = ["amount"]
categorical = ["country"]
current = { last = "1h" }
reference = { last = "7d" }

[monitors.aggregate]
quantile_bins = 100
max_groups = 10000
"""

BASES = [
    tomllib.loads((DATA / "example_config.toml").read_text(encoding="utf-8")),
    tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8")),
    tomllib.loads(FULL),
]

# -- values -------------------------------------------------------------------------

TRICKY_STRINGS = [
    "",
    " ",
    "15m",
    "0s",
    "-1h",
    "1.5h",
    "1 h",
    "h",
    "99999999999999999999d",
    "9" * 400 + "w",
    "every 15m",
    "every 0s",
    "every 99999999999999w",
    "every",
    "*/0 * * * *",
    "61 * * * *",
    "* * * * 8",
    "* * * * mon-sun/0",
    "0 0 31 2 *",
    "0 0 30 2 *",
    "@daily",
    "1-0 * * * *",
    "http://[::1",
    "http://[::1]:99999",
    "http://user:pw@[::1",
    "http://",
    "://",
    "postgresql://u:p@h:notaport/db",
    "postgresql://u:p@h:99999/db",
    "sqlite:///",
    "mysql+nosuchdriver://x/y",
    "SELECT 1",
    "SELECT 1; DROP TABLE t",
    "DELETE FROM t",
    "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "2026-13-01T00:00:00Z",
    "${NOT_SET_ANYWHERE}",
    "${}",
    "$${X}",
    "é",
    "名前",
    "\u0000",
    "\u202e",
    "a\nb",
    "\\",
    "'\"",
    ".",
    "..",
    "binary_classification",
    "roc_auc",
    "ks",
    "wasserstein",
    "[::1]:0",
    "host:65536",
    "x" * 5000,
]

offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
toml_datetimes = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.builds(
        lambda moment, zone: moment.replace(tzinfo=zone, microsecond=0),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
        offsets,
    ),
)
tricky = st.sampled_from(TRICKY_STRINGS)
others = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, -1, 1, 2, 64, 65, 65536, 2**31, 2**63 - 1, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    toml_datetimes,
    st.dates(),
    st.times().map(lambda t: t.replace(microsecond=0)),
)
scalars = st.integers(0, 9).flatmap(lambda pick: tricky if pick < 5 else others)
"""Half the values are the tricky strings (``one_of`` would weigh each of its flattened
branches alike, drowning them)."""
keys = st.one_of(
    st.sampled_from(
        ["name", "table", "query", "last", "start", "end", "method", "threshold", "enabled"]
    ),
    st.text(min_size=1, max_size=12),
)
nested = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=12,
)
values = st.integers(0, 3).flatmap(lambda pick: nested if pick == 0 else scalars)
"""Mostly single values (``st.recursive`` alone draws containers nine times in ten)."""

# -- mutations ------------------------------------------------------------------------

Path_ = tuple[str | int, ...]


def paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every place in the document (keys of tables and items of arrays)."""
    found: list[Path_] = []
    if isinstance(node, dict):
        for key, child in node.items():
            found.append((*prefix, key))
            found.extend(paths(child, (*prefix, key)))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found.append((*prefix, index))
            found.extend(paths(child, (*prefix, index)))
    return found


def parent_of(document: Any, path: Path_) -> Any:
    node = document
    for part in path[:-1]:
        node = node[part]
    return node


def mutate(document: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        places = paths(document)
        if not places:
            document = data.draw(st.dictionaries(keys, values, max_size=4))
            continue
        path = data.draw(st.sampled_from(places), label="path")
        parent = parent_of(document, path)
        key = path[-1]
        action = data.draw(st.sampled_from(["drop", "replace", "unknown", "repeat"]))
        if action == "drop":
            del parent[key]
        elif action == "replace":
            parent[key] = data.draw(values, label="value")
        elif action == "unknown":
            target = parent[key] if isinstance(parent[key], dict) else parent
            if isinstance(target, dict):
                target[data.draw(keys, label="new key")] = data.draw(values, label="value")
        elif isinstance(parent, list):
            parent.append(parent[key])
        elif isinstance(parent[key], list) and parent[key]:
            parent[key].append(parent[key][0])
    return document


def dumps(document: dict[str, Any]) -> str:
    return tomli_w.dumps(document)


def deep_copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: deep_copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [deep_copy(v) for v in node]
    return node


# -- the law --------------------------------------------------------------------------

KNOWN_OPENINGS = (
    "field ",
    "monitor ",
    "not valid TOML",
    "monitor names must be unique",
    "cannot read the file",
    "the file is not",
    "the document is nested",
)


def loads_or_explains(text: str) -> Config | ConfigError:
    """Parse ``text``; only ConfigError may come out, and its lines must say where."""
    try:
        return parse_config(text, source="fuzz.toml", environ={"SET": "value"})
    except ConfigError as exc:
        assert exc.problems, "a ConfigError without problems"
        for problem in exc.problems:
            assert problem.strip(), exc.problems
            assert problem.startswith(KNOWN_OPENINGS), problem
            assert "Traceback" not in problem
        return exc


def check_config_cli(text: str, folder: Path) -> None:
    path = folder / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check-config", str(path)])
    assert code in (0, 2), (code, err.getvalue())
    output = out.getvalue() + err.getvalue()
    assert "Traceback" not in output
    assert output.strip()
    if code == 2:
        assert "invalid config" in err.getvalue()


# -- tests ----------------------------------------------------------------------------


def test_the_documents_mutated_load_as_written() -> None:
    """Mutations start from valid configs, so what they break is what they changed."""
    for base in BASES:
        config = parse_config(dumps(base), environ={})
        assert config.monitors
    assert [m.name for m in parse_config(FULL, environ={}).monitors] == ["fraud", "churn", "big"]


FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(base=st.sampled_from(range(len(BASES))), data=st.data())
def test_mutated_example_configs_load_or_explain(base: int, data: st.DataObject) -> None:
    document = mutate(deep_copy(BASES[base]), data)
    loads_or_explains(dumps(document))


@FUZZ
@given(document=st.dictionaries(keys, values, max_size=6))
def test_random_documents_load_or_explain(document: dict[str, Any]) -> None:
    loads_or_explains(dumps(document))


OPTIONS: list[Path_] = [
    ("service", "store_url"),
    ("service", "reports_dir"),
    ("service", "public_url"),
    ("service", "listen"),
    ("service", "api_token"),
    ("service", "api_token_env"),
    ("service", "run_timeout"),
    ("service", "workers"),
    ("service", "shutdown_grace"),
    ("alerting", "alertmanager_urls"),
    ("alerting", "alertmanager_urls", 0),
    ("alerting", "resend_interval"),
    ("alerting", "timeout"),
    ("alerting", "max_backoff"),
    ("alerting", "keep_resolved"),
    ("alerting", "labels"),
    ("alerting", "basic_auth"),
    ("alerting", "basic_auth", "password"),
    ("alerting", "tls"),
    ("monitors", 0, "name"),
    ("monitors", 0, "source_url"),
    ("monitors", 0, "query"),
    ("monitors", 0, "timestamp_column"),
    ("monitors", 0, "numerical"),
    ("monitors", 0, "positive_label"),
    ("monitors", 0, "max_categories"),
    ("monitors", 0, "schedule"),
    ("monitors", 0, "current"),
    ("monitors", 0, "current", "last"),
    ("monitors", 0, "reference"),
    ("monitors", 0, "reference", "last"),
    ("monitors", 0, "reference", "offset"),
    ("monitors", 0, "min_rows"),
    ("monitors", 0, "latency_unit"),
    ("monitors", 0, "drift", "drift_share"),
    ("monitors", 0, "drift", "threshold"),
    ("monitors", 0, "drift", "min_effect"),
    ("monitors", 0, "drift", "columns"),
    ("monitors", 0, "drift", "correction"),
    ("monitors", 0, "quality", "max_rate_ratio"),
    ("monitors", 0, "multivariate", "methods"),
    ("monitors", 0, "multivariate", "pca_variance"),
    ("monitors", 0, "report", "keep_days"),
    ("monitors", 0, "report", "sample_rows"),
    ("monitors", 0, "alerts", "labels"),
    ("monitors", 0, "alerts", "runbook_url"),
    ("monitors", 0, "alerts", "stale", "intervals"),
    ("monitors", 0, "alerts", "column_drift", "for_runs"),
    ("monitors", 0, "performance", 0, "metric"),
    ("monitors", 0, "performance", 0, "min"),
    ("monitors", 0, "performance", 0, "max_drop"),
    ("service", "store_buffer"),
    ("service", "store_retry"),
    ("service", "leader_check"),
    ("monitors", 1, "labels"),
    ("monitors", 1, "labels", "label_lag"),
    ("monitors", 1, "labels", "query"),
    ("monitors", 1, "estimated", 0, "metric"),
    ("monitors", 1, "estimated", 0, "min"),
    ("monitors", 2, "mode"),
    ("monitors", 2, "aggregate", "quantile_bins"),
    ("monitors", 2, "aggregate", "max_groups"),
]
"""Options of the full example (the mutations reach them less often than unknown keys)."""


@FUZZ
@given(where=st.sampled_from(OPTIONS), value=values)
def test_every_known_option_with_any_value_loads_or_explains(where: Path_, value: Any) -> None:
    document = deep_copy(BASES[2])
    parent_of(document, where)[where[-1]] = value
    loads_or_explains(dumps(document))


@FUZZ
@given(text=st.text(max_size=200))
def test_arbitrary_text_loads_or_explains(text: str) -> None:
    loads_or_explains(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(range(len(BASES))), data=st.data())
@example(base=2, data=None)
def test_check_config_exits_0_or_2_without_a_traceback(
    tmp_path_factory: pytest.TempPathFactory, base: int, data: st.DataObject | None
) -> None:
    document = deep_copy(BASES[base])
    if data is not None:
        document = mutate(document, data)
    check_config_cli(dumps(document), tmp_path_factory.mktemp("cli"))


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("service", "shutdown_grace"), "99999999999999999999d"),
        (("service", "run_timeout"), "9" * 400 + "s"),
        (("monitors", 0, "schedule"), "every 99999999999999w"),
        (("monitors", 0, "current", "last"), "99999999999999999999d"),
        (("monitors", 0, "reference"), {"last": "1d", "offset": "99999999999999999999d"}),
        (("monitors", 0, "reference"), {"start": "0001-01-01T00:00:00+05:00", "end": "2026"}),
        (
            ("monitors", 0, "reference"),
            {
                "start": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
                "end": datetime(2026, 1, 1, tzinfo=UTC),
            },
        ),
        (
            ("monitors", 0, "reference"),
            {
                "start": datetime(2026, 1, 1, tzinfo=UTC),
                "end": datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
            },
        ),
        (("monitors", 0, "reference"), {"start": date(2026, 1, 1), "end": time(1, 2)}),
        (("alerting", "alertmanager_urls"), ["http://[::1"]),
        (("alerting", "alertmanager_urls"), ["http://u:pw@[::1"]),
        (("monitors", 0, "schedule"), "* * * * mon-sun/0"),
        (("monitors", 0, "schedule"), "*/0 * * * *"),
        (("monitors", 0, "schedule"), "0 0 30 2 *"),
        (("monitors", 0, "schedule"), "0 0 31 4 *"),
        (("monitors", 0, "drift", "threshold"), float("nan")),
        (("monitors", 0, "performance", 0, "min"), float("nan")),
        (("monitors", 0, "performance", 0, "max_drop"), float("inf")),
        (("monitors", 0, "alerts", "stale", "intervals"), float("nan")),
    ],
)
def test_found_inputs_load_or_explain(tmp_path: Path, where: Path_, value: Any) -> None:
    """Inputs the fuzzing found (or that sit next to them), kept as plain cases."""
    document = deep_copy(BASES[2])
    parent_of(document, where)[where[-1]] = value
    text = dumps(document)
    outcome = loads_or_explains(text)
    check_config_cli(text, tmp_path)
    if isinstance(value, float):
        assert isinstance(outcome, ConfigError), "non-finite numbers are not option values"
    if value in ("0 0 30 2 *", "0 0 31 4 *"):
        assert isinstance(outcome, ConfigError), "a cron schedule that never fires"
        assert "never fires" in str(outcome)


def test_deeply_nested_toml_is_an_error(tmp_path: Path) -> None:
    text = "x = " + "[" * 5000 + "]" * 5000
    outcome = loads_or_explains(text)
    assert isinstance(outcome, ConfigError)
    check_config_cli(text, tmp_path)


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[service]\nreports_dir = "rapports-é"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(path, environ={})
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["check-config", str(path)]) == 2
    assert "UTF-8" in err.getvalue()


def test_a_folder_given_as_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path, environ={})


def test_durations_are_bounded_at_a_hundred_years() -> None:
    assert parse_duration("36500d") == timedelta(days=36_500)
    assert parse_duration("5214w") == timedelta(weeks=5214)
    for text in ("36501d", "5215w", "0000000000000000000001s" + "9" * 20 + "s"):
        with pytest.raises(ValueError, match="at most 36500 days"):
            parse_duration(text)
    assert parse_duration("00000000000000000001s") == timedelta(seconds=1)


@pytest.mark.parametrize("key", ["function-", "function-after[x", "tagged-union[", "0"])
def test_unknown_keys_that_look_like_validator_steps_are_named(key: str) -> None:
    """Found by the fuzzing: such keys were left out of the message."""
    for text, where in (
        (f'"{key}" = 1', f"field {key!r}"),
        (f'[service]\n"{key}" = 1', f"field 'service.{key}'"),
    ):
        with pytest.raises(ConfigError) as caught:
            parse_config(text, environ={})
        assert caught.value.problems == [
            f"{where}: unknown key (not a driftwarden option; check the spelling)"
        ]
