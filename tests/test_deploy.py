"""docker-compose.yml cannot run here (no Docker engine): check it agrees with the code."""
import importlib
import re
import tomllib
from dataclasses import fields

import pytest
import yaml

from newsflow.streams.config import Settings, env_name
from newsflow.streams.topics import topic_names
from tests.conftest import ROOT
from tests.test_dashboards import declared_series, series_in

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DEFAULTS = Settings()


def test_services_present():
    assert {"kafka", "worker", "prometheus", "grafana"} <= set(COMPOSE["services"])


def test_kafka_port_matches_default_broker():
    port = DEFAULTS.broker.rsplit(":", 1)[1]
    assert f"{port}:{port}" in COMPOSE["services"]["kafka"]["ports"]
    assert COMPOSE["services"]["worker"]["environment"]["NEWSFLOW_BROKER"] == f"kafka:{port}"


def test_prometheus_scrapes_the_workers_metrics_port():
    worker = COMPOSE["services"]["worker"]
    port = int(worker["environment"]["NEWSFLOW_METRICS_PORT"])
    assert port == DEFAULTS.metrics_port and str(port) in worker["expose"]
    mount = COMPOSE["services"]["prometheus"]["volumes"][0].split(":")[0]
    prom = yaml.safe_load((ROOT / mount).read_text())
    [job] = prom["scrape_configs"]
    assert job["dns_sd_configs"][0]["names"] == ["worker"] and job["dns_sd_configs"][0]["port"] == port
    assert job["metrics_path"] == "/metrics"


def test_every_mounted_file_exists():
    for service in COMPOSE["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source


def test_image_ships_every_package_and_the_model():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    sources = {"newsflow"} | set(setuptools["package-dir"].values())
    copied = set(re.findall(r"^COPY (\S+) ", (ROOT / "Dockerfile").read_text(), re.M))
    assert sources <= copied


def test_every_code_folder_is_a_package_of_the_wheel():
    """A stage package left out of `packages` works from the checkout but not when installed."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    for name, folder in setuptools["package-dir"].items():
        for init in (ROOT / folder).rglob("*.py"):
            rel = init.parent.relative_to(ROOT / folder)
            if not all(part.isidentifier() for part in rel.parts):
                continue  # scripts beside data (models/ner-en/train.py), not importable
            package = ".".join([name, *rel.parts]) if rel.parts else name
            assert package in listed, f"{init.relative_to(ROOT)}: add {package!r} to [tool.setuptools] packages"


def test_prometheus_gets_every_rule_file_its_config_names():
    """A rule file missing in the container fails Prometheus at start-up."""
    mounts = dict(v.split(":")[:2] for v in COMPOSE["services"]["prometheus"]["volumes"])
    config_host, config_container = next((h, c) for h, c in mounts.items() if h.endswith("prometheus.yml"))
    prom = yaml.safe_load((ROOT / config_host).read_text())
    container_dir = config_container.rsplit("/", 1)[0]
    mounted = set(mounts.values())
    for rule_file in prom["rule_files"]:
        assert f"{container_dir}/{rule_file}" in mounted, rule_file


def _services(*names: str) -> list[dict]:
    return [COMPOSE["services"][n] for n in names]


def _settings_of(service: dict) -> Settings:
    return Settings.from_env(service.get("environment", {}))


def test_images_are_pinned_and_kafka_is_the_official_one():
    images = {name: s["image"] for name, s in COMPOSE["services"].items() if "image" in s}
    assert all(":" in i and not i.endswith(":latest") for i in images.values()), images
    assert {images[n] for n in ("kafka", "kafka-1", "kafka-2", "kafka-3")} == {"apache/kafka:4.4.0"}


def test_every_newsflow_variable_is_a_setting():
    """A misspelt NEWSFLOW_* is ignored silently by the code; here it fails."""
    known = {env_name(f) for f in fields(Settings)} | {f"{env_name(f)}_FILE" for f in fields(Settings)
                                                        if f.metadata["secret"]}
    for name, service in COMPOSE["services"].items():
        env = service.get("environment", {})
        assert {k for k in env if k.startswith("NEWSFLOW_")} <= known, name
        _settings_of(service)  # every value parses


@pytest.mark.parametrize("creator, worker", [("topics", "worker"), ("cluster-topics", "cluster-worker")])
def test_the_topic_creator_creates_what_the_workers_use(creator, worker):
    made, used = map(_settings_of, _services(creator, worker))
    assert topic_names(made) == topic_names(used)
    assert [(made.partitions, made.replication_factor, made.broker)] == [(used.partitions, used.replication_factor,
                                                                          used.broker)]
    assert COMPOSE["services"][worker]["depends_on"][creator]["condition"] == "service_completed_successfully"


def test_the_topic_creator_calls_code_that_exists():
    code = COMPOSE["services"]["topics"]["command"][-1]
    for module, name in re.findall(r"from ([\w.]+) import (\w+)", code):
        assert hasattr(importlib.import_module(module), name), f"{module}.{name}"


def test_the_cluster_profile_keeps_every_topic_on_three_brokers():
    brokers = {n: s for n, s in COMPOSE["services"].items() if n.startswith("kafka-")}
    assert len(brokers) == 3 and all(s["profiles"] == ["cluster"] for s in brokers.values())
    envs = [s["environment"] for s in brokers.values()]
    voters = {f"{e['KAFKA_NODE_ID']}@{n}:9093" for n, e in zip(brokers, envs)}
    assert all(set(e["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == voters for e in envs)
    assert len({e["CLUSTER_ID"] for e in envs}) == 1
    worker = _settings_of(COMPOSE["services"]["cluster-worker"])
    assert worker.replication_factor == 3 and set(worker.bootstrap) == {f"{n}:9092" for n in brokers}
    for env in envs:
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == worker.topic_config(worker.topic_raw)["min.insync.replicas"] == "2"
        assert all(int(v) <= len(brokers) for k, v in env.items() if k.endswith("REPLICATION_FACTOR"))


def test_each_worker_is_one_process_prometheus_finds_by_name():
    for name in ("worker", "cluster-worker"):
        service = COMPOSE["services"][name]
        assert _settings_of(service).processes == 1
        assert f":{DEFAULTS.metrics_port}/readyz" in service["healthcheck"]["test"][-1]
    assert "worker" in COMPOSE["services"]["cluster-worker"]["networks"]["default"]["aliases"]
    assert '@app.page("/readyz")' in (ROOT / "streams" / "app.py").read_text()


def test_a_service_depends_only_on_services_of_its_profile():
    """`--profile cluster up cluster-worker` must not pull in the one-broker stack."""
    for name, service in COMPOSE["services"].items():
        for needed in service.get("depends_on", []):
            assert COMPOSE["services"][needed].get("profiles", []) in ([], service.get("profiles", [])), name


def test_the_mounted_rules_name_only_exported_series():
    mounts = [v.split(":")[0] for v in COMPOSE["services"]["prometheus"]["volumes"]]
    rules = [yaml.safe_load((ROOT / m).read_text()) for m in mounts if not m.endswith("prometheus.yml")]
    exprs = [r["expr"] for doc in rules for g in doc["groups"] for r in g["rules"]]
    known = declared_series()
    assert exprs and all(series_in(e) <= known for e in exprs)
