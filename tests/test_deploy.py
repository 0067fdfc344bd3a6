"""docker-compose.yml cannot run here (no Docker engine): check it agrees with the code."""
import re
import tomllib

import yaml

from newsflow.streams.config import Settings
from tests.conftest import ROOT

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
