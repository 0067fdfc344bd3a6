"""`newsflow demo` runs the stories stage and shows the two seed items in one story."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.broker


def test_the_demo_prints_the_seeds_in_one_story(pipeline_env, tmp_path):
    run = pipeline_env["NEWSFLOW_TOPIC_RAW"].removeprefix("raw-items-")
    env = {**pipeline_env, "NEWSFLOW_TOPIC_STORIES": f"stories-{run}"}
    demo = subprocess.run([sys.executable, "-m", "newsflow.cli", "demo"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    grouping = demo.stdout.split("stories (articles about one event share one):\n", 1)[1].split("\n\n", 1)[0]
    first, *others = grouping.splitlines()
    assert "seed-bbc-kosovo" in first and "seed-wire-stories#1 (" in first, grouping
    assert others and not any("seed-bbc-kosovo" in line for line in others)
    assert "in 6 items = 5 enriched (as 9 articles) + 1 dead-lettered" in demo.stdout
