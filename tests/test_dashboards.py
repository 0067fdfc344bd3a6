"""The Grafana dashboard and the alert rules name only series a worker exports (a typo in a
query shows as an empty panel or an alert that never fires), and promtool accepts them."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Iterable

import pytest
import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric

from newsflow.agents import STAGE_ORDER
from newsflow.streams.metrics import PipelineMetrics, register_process_metrics
from tests.conftest import ROOT

PROMETHEUS = ROOT / "deploy" / "prometheus"
DASHBOARDS = ROOT / "deploy" / "grafana" / "provisioning" / "dashboards"
# Series Prometheus makes itself for every scrape target.
PROMETHEUS_SERIES = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
_SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created"),
             "summary": ("_sum", "_count", "_created"), "info": ("_info",), "gauge": ("",), "unknown": ("",)}
_PROMQL_WORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
                           "unless", "offset", "bool", "inf", "nan"})


def exported_series(families: Iterable[Metric]) -> set[str]:
    """Every series name the families can expose, samples or not (a labelled family without
    children yet still declares its names)."""
    return {f.name + suffix for f in families for suffix in _SUFFIXES[f.type]}


def series_in(expr: str) -> set[str]:
    """The metric names a PromQL expression selects: identifiers that are not functions,
    keywords, label names, strings, durations or numbers."""
    expr = re.sub(r'"[^"]*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for m in re.finditer(r"(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        if m.group().lower() in _PROMQL_WORDS or expr[m.end():].lstrip().startswith("("):
            continue
        names.add(m.group())
    return names


def dashboard_queries() -> dict[str, str]:
    """'dashboard / panel / refId' -> PromQL, for every panel of every provisioned dashboard."""
    queries = {}
    for path in sorted(DASHBOARDS.glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                queries[f"{path.name} / {panel['title']} / {target['refId']}"] = target["expr"]
    return queries


def alert_exprs() -> dict[str, str]:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return {rule["alert"]: rule["expr"] for group in rules["groups"] for rule in group["rules"]}


def declared_series() -> set[str]:
    registry = CollectorRegistry()
    register_process_metrics(registry, None)
    PipelineMetrics.create(registry, STAGE_ORDER)
    return exported_series(registry.collect()) | PROMETHEUS_SERIES


def test_series_in_reads_names_out_of_promql():
    expr = ('histogram_quantile(0.95, sum by (stage, le) (rate(newsflow_stage_batch_seconds_bucket{job="x"}[5m])))'
            ' / ignoring(reason) group_left 2e9 * up offset 1d > bool nan')
    assert series_in(expr) == {"newsflow_stage_batch_seconds_bucket", "up"}


def test_exported_series_covers_every_sample_a_family_can_have():
    registry = CollectorRegistry()
    metrics = PipelineMetrics.create(registry, ["extract"])
    names = exported_series(registry.collect())
    assert {"newsflow_stage_items_in_total", "newsflow_stage_batch_seconds_bucket",
            "newsflow_consumer_lag", "newsflow_send_errors_total"} <= names
    metrics.send_errors.labels("extract", "KafkaTimeoutError").inc()
    assert {s.name for f in registry.collect() for s in f.samples} <= names


def test_the_dashboard_has_the_operators_rows():
    [path] = DASHBOARDS.glob("*.json")
    rows = [p["title"] for p in json.loads(path.read_text())["panels"] if p["type"] == "row"]
    assert rows == ["Flow", "Stages", "Lag", "Errors and dead letters", "Languages and sources", "Process health"]


def test_the_provider_loads_the_folder_the_dashboards_are_in():
    [provider] = yaml.safe_load((DASHBOARDS / "newsflow.yml").read_text())["providers"]
    assert provider["options"]["path"] == "/etc/grafana/provisioning/dashboards"  # compose mounts provisioning/


@pytest.mark.parametrize("source", ["dashboard", "alerts"])
def test_every_query_names_only_declared_series(source):
    queries = dashboard_queries() if source == "dashboard" else alert_exprs()
    assert queries
    known = declared_series()
    unknown = {where: sorted(series_in(expr) - known) for where, expr in queries.items() if series_in(expr) - known}
    assert not unknown, unknown
    assert all(series_in(expr) for expr in queries.values())  # every query selects something


def test_every_alert_has_a_runbook_and_a_summary():
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    for rule in (r for g in rules["groups"] for r in g["rules"]):
        assert rule["annotations"].get("runbook") and rule["annotations"].get("summary"), rule["alert"]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed (apt-get install prometheus)")
@pytest.mark.parametrize("args", [["check", "config", "prometheus.yml"], ["check", "rules", "alerts.yml"],
                                  ["test", "rules", "alerts_test.yml"]])
def test_promtool_accepts_the_config_and_the_rules_and_their_unit_tests_pass(args):
    result = subprocess.run(["promtool", *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
