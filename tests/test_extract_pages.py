"""The HTML path on real pages from ../shared (skipped when it is absent): the fast pass
and its fallback keep the article and leave the page around it, as the benchmark measures."""
import gzip
import json
import re
from collections import Counter

import pytest

from newsflow.agents.extract import extract
from newsflow.schemas import RawItem
from tests.conftest import SHARED

DATA = SHARED / "data" / "extraction" / "scrapinghub_aeb.jsonl.gz"
_WORD = re.compile(r"\w+")


def _shingles(text: str) -> Counter:
    toks = _WORD.findall(text)
    return Counter(tuple(toks[i : i + 4]) for i in range(max(len(toks) - 3, 1)))


@pytest.fixture(scope="module")
def pages():
    if not DATA.exists():
        pytest.skip("../shared is absent")
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        return [json.loads(line) for _, line in zip(range(30), f)]


def test_real_pages_keep_the_article(pages):
    precisions, recalls = [], []
    for page in pages:
        article = extract(RawItem(id=page["id"], url=page["url"], html=page["html"]))
        assert article.processing.extract.method in ("fast", "trafilatura")
        assert 0 < article.processing.extract.kept_ratio < 1
        got, want = _shingles(article.body), _shingles(page["text"])
        tp = sum((got & want).values())
        precisions.append(tp / max(sum(got.values()), 1))
        recalls.append(tp / max(sum(want.values()), 1))
    p, r = sum(precisions) / len(pages), sum(recalls) / len(pages)
    assert p > 0.9 and r > 0.9, (p, r)


def test_real_pages_give_metadata(pages):
    found = Counter()
    for page in pages:
        article = extract(RawItem(id=page["id"], url=page["url"], html=page["html"]))
        for field in ("title", "published_at", "author", "canonical_url", "site_name"):
            found[field] += getattr(article, field) is not None
    assert found["title"] == len(pages)
    assert found["published_at"] >= 0.8 * len(pages) and found["canonical_url"] >= 0.8 * len(pages)
    assert found["site_name"] >= 0.7 * len(pages) and found["author"] >= 0.4 * len(pages)
