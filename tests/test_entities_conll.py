"""Issue 6's accuracy target, measured the way the shared grader documents it: every CoNLL-2003
valid sentence through `newsflow enrich --stages language,segment,entities` (the grader's
`newsflow_adapter.py ner`), scored by the grader's own `score`. About 30 s."""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

EVAL = SHARED / "eval"
VALID = SHARED / "data" / "conll2003" / "valid.txt"
pytestmark = pytest.mark.skipif(not VALID.is_file(), reason=f"{VALID} not found (../shared is not here)")


@pytest.fixture(scope="module")
def grader():
    sys.path.insert(0, str(EVAL))
    try:
        import eval_conll
    finally:
        sys.path.remove(str(EVAL))
    return eval_conll


def test_the_stage_scores_093_on_conll_valid_sentences_through_newsflow_enrich(grader, monkeypatch):
    newsflow = Path(sys.executable).with_name("newsflow")
    monkeypatch.setenv("NF_BIN", str(newsflow))
    monkeypatch.chdir(EVAL)
    units = grader.load_units(str(VALID), "sentence")
    cmd = f"{shlex.quote(sys.executable)} newsflow_adapter.py ner"
    preds = grader.CmdPredictor(cmd).predict([(u.uid, u.text) for u in units])
    res = grader.score(units, preds)
    assert len(preds) == len(units)  # every sentence came back
    assert res["micro"]["f1"] >= 0.93, res["micro"]
    assert min(res["per_type"][t]["f1"] for t in ("PER", "LOC", "ORG", "MISC")) >= 0.88, res["per_type"]
