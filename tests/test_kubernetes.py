"""deploy/kubernetes cannot be applied here (no cluster): check the manifests' structure and
that they agree with the code (settings, ports, probes, consumer groups, partitions)."""
from __future__ import annotations

import re
from dataclasses import fields

import yaml

from newsflow.streams.config import Settings, env_name
from newsflow.streams.topics import hops
from tests.conftest import ROOT

K8S = ROOT / "deploy" / "kubernetes"
DOCS = [d for p in sorted(K8S.glob("*.yaml")) for d in yaml.safe_load_all(p.read_text()) if d]
BY_KIND = {d["kind"]: d for d in DOCS if d["kind"] != "Kustomization"}
DEFAULTS = Settings()
SETTINGS = BY_KIND["ConfigMap"]["data"]
[CONTAINER] = BY_KIND["Deployment"]["spec"]["template"]["spec"]["containers"]
LABELS = BY_KIND["Deployment"]["spec"]["template"]["metadata"]["labels"]


def _worker_env() -> dict[str, str]:
    """What a worker's environment holds, the Secret's values in place of their references."""
    secret = BY_KIND["Secret"]["stringData"]
    env = dict(SETTINGS)
    for var in CONTAINER["env"]:
        env[var["name"]] = var.get("value") or secret[var["valueFrom"]["secretKeyRef"]["key"]]
    return env


def _bytes(quantity: str) -> int:
    return int(quantity[:-2]) * {"Mi": 2**20, "Gi": 2**30}[quantity[-2:]]


def test_kustomization_lists_every_manifest():
    [kustomization] = [d for d in DOCS if d["kind"] == "Kustomization"]
    assert set(kustomization["resources"]) == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert {"ConfigMap", "Secret", "Deployment", "Service", "ScaledObject", "TriggerAuthentication",
            "ServiceMonitor"} <= set(BY_KIND)


def test_every_variable_is_a_setting_and_every_value_parses():
    known = {env_name(f) for f in fields(Settings)} | {f"{env_name(f)}_FILE" for f in fields(Settings)
                                                        if f.metadata["secret"]}
    names = set(SETTINGS) | {v["name"] for v in CONTAINER["env"]}
    assert names <= known, names - known
    settings = Settings.from_env({k: v for k, v in _worker_env().items() if not k.endswith("_FILE")},
                                 sasl_password="from-the-file")
    assert settings.security_protocol == "SASL_SSL" and settings.processes == 1


def test_the_secret_is_mounted_where_the_settings_read_it():
    mount = next(m for m in CONTAINER["volumeMounts"] if m["name"] == "kafka-credentials")["mountPath"]
    volume = next(v for v in BY_KIND["Deployment"]["spec"]["template"]["spec"]["volumes"]
                  if v["name"] == "kafka-credentials")["secret"]
    assert volume["secretName"] == BY_KIND["Secret"]["metadata"]["name"]
    files = {f"{mount}/{item['path']}" for item in volume["items"]}
    assert {SETTINGS["NEWSFLOW_SASL_PASSWORD_FILE"], SETTINGS["NEWSFLOW_SSL_CAFILE"]} <= files
    assert {item["key"] for item in volume["items"]} <= set(BY_KIND["Secret"]["stringData"])


def test_ports_and_probes_match_the_worker():
    port = int(SETTINGS["NEWSFLOW_METRICS_PORT"])
    assert port == DEFAULTS.metrics_port and SETTINGS["NEWSFLOW_METRICS_HOST"] == "0.0.0.0"
    [container_port] = CONTAINER["ports"]
    assert container_port["containerPort"] == port
    served = set(re.findall(r'@app\.page\("([^"]+)"\)', (ROOT / "streams" / "app.py").read_text()))
    probes = {k: CONTAINER[k]["httpGet"] for k in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert probes["readinessProbe"]["path"] == "/readyz" and probes["livenessProbe"]["path"] == "/healthz"
    assert all(p["path"] in served and p["port"] == container_port["name"] for p in probes.values())
    service = BY_KIND["Service"]
    assert service["spec"]["selector"] == LABELS
    assert service["spec"]["ports"][0]["targetPort"] == container_port["name"]
    assert service["metadata"]["annotations"]["prometheus.io/port"] == str(port)
    assert "/metrics" in served and service["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    assert BY_KIND["ServiceMonitor"]["spec"]["selector"]["matchLabels"] == LABELS


def test_resources_fit_one_worker_process():
    """1.3-1.5 GB measured per process with its models; 1 CPU per process."""
    resources = CONTAINER["resources"]
    assert resources["requests"]["cpu"] == resources["limits"]["cpu"] == SETTINGS["NEWSFLOW_PROCESSES"] == "1"
    request, limit = (_bytes(resources[k]["memory"]) for k in ("requests", "limits"))
    assert 1.5e9 <= request <= limit and 0.9 * limit > 1.5e9  # NewsflowMemoryHigh: 90% of the limit


def test_keda_follows_each_stage_group_up_to_the_partition_count():
    scaled = BY_KIND["ScaledObject"]["spec"]
    assert scaled["scaleTargetRef"]["name"] == BY_KIND["Deployment"]["metadata"]["name"]
    settings = Settings(app_id=SETTINGS["NEWSFLOW_APP_ID"])
    assert {(t["metadata"]["consumerGroup"], t["metadata"]["topic"]) for t in scaled["triggers"]} == \
        {(h.group, h.source) for h in hops(settings)} == {(h.group, h.source) for h in hops(DEFAULTS)}
    assert scaled["maxReplicaCount"] <= min(DEFAULTS.partitions, int(SETTINGS["NEWSFLOW_PARTITIONS"]))
    for trigger in scaled["triggers"]:
        assert trigger["type"] == "kafka" and trigger["metadata"]["bootstrapServers"] == SETTINGS["NEWSFLOW_BROKER"]
        assert trigger["authenticationRef"]["name"] == BY_KIND["TriggerAuthentication"]["metadata"]["name"]


def test_keda_authenticates_from_the_workers_secret():
    refs = BY_KIND["TriggerAuthentication"]["spec"]["secretTargetRef"]
    secret = BY_KIND["Secret"]
    assert {r["name"] for r in refs} == {secret["metadata"]["name"]}
    assert {r["key"] for r in refs} <= set(secret["stringData"])
    assert {r["parameter"] for r in refs} == {"sasl", "username", "password", "tls", "ca"}
    mechanism = SETTINGS["NEWSFLOW_SASL_MECHANISM"].lower().replace("-", "_").replace("sha_", "sha")
    assert secret["stringData"]["sasl"] == mechanism  # scram_sha512: KEDA's name of SCRAM-SHA-512
