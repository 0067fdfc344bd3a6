"""The broker-free parts of the operator commands: time filters, what `status` makes of dead
letters, its table and JSON, replay's ledger keys, and the broker's recorded address."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from newsflow import broker
from newsflow.dead_letters import Letter, since_ms
from newsflow.replay import Selection, ledger_key, ready, selected
from newsflow.status import LastError, Member, StageLag, Status, as_json, recent, render
from newsflow.streams.admin import TopicDetail
from newsflow.streams.config import Settings
from newsflow.topics_cmd import render_topics

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc).timestamp()


def _letter(offset: int, at_s: float, stage: str, reason: str, **body) -> Letter:
    return Letter(0, offset, int(at_s * 1000), {"stage": stage, "reason": reason, "error": f"{reason} here", **body})


@pytest.mark.parametrize("text, expected", [
    ("1h", NOW - 3600), ("30m", NOW - 1800), ("2d", NOW - 2 * 86400), ("90s", NOW - 90),
    ("2024-05-01T11:00", NOW - 3600), ("2024-05-01T11:00:00Z", NOW - 3600), ("2024-05-01T13:00+02:00", NOW - 3600),
])
def test_since_reads_spans_and_iso_times(text, expected):
    assert since_ms(text, now=NOW) == int(expected * 1000)


@pytest.mark.parametrize("text", ["yesterday", "1w", "-1h", ""])
def test_since_refuses_other_text_with_the_accepted_forms(text):
    with pytest.raises(ValueError, match="ISO time"):
        since_ms(text, now=NOW)


def test_recent_counts_the_last_hour_and_keeps_each_stages_newest_letter():
    since = int((NOW - 3600) * 1000)
    letters = [  # oldest first, as read_letters returns them
        _letter(0, NOW - 7200, "ingest", "invalid-json", id="old"),
        _letter(1, NOW - 600, "ingest", "too-large", id="a"),
        _letter(2, NOW - 500, "entities", "timeout", id="b"),
        _letter(3, NOW - 400, "ingest", "too-large", id="c"),
        _letter(4, NOW - 300, "ingest", "invalid-json", id="d"),
    ]
    reasons, last = recent(letters, since)
    assert reasons == {"too-large": 2, "timeout": 1, "invalid-json": 1}  # the two-hour-old letter is left out
    assert list(reasons)[0] == "too-large"  # most frequent first
    assert last["ingest"].id == "d" and last["ingest"].reason == "invalid-json"
    assert last["entities"] == LastError("2024-05-01T11:51:40Z", "timeout", "timeout here", "b")


def _status() -> Status:
    settings = Settings()
    topics = [TopicDetail(n, 3, 1, settings.topic_config(n)) for n in (settings.topic_raw, settings.topic_dead)]
    stages = [StageLag("extract", settings.topic_raw, "newsflow.extract", 5, 40,
                       [Member("faust-1", "10.0.0.7"), Member("faust-2", "10.0.0.8")]),
              StageLag("language", "newsflow.extract", "newsflow.language", 0, 35, [])]
    return Status(topics, ["enriched-articles"], stages, 7, {"timeout": 2},
                  {"entities": LastError("2024-05-01T11:00:00Z", "timeout", "took\n 31 s", "x-1")})


def test_render_shows_configs_lag_workers_and_recent_failures():
    settings = Settings()
    out = render(settings, _status())
    dead_row = next(l.split() for l in out.splitlines() if l.startswith(settings.topic_dead))
    assert dead_row[1:3] == ["3", "1"] and dead_row[5] == f"{max(settings.dead_retention_hours, 168)}h"
    assert "enriched-articles" in out and "missing" in out
    extract = next(l.split() for l in out.splitlines() if l.startswith("extract "))
    assert extract[3:] == ["5", "40", "2"]  # lag, end offset, workers
    assert "extract worker: faust-2 on 10.0.0.8" in out
    assert "last hour by reason: timeout 2" in out
    assert "last error in entities: 2024-05-01T11:00:00Z timeout (item x-1): took 31 s" in out


def test_json_carries_the_same_facts():
    facts = json.loads(json.dumps(as_json(Settings(), _status())))
    assert facts["missing_topics"] == ["enriched-articles"]
    assert facts["stages"][0]["workers"] == [{"client_id": "faust-1", "host": "10.0.0.7"},
                                             {"client_id": "faust-2", "host": "10.0.0.8"}]
    assert facts["topics"][0]["configs"]["retention.ms"] == Settings().topic_config("raw-items")["retention.ms"]
    assert facts["dead_letters_last_hour"] == {"timeout": 2} and facts["last_error"]["entities"]["id"] == "x-1"


def test_topic_table_marks_configs_the_broker_lacks():
    lines = render_topics([TopicDetail("t", 1, 3, {"retention.ms": "-1"})], [])
    assert lines[1].split() == ["t", "1", "3", "-", "-", "forever", "-"]


def test_ledger_keys_are_coordinates_not_contents():
    same = {"payload_b64": "eyJ9", "topic": "raw-items"}
    first, second = _letter(4, NOW, "ingest", "invalid-json", **same), _letter(9, NOW, "ingest", "invalid-json", **same)
    s = Settings()
    assert ledger_key(s, first) == f"{s.topic_dead}:0:4".encode() and ledger_key(s, first) != ledger_key(s, second)
    bare = _letter(5, NOW, "ingest", "invalid-json")
    assert ready([first, bare]) == [first]
    assert selected([first, bare], Selection(stages=frozenset({"entities"}))) == []


def test_broker_start_records_its_address_and_status_prints_it(tmp_path, monkeypatch, capfd):
    script = tmp_path / "kafka.sh"
    script.write_text('echo "kafka.sh $*"\n')
    monkeypatch.setattr(broker, "SCRIPT", script)
    monkeypatch.setattr(broker, "is_reachable", lambda settings: True)
    settings = Settings(broker="127.0.0.1:19092", state_dir=str(tmp_path / "state"))
    assert broker.recorded_address(settings) is None
    assert broker.run("start", settings) == 0
    assert (tmp_path / "state" / "kafka" / "address").read_text() == "127.0.0.1:19092\n"
    assert broker.run("status", settings) == 0
    assert "address 127.0.0.1:19092" in capfd.readouterr().out
    assert broker.run("tools", settings, "kafka-consumer-groups", "--describe", "--all-groups") == 0
    assert "kafka.sh tools kafka-consumer-groups --describe --all-groups" in capfd.readouterr().out
