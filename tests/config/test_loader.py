from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import ConfigError, Metric, Task, load_config, parse_config

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example_config.toml"
"""The config example of the foundation issue, verbatim."""

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config.toml"


def problems_of(text: str, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, environ=environ or {})
    return caught.value.problems


def test_example_loads_as_written() -> None:
    config = load_config(EXAMPLE, environ={})
    (monitor,) = config.monitors
    assert config.service.store_url == "sqlite:///driftwarden.db"
    assert monitor.name == "churn"
    assert monitor.numerical == ["age", "balance"]
    assert monitor.categorical == ["plan", "region"]
    assert monitor.task is Task.BINARY
    assert monitor.current.last == timedelta(hours=1)
    assert monitor.reference.start == datetime(2026, 1, 1, tzinfo=UTC)
    assert monitor.reference.end == datetime(2026, 2, 1, tzinfo=UTC)
    assert monitor.parsed_schedule.interval == timedelta(minutes=15)
    assert monitor.drift.columns["age"].method == "ks"
    assert monitor.drift.columns["age"].threshold == 0.01
    assert [(p.metric, p.min, p.max_drop) for p in monitor.performance] == [
        (Metric.F1, 0.7, None),
        (Metric.ROC_AUC, None, 0.05),
    ]


def test_shipped_config_loads() -> None:
    config = load_config(REPO_CONFIG, environ={})
    assert [m.name for m in config.monitors] == ["churn"]


def test_cron_schedule_and_rolling_reference() -> None:
    text = EXAMPLE.read_text().replace('"every 15m"', '"*/15 * * * *"')
    text = text.replace(
        'reference = { start = "2026-01-01T00:00:00Z", end = "2026-02-01T00:00:00Z" }',
        'reference = { last = "7d", offset = "1d" }',
    )
    monitor = parse_config(text, environ={}).monitors[0]
    assert monitor.parsed_schedule.cron == "*/15 * * * *"
    assert monitor.reference.last == timedelta(days=7)
    assert monitor.reference.offset == timedelta(days=1)


def test_env_interpolation_in_any_string() -> None:
    text = EXAMPLE.read_text().replace('"sqlite:///demo.db"', '"${SOURCE_URL}"')
    text = text.replace('table = "predictions"', 'table = "${TABLE}_v2"')
    config = parse_config(text, environ={"SOURCE_URL": "sqlite:///other.db", "TABLE": "preds"})
    assert config.monitors[0].source_url == "sqlite:///other.db"
    assert config.monitors[0].table == "preds_v2"


def test_env_default_applies_when_the_variable_is_unset_or_empty() -> None:
    text = EXAMPLE.read_text().replace(
        '"sqlite:///demo.db"', '"sqlite:///${DATA_DIR:-/var/lib/x}/demo.db"'
    )
    text = text.replace('table = "predictions"', 'table = "${TABLE:-}preds"')
    unset = parse_config(text, environ={}).monitors[0]
    assert unset.source_url == "sqlite:////var/lib/x/demo.db"
    assert unset.table == "preds"
    empty = parse_config(text, environ={"DATA_DIR": "", "TABLE": ""}).monitors[0]
    assert empty.source_url == "sqlite:////var/lib/x/demo.db"
    chosen = parse_config(text, environ={"DATA_DIR": "/tmp/d", "TABLE": "v2_"}).monitors[0]
    assert chosen.source_url == "sqlite:////tmp/d/demo.db"
    assert chosen.table == "v2_preds"


def test_env_default_can_hold_a_listen_address() -> None:
    text = '[service]\nlisten = "${LISTEN:-0.0.0.0:8000}"\n'
    assert parse_config(text, environ={}).service.port == 8000
    chosen = parse_config(text, environ={"LISTEN": "127.0.0.1:9001"}).service
    assert (chosen.host, chosen.port) == ("127.0.0.1", 9001)


def test_missing_env_var_names_the_field_and_variable() -> None:
    text = EXAMPLE.read_text().replace('"sqlite:///demo.db"', '"${NOT_SET_ANYWHERE}"')
    (problem,) = problems_of(text)
    assert "monitors.0.source_url" in problem
    assert "NOT_SET_ANYWHERE" in problem


def test_unknown_keys_are_errors_naming_monitor_and_field() -> None:
    text = EXAMPLE.read_text().replace("drift_share = 0.5", "drift_shar = 0.5")
    text = text.replace('task = "binary_classification"', 'tsak = "binary_classification"')
    problems = problems_of(text)
    assert any(
        "monitor 'churn'" in p and "'drift.drift_shar'" in p and "unknown key" in p
        for p in problems
    )
    assert any("'tsak'" in p and "unknown key" in p for p in problems)


def test_unknown_drift_test_lists_valid_names() -> None:
    text = EXAMPLE.read_text().replace('method = "ks"', 'method = "kss"')
    (problem,) = problems_of(text)
    assert "monitor 'churn'" in problem
    assert "drift.columns.age.method" in problem
    assert "'kss'" in problem
    assert "ks" in problem.split("expected one of:")[1]


def test_drift_test_of_wrong_type_is_refused() -> None:
    text = EXAMPLE.read_text().replace(
        'columns = { age = { method = "ks", threshold = 0.01 } }',
        'columns = { plan = { method = "ks" } }',
    )
    (problem,) = problems_of(text)
    assert "drift.columns.plan.method" in problem
    assert "categorical" in problem


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('schedule = "every 15m"', 'schedule = "every 15x"'), "'schedule'"),
        (('current = { last = "1h" }', 'current = { last = "soon" }'), "'current.last'"),
        (('metric = "f1"', 'metric = "f2"'), "'performance[0].metric'"),
        (('task = "binary_classification"', 'task = "clustering"'), "'task'"),
        (("drift_share = 0.5", "drift_share = 1.5"), "'drift.drift_share'"),
        (
            ('end = "2026-02-01T00:00:00Z"', 'end = "2025-02-01T00:00:00Z"'),
            "'start'",
        ),
        (('table = "predictions"', 'query = "DELETE FROM x"'), "'query' must be a SELECT"),
        (
            ('table = "predictions"', 'table = "p"\nquery = "SELECT 1"'),
            "exactly one of 'table' or 'query'",
        ),
        (('table = "predictions"', 'query = "SELECT 1; DROP TABLE p"'), "single statement"),
        (('name = "churn"', 'name = "churn model!"'), "'name'"),
    ],
)
def test_bad_values_name_the_field(change: tuple[str, str], expected: str) -> None:
    text = EXAMPLE.read_text().replace(*change)
    assert text != EXAMPLE.read_text()
    problems = problems_of(text)
    assert any(expected in p for p in problems), problems


def test_roc_auc_needs_a_score_column() -> None:
    text = EXAMPLE.read_text().replace('prediction_score = "churn_proba"', "")
    (problem,) = problems_of(text)
    assert "roc_auc" in problem and "prediction_score" in problem


def test_regression_metric_refused_for_classification() -> None:
    text = EXAMPLE.read_text().replace('metric = "f1"', 'metric = "rmse"')
    (problem,) = problems_of(text)
    assert "'rmse'" in problem and "binary_classification" in problem


def test_duplicate_monitor_names() -> None:
    text = EXAMPLE.read_text()
    monitor_block = text[text.index("[[monitors]]") : text.index("[monitors.drift]")]
    problems = problems_of(text + "\n" + monitor_block)
    assert any("unique" in p and "churn" in p for p in problems)


def test_invalid_toml_is_reported() -> None:
    (problem,) = problems_of("[service\nstore_url = 1")
    assert "not valid TOML" in problem


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


def test_check_config_cli_prints_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "1 monitor(s)" in out
    assert "churn" in out
    assert "every 15m" in out


def test_check_config_cli_lists_every_error_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        EXAMPLE.read_text()
        .replace("drift_share = 0.5", "drift_share = 2")
        .replace('schedule = "every 15m"', 'schedule = "sometimes"')
    )
    assert main(["check-config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "monitor 'churn': field 'drift.drift_share'" in err
    assert "monitor 'churn': field 'schedule'" in err


def test_masked_passwords_in_check_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        EXAMPLE.read_text().replace(
            '"sqlite:///demo.db"', '"postgresql://reader:s3cret-pw@db.example:5432/preds"'
        )
    )
    assert main(["check-config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "s3cret-pw" not in out
    assert "reader:***@db.example" in out


def test_the_config_path_defaults_to_driftwarden_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text(EXAMPLE.read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DRIFTWARDEN_CONFIG", str(path))
    assert main(["check-config"]) == 0
    assert f"{path}: OK, 1 monitor(s)" in capsys.readouterr().out
    monkeypatch.delenv("DRIFTWARDEN_CONFIG")
    assert main(["check-config"]) == 2
    assert "invalid config config.toml:" in capsys.readouterr().err
