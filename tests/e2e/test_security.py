"""Secured connections through a second embedded broker of our own: SASL_SSL (SCRAM) with a
test CA's certificates, and ACLs. The main test broker is never touched."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

from newsflow.streams.admin import connect, consumer, ensure_topics, producer
from newsflow.streams.config import Settings
from newsflow.tail import TopicReader
from tests.conftest import ROOT as REPO_ROOT
from newsflow.deploy.kafka.nodes import free_port
from tests.e2e.conftest import Worker

pytestmark = pytest.mark.broker

KAFKA_SH = REPO_ROOT / "deploy" / "kafka" / "kafka.sh"
USERS = {"admin": "admin-pw-1", "worker": "worker-pw-7f3a9c", "crawler": "crawler-pw-2", "reader": "reader-pw-3"}
ITEM = {"id": "secure-1", "url": "https://example.org/s", "text": "Reuters reported from Berlin on Monday. "
        "Angela Merkel met Emmanuel Macron in Paris to discuss the budget of the European Union."}


def _certificates(d) -> None:
    """A test CA and a broker certificate for 127.0.0.1, with openssl."""
    def ssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=newsflow-test-ca")
    ssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "broker.key")
    ssl("req", "-new", "-key", "broker.key", "-out", "broker.csr", "-subj", "/CN=localhost")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    ssl("x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "broker.pem", "-days", "2", "-extfile", "san.ext")
    (d / "keystore.pem").write_text((d / "broker.key").read_text() + (d / "broker.pem").read_text())


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    d = tmp_path_factory.mktemp("secure-kafka")
    _certificates(d)
    (d / "users").write_text("".join(f"{u} {p}\n" for u, p in USERS.items()))
    port = free_port()
    kenv = {**os.environ, "NEWSFLOW_STATE_DIR": str(d / "state"), "NEWSFLOW_KAFKA_PORT": str(port),
            "NEWSFLOW_KAFKA_CONTROLLER_PORT": str(free_port()), "NEWSFLOW_KAFKA_SECURE": "1",
            "NEWSFLOW_KAFKA_SSL_KEYSTORE": str(d / "keystore.pem"), "NEWSFLOW_KAFKA_SSL_TRUSTSTORE": str(d / "ca.pem"),
            "NEWSFLOW_KAFKA_USERS_FILE": str(d / "users")}

    def kafka(*args: str) -> None:
        done = subprocess.run(["bash", str(KAFKA_SH), *args], env=kenv, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]

    run = uuid.uuid4().hex[:8]
    names = {"NEWSFLOW_TOPIC_RAW": f"s{run}-raw", "NEWSFLOW_TOPIC_ENRICHED": f"s{run}-enriched",
             "NEWSFLOW_TOPIC_DEAD": f"s{run}-dead", "NEWSFLOW_TOPIC_PREFIX": f"s{run}-internal.",
             "NEWSFLOW_APP_ID": f"app{run}"}
    kafka("start")
    try:
        # What a worker needs: its topics (here all under one prefix), its groups and its
        # transactional ids (both `<app_id>.`); a crawler writes raw items, a reader reads articles.
        kafka("acls", "--add", "--allow-principal", "User:worker", "--operation", "All",
              "--resource-pattern-type", "prefixed", "--topic", f"s{run}-",
              "--group", f"app{run}.", "--transactional-id", f"app{run}.")
        kafka("acls", "--add", "--allow-principal", "User:crawler", "--operation", "Write", "--operation", "Describe",
              "--topic", names["NEWSFLOW_TOPIC_RAW"])
        kafka("acls", "--add", "--allow-principal", "User:reader", "--operation", "Read", "--operation", "Describe",
              "--topic", names["NEWSFLOW_TOPIC_ENRICHED"])
        env = {**os.environ, **names, "NEWSFLOW_BROKER": f"127.0.0.1:{port}", "NEWSFLOW_SECURITY_PROTOCOL": "SASL_SSL",
               "NEWSFLOW_SSL_CAFILE": str(d / "ca.pem"), "NEWSFLOW_PARTITIONS": "1"}
        asyncio.run(ensure_topics(_as(env, "admin")))
        yield env
    finally:
        kafka("stop")


def _as(env: dict, user: str, password: str | None = None) -> Settings:
    return Settings.from_env({**env, "NEWSFLOW_SASL_USERNAME": user, "NEWSFLOW_SASL_PASSWORD": password or USERS[user]})


def _env_of(env: dict, user: str, password: str | None = None) -> dict:
    return {**env, "NEWSFLOW_SASL_USERNAME": user, "NEWSFLOW_SASL_PASSWORD": password or USERS[user]}


def _publish(env: dict, path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsflow.cli", "publish", "--quiet", str(path)],
                          env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)


async def _can_read(s: Settings, topic: str) -> bool:
    """Whether a record of the (non-empty) topic comes back: a topic the principal may not
    read yields none (aiokafka logs "not authorized" and keeps trying) or raises."""
    c = consumer(s, group_id=None, request_timeout_ms=10000)
    await connect(c, s)
    try:
        c.assign([TopicPartition(topic, 0)])
        await c.seek_to_beginning()
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            if any((await c.getmany(timeout_ms=1000)).values()):
                return True
        return False
    except KafkaError as exc:
        assert "Authorization" in type(exc).__name__, exc
        return False
    finally:
        await c.stop()


async def _can_write(s: Settings, topic: str) -> bool:
    p = producer(s, request_timeout_ms=10000)
    try:
        await connect(p, s)
        await asyncio.wait_for(p.send_and_wait(topic, b"{}"), 20)
        return True
    except KafkaError as exc:
        assert "Authorization" in type(exc).__name__, exc
        return False
    finally:
        await p.stop()


def test_the_whole_flow_runs_through_the_secured_listener(secure, tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps(ITEM) + "\n")
    worker_env = {**_env_of(secure, "worker"), "NEWSFLOW_PROCESSES": "1", "NEWSFLOW_METRICS_PORT": str(free_port()),
                  "NEWSFLOW_STATE_DIR": str(tmp_path / "state"), "NEWSFLOW_LOG_FORMAT": "json",
                  "NEWSFLOW_SESSION_TIMEOUT": "10"}
    worker = Worker(worker_env, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        done = _publish(_env_of(secure, "crawler"), items)
        assert done.returncode == 0, done.stderr

        async def first_article() -> list[dict]:
            reader = await TopicReader(_as(secure, "reader"), secure["NEWSFLOW_TOPIC_ENRICHED"],
                                       from_beginning=True).start()
            try:
                return [r async for r in reader.records(limit=1, timeout=120)]
            finally:
                await reader.stop()

        [article] = asyncio.run(first_article())
        assert article["id"] == "secure-1" and article["entities"]
        _, metrics = worker.get("/metrics")
    finally:
        worker.stop()
    log = worker.log.read_text()
    assert log.strip(), "the worker logged nothing"
    for secret in USERS.values():
        assert secret not in log and secret.encode() not in metrics


def test_a_wrong_password_fails_fast_with_one_line(secure, tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps(ITEM) + "\n")
    started = time.monotonic()
    done = _publish(_env_of(secure, "crawler", "not-the-password"), items, timeout=60)
    took = time.monotonic() - started
    assert done.returncode != 0 and took < 20, (took, done.stderr)
    [line] = done.stderr.strip().splitlines()
    assert "authentication of user 'crawler' failed" in line and "not-the-password" not in line


def test_acls_let_each_principal_do_only_its_job(secure):
    raw, enriched = secure["NEWSFLOW_TOPIC_RAW"], secure["NEWSFLOW_TOPIC_ENRICHED"]
    crawler, reader = _as(secure, "crawler"), _as(secure, "reader")
    assert asyncio.run(_can_write(_as(secure, "admin"), enriched))  # something to read
    assert asyncio.run(_can_write(crawler, raw))
    assert not asyncio.run(_can_read(crawler, enriched))
    assert asyncio.run(_can_read(reader, enriched))
    assert not asyncio.run(_can_read(reader, raw))
    assert not asyncio.run(_can_write(reader, enriched))
