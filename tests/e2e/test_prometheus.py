"""What operators see: a worker on the real broker processes a burst of items while a real
Prometheus server (Debian's `prometheus` package) scrapes it every second."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from newsflow import __version__
from newsflow.schemas import ARTICLE_SCHEMA
from newsflow.deploy.kafka.nodes import free_port
from tests.e2e.test_pipeline import _metric, _publish
from tests.test_dashboards import dashboard_queries, exported_series, series_in

pytestmark = pytest.mark.broker

BURST = 200
AGENTS = ("enrich",)  # the default flow: the four stateless stages in one agent
SENTENCES = ("The minister met union leaders in Berlin on Tuesday to discuss the pension reform.",
             "Shares of the carmaker fell after it cut its forecast for the year.",
             "Flooding closed roads across northern Italy, officials said.")


def _burst(path: Path, sentences: int = 2) -> Path:
    now = datetime.now(timezone.utc).isoformat()
    with path.open("w") as f:
        for i in range(BURST):
            text = " ".join(SENTENCES[(i + k) % 3] for k in range(sentences)) + f" Item {i}."
            f.write(json.dumps({"id": f"item-{i}", "source": f"site-{i % 5}", "fetched_at": now, "text": text}) + "\n")
    return path


def _scrape(worker) -> str:
    status, body = worker.get("/metrics")
    assert status == 200
    return body.decode()


def _wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(1)
    raise AssertionError(f"not within {timeout}s: {what}")


@contextmanager
def prometheus_scraping(port: int, tmp_path: Path) -> Iterator[Callable[[str], list]]:
    """A Prometheus server scraping 127.0.0.1:`port` every second; yields an instant-query function."""
    web = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{"job_name": "newsflow", "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}],
    }))
    log = tmp_path / "prometheus.log"
    proc = subprocess.Popen(
        [shutil.which("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{web}"],
        stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )

    def query(expr: str) -> list:
        url = f"http://127.0.0.1:{web}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=10) as r:
            answer = json.load(r)
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    def ready() -> bool:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            return query("up") != []
        except OSError:
            return False

    try:
        _wait_for(ready, 60, "Prometheus up and scraping")
        yield query
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _value(result: list) -> float:
    return max((float(r["value"][1]) for r in result), default=float("nan"))


def test_the_new_series_exist_and_move_and_every_panel_names_a_scraped_series(
        pipeline_env, start_worker, tmp_path):
    worker = start_worker()
    worker.wait_ready()
    before = _scrape(worker)
    published = _publish(pipeline_env, _burst(tmp_path / "burst.jsonl"))
    assert published.returncode == 0, published.stderr
    _wait_for(lambda: _metric(_scrape(worker), "newsflow_stage_items_out_total", stage="enrich") == BURST,
              300, f"{BURST} articles enriched")
    after = _scrape(worker)

    [build] = _samples(after, "newsflow_build_info")
    assert build.value == 1 and build.labels["version"] == __version__
    assert build.labels["schema_version"] == ARTICLE_SCHEMA and "en" in dict(m.split("=", 1) for m in build.labels["models"].split(","))
    for stage in AGENTS:
        assert _metric(after, "newsflow_stage_busy_seconds_total", stage=stage) > 0
        assert _metric(after, "newsflow_stage_in_flight_items", stage=stage) == 0
        lags = [s.value for s in _samples(after, "newsflow_consumer_lag") if s.labels["stage"] == stage]
        assert lags and not any(lags), (stage, lags)  # every partition read to its end
    assert sum(_metric(after, "newsflow_articles_by_source_total", source=f"site-{i}") for i in range(5)) == BURST
    assert _metric(after, "newsflow_articles_by_language_total", language="en") == BURST
    assert _metric(after, "newsflow_article_entities_count") == BURST
    assert _metric(after, "newsflow_fetch_to_enriched_seconds_count") == BURST
    assert _metric(after, "newsflow_event_loop_lag_seconds_count") > _metric(before, "newsflow_event_loop_lag_seconds_count")
    assert _metric(after, "process_resident_memory_bytes") > 100e6 and _metric(after, "process_open_fds") > 0

    scraped = exported_series(text_string_to_metric_families(after)) | {"up"}
    missing = {where: sorted(series_in(expr) - scraped) for where, expr in dashboard_queries().items()
               if series_in(expr) - scraped}
    assert not missing, missing


def _samples(text: str, name: str) -> list:
    return [s for f in text_string_to_metric_families(text) for s in f.samples if s.name == name]


@pytest.mark.skipif(shutil.which("prometheus") is None,
                    reason="no `prometheus` binary: `apt-get install prometheus` (Debian) to run this test")
def test_a_real_prometheus_sees_items_flow_and_the_lag_drain(pipeline_env, start_worker, tmp_path):
    worker = start_worker()
    worker.wait_ready()
    with prometheus_scraping(worker.port, tmp_path) as query:
        # long items, so the burst takes the worker seconds and a scrape sees the lag
        published = _publish(pipeline_env, _burst(tmp_path / "burst.jsonl", sentences=40))
        assert published.returncode == 0, published.stderr
        _wait_for(lambda: _value(query('sum(newsflow_stage_items_out_total{stage="enrich"})')) == BURST,
                  300, f"Prometheus sees {BURST} articles enriched")
        for stage in AGENTS:
            assert _value(query(f'rate(newsflow_stage_items_in_total{{stage="{stage}"}}[1m])')) > 0, stage
        assert _value(query("max_over_time(sum(newsflow_consumer_lag)[5m:1s])")) > 0  # the burst waited
        _wait_for(lambda: _value(query("sum(newsflow_consumer_lag)")) == 0, 30, "the lag drains to 0")
        assert _value(query('up{job="newsflow"}')) == 1
        p95 = _value(query("histogram_quantile(0.95, sum by (le) (rate(newsflow_end_to_end_seconds_bucket[5m])))"))
        assert 0 < p95 < 300
