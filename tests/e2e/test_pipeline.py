"""The whole flow through the real broker: raw-items -> ... -> enriched-articles / dead-letters."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import jsonschema
import pytest
from prometheus_client.parser import text_string_to_metric_families

from newsflow.tail import TopicReader
from tests.conftest import ROOT as REPO_ROOT
from tests.test_schemas import SCHEMAS

pytestmark = pytest.mark.broker


async def _read(bootstrap: str, topic: str, n: int, timeout: float) -> list[dict]:
    reader = await TopicReader([bootstrap], topic, from_beginning=True).start()
    try:
        out: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(out) < n and time.monotonic() < deadline:
            async for record in reader.records(limit=n - len(out), timeout=1.0):
                out.append(record)
        return out
    finally:
        await reader.stop()


def _publish(env: dict, path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "publish", "--quiet", str(path)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )


def _metric(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    raise AssertionError(f"{name}{labels} not in /metrics")


def test_seeds_and_a_bad_record_end_to_end(pipeline_env, start_worker, bbc_text, wire_text, tmp_path):
    worker = start_worker()
    worker.wait_ready()

    items = tmp_path / "items.jsonl"
    items.write_text(
        json.dumps({"id": "bbc", "source": "bbc", "fetched_at": "2007-11-20T20:00:00Z", "text": bbc_text}) + "\n"
        + json.dumps({"id": "wire", "source": "wire", "text": wire_text}) + "\n"
        + '{"id": "bad", "text": "cut off mid-wr\n'
    )
    published = _publish(pipeline_env, items)
    assert published.returncode == 0, published.stderr
    assert "sent 3, failed 0" in published.stderr

    broker = pipeline_env["NEWSFLOW_BROKER"]
    # The wire seed holds five stories run together: extract splits it into wire#1..wire#5.
    enriched = asyncio.run(_read(broker, pipeline_env["NEWSFLOW_TOPIC_ENRICHED"], 6, 120))
    dead = asyncio.run(_read(broker, pipeline_env["NEWSFLOW_TOPIC_DEAD"], 1, 30))
    assert len(enriched) == 6, worker.log.read_text()[-3000:]
    assert len(dead) == 1

    by_id = {a["id"]: a for a in enriched}
    assert set(by_id) == {"bbc", *(f"wire#{i}" for i in range(1, 6))}
    bbc = by_id["bbc"]
    # Boilerplate lines are dropped whole: the body is the story's lines, verbatim.
    assert bbc["body"].startswith("Serbian and Kosovo Albanian leaders have failed")
    assert "One-Minute World News" not in bbc["body"]
    assert all(line in bbc_text for line in bbc["body"].splitlines())
    assert bbc["title"] == "No agreement in Kosovo discussion"
    assert bbc["language"]["code"] == "en" and bbc["language"]["confidence"] > 0.5
    assert len(bbc["sentences"]) > 20
    for s in bbc["sentences"]:
        assert bbc["body"][s["start"] : s["end"]].strip() == bbc["body"][s["start"] : s["end"]] != ""
    ents = {(e["text"], e["label"]) for e in bbc["entities"]}
    assert ("Kosovo", "LOC") in ents and ("Hashim Thaci", "PER") in ents
    for e in bbc["entities"]:
        assert bbc["body"][e["start"] : e["end"]] == e["text"]
    assert set(bbc["processing"]["stage_ms"]) == {"extract", "language", "segment", "entities"}
    assert "Kosovo" in {e["text"] for e in by_id["wire#1"]["entities"]}

    [letter] = dead
    assert letter["reason"] == "invalid-json" and letter["stage"] == "ingest"
    assert letter["topic"] == pipeline_env["NEWSFLOW_TOPIC_RAW"] and letter["offset"] is not None
    for record in enriched + dead:
        jsonschema.validate(record, SCHEMAS[record["schema"]])

    status, body = worker.get("/metrics")
    metrics = body.decode()
    assert status == 200
    counted_in = _metric(metrics, "newsflow_stage_items_in_total", stage="enrich")  # the fused agent
    counted_out = _metric(metrics, "newsflow_stage_items_out_total", stage="enrich")
    counted_dead = _metric(metrics, "newsflow_dead_letters_total", stage="ingest", reason="invalid-json")
    assert (counted_in, counted_out, counted_dead) == (3, 6, 1)
    # Every item in is accounted for: as articles (one per story) or as a dead letter.
    assert len({a["id"].split("#")[0] for a in enriched}) + len(dead) == 3
    assert _metric(metrics, "newsflow_end_to_end_seconds_count") == 6  # one per article written
    assert worker.get("/healthz")[0] == 200
    assert worker.stop() == 0


def test_tail_prints_what_the_pipeline_wrote(pipeline_env, start_worker, tmp_path):
    worker = start_worker()
    items = tmp_path / "one.jsonl"
    items.write_text(json.dumps({"id": "short", "text": "The EU met in Brussels on Tuesday."}) + "\n")
    assert _publish(pipeline_env, items).returncode == 0
    tail = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "tail", "--from-beginning", "--limit", "1", "--timeout", "150"],
        env=pipeline_env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=200,
    )
    assert tail.returncode == 0, tail.stderr
    [line] = tail.stdout.splitlines()
    article = json.loads(line)
    assert article["id"] == "short" and article["language"]["code"] == "en"
    assert {"EU", "Brussels"} <= {e["text"] for e in article["entities"]}
    worker.stop()


def test_stages_split_across_two_workers(pipeline_env, start_worker, tmp_path):
    """Unfused, each stage is its own agent: two workers in one group, each running half the flow."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        second_port = s.getsockname()[1]
    split = {**pipeline_env, "NEWSFLOW_FUSED": "false"}
    front = start_worker("--stages", "extract,language", env=split)
    back = start_worker("--stages", "segment,entities", env={**split, "NEWSFLOW_METRICS_PORT": str(second_port)})
    items = tmp_path / "two.jsonl"
    items.write_text(json.dumps({"id": "split", "text": "Nato troops left Kosovo. Serbia protested."}) + "\n")
    assert _publish(split, items).returncode == 0
    [article] = asyncio.run(_read(pipeline_env["NEWSFLOW_BROKER"], pipeline_env["NEWSFLOW_TOPIC_ENRICHED"], 1, 150))
    assert set(article["processing"]["stage_ms"]) == {"extract", "language", "segment", "entities"}
    front_metrics = front.get("/metrics")[1].decode()
    back_metrics = back.get("/metrics")[1].decode()
    assert _metric(front_metrics, "newsflow_stage_items_out_total", stage="language") == 1
    assert "stage=\"entities\"" not in front_metrics
    assert _metric(back_metrics, "newsflow_stage_items_out_total", stage="entities") == 1


def test_hostile_input_is_dead_lettered_with_reasons_and_the_worker_goes_on(pipeline_env, start_worker, tmp_path):
    env = {**pipeline_env, "NEWSFLOW_MAX_ITEM_BYTES": "20000"}
    worker = start_worker(env=env)
    worker.wait_ready()
    items = tmp_path / "hostile.jsonl"
    items.write_bytes(b"\n".join([
        b"\xff\xfe\x00\x01 not utf-8",
        b"[1, 2, 3]",
        json.dumps({"id": "huge", "text": "word " * 10000}).encode(),
        json.dumps({"id": "blank", "text": "   \n\n  "}).encode(),
        json.dumps({"id": "nul", "text": "ab\u0000\u0001\u0002cd" * 20}).encode(),
        json.dumps({"id": "html-junk", "html": "<html><body><div><img src='x.png'></div></body></html>"}).encode(),
        json.dumps({"id": "after", "text": "The talks in Vienna ended on Tuesday without a deal."}).encode(),
    ]) + b"\n")
    assert _publish(pipeline_env, items).returncode == 0
    broker = env["NEWSFLOW_BROKER"]
    dead = asyncio.run(_read(broker, env["NEWSFLOW_TOPIC_DEAD"], 6, 120))
    [after] = asyncio.run(_read(broker, env["NEWSFLOW_TOPIC_ENRICHED"], 1, 60))
    reasons = sorted(d["reason"] for d in dead)
    assert reasons == sorted(
        ["invalid-encoding", "not-an-object", "too-large", "empty-body", "binary-content", "empty-extraction"]
    )
    by_reason = {d["reason"]: d for d in dead}
    assert by_reason["too-large"]["id"] == "huge" and by_reason["too-large"]["payload_b64"]
    assert by_reason["empty-body"]["id"] == "blank"
    assert after["id"] == "after" and worker.proc.poll() is None
    for record in dead + [after]:
        jsonschema.validate(record, SCHEMAS[record["schema"]])
