"""The offline side of the CLI: enrich (no broker) and how publish reads its inputs."""
import json
import subprocess
import sys

import orjson
import pytest

from newsflow.agents import STAGE_ORDER
from newsflow.inputs import iter_items
from tests.conftest import ROOT


def _enrich(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "enrich", *args], input=stdin, capture_output=True, cwd=ROOT
    )


def test_enrich_keeps_order_and_dead_letters_bad_lines_on_stderr():
    lines = [
        json.dumps({"id": "a", "text": "Le gouvernement a annoncé mardi une réforme."}),
        "{broken",
        json.dumps({"id": "c", "text": "The talks in Vienna ended without a deal."}),
    ]
    done = _enrich("-", "--stages", "language,segment", stdin="\n".join(lines).encode())
    assert done.returncode == 0
    out = [orjson.loads(l) for l in done.stdout.splitlines()]
    assert [a["id"] for a in out] == ["a", "c"]
    assert [a["language"]["code"] for a in out] == ["fr", "en"]
    [dead] = [orjson.loads(l) for l in done.stderr.splitlines() if l.startswith(b"{")]
    assert dead["reason"] == "invalid-json" and dead["offset"] == 2 and dead["topic"] == "-"


def test_enrich_refuses_unknown_stages():
    done = _enrich("-", "--stages", "language,sentiment")
    assert done.returncode == 2 and b"unknown stage" in done.stderr


def test_publish_reads_jsonl_verbatim_and_text_files_as_items(tmp_path):
    (tmp_path / "feed.jsonl").write_bytes(b'{"id": "x", "text": "hi"}\n\n{broken\n')
    (tmp_path / "story.txt").write_text("A story.\n", encoding="utf-8")
    (tmp_path / "page.html").write_text("<p>Hi</p>", encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignored in a directory")
    items = [i.payload for i in iter_items([str(tmp_path)])]
    assert b'{"id": "x", "text": "hi"}' in items and b"{broken" in items
    files = [orjson.loads(i) for i in items if i.startswith(b"{") and b'"source":"file"' in i]
    by_id = {f["id"].rsplit("/", 1)[-1]: f for f in files}
    assert by_id["story.txt"]["text"] == "A story.\n" and by_id["page.html"]["html"] == "<p>Hi</p>"
    assert len(items) == 4


def test_publish_rejects_an_unknown_file_named_explicitly(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("x")
    with pytest.raises(ValueError):
        list(iter_items([str(path)]))


def _without_timing(line: bytes) -> dict:
    record = orjson.loads(line)
    if "processing" in record:
        record["processing"].pop("stage_ms", None)
        record["processing"].pop("received_at", None)
    record.pop("failed_at", None)
    return record


def test_enrich_in_two_processes_gives_the_same_lines_in_the_same_order():
    demo = str(ROOT / "newsflow" / "demo_items.jsonl")
    every = ",".join(STAGE_ORDER)  # stories too: its state must see every item, in order, in one process
    one = _enrich(demo, "--jobs", "1", "--batch-size", "2", "--stages", every)
    two = _enrich(demo, "--jobs", "2", "--batch-size", "2", "--stages", every)
    assert one.returncode == two.returncode == 0, two.stderr[-2000:]
    assert len(one.stdout.splitlines()) == 9
    assert [_without_timing(l) for l in one.stdout.splitlines()] == [_without_timing(l) for l in two.stdout.splitlines()]
    assert len({orjson.loads(l)["story_id"] for l in two.stdout.splitlines()}) < 9  # the wire stories share one
    dead = [l for l in two.stderr.splitlines() if l.startswith(b"{")]
    assert len(dead) == 1 and b"invalid-json" in dead[0]


def test_enrich_names_a_missing_file_in_one_line():
    done = _enrich("no-such.jsonl")
    assert done.returncode == 2 and done.stderr.decode().strip() == "newsflow enrich: no-such.jsonl: no such file or directory"


def test_publish_to_no_broker_is_one_line(tmp_path):
    item = tmp_path / "one.jsonl"
    item.write_text('{"id": "x", "text": "hi"}\n')
    done = subprocess.run([sys.executable, "-m", "newsflow.cli", "publish", str(item), "--quiet",
                           "--broker", "127.0.0.1:1"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 1 and done.stderr.strip().count("\n") == 0, done.stderr
    assert "no Kafka broker answers at 127.0.0.1:1" in done.stderr
