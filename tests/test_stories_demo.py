"""The demo's story grouping: the two seed items (the Kosovo talks of 20 November 2007) in one
story, the other samples each in their own."""
from __future__ import annotations

import orjson

from newsflow.agents import STAGE_ORDER, build_stages
from newsflow.agents.pipeline import Envelope, enrich_batch
from newsflow.demo import story_lines, with_stories
from newsflow.schemas import Article
from newsflow.schemas.codec import encode
from newsflow.streams.config import Settings


def test_the_demo_runs_the_stories_stage_whatever_else_is_on():
    assert with_stories(Settings()).optional_stages == "stories"
    assert with_stories(Settings(optional_stages="stories")).optional_stages == "stories"


def test_the_demo_items_group_the_two_seeds_in_one_story(demo_items):
    stages = build_stages(STAGE_ORDER)
    outcomes = enrich_batch([stages[n] for n in STAGE_ORDER], [Envelope(p, offset=i) for i, p in enumerate(demo_items)])
    articles = [orjson.loads(encode(o)) for o in outcomes if isinstance(o, Article)]
    lines = story_lines(articles)
    [seeds] = [line for line in lines if "seed-bbc-kosovo" in line]
    assert "seed-wire-stories#1 (" in seeds  # joined, with its score and what it shares
    assert seeds == lines[0]
    assert len(lines) == len({a["story_id"] for a in articles}) and len(lines) < len(articles)
