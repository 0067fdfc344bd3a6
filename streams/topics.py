"""Every topic newsflow reads or writes, declared in one place."""
from __future__ import annotations

from typing import NamedTuple

import faust

from streams.config import Settings


class Topics(NamedTuple):
    raw: faust.TopicT  # crawlers -> newsflow
    extracted: faust.TopicT  # extract -> language
    languaged: faust.TopicT  # language -> segment
    segmented: faust.TopicT  # segment -> entities
    enriched: faust.TopicT  # newsflow -> consumers
    dead: faust.TopicT  # anything that could not be processed

    @classmethod
    def declare(cls, app: faust.App, s: Settings) -> "Topics":
        def topic(name: str) -> faust.TopicT:
            return app.topic(name, key_type=bytes, value_type=bytes, partitions=s.partitions)

        return cls(
            raw=topic(s.topic_raw),
            extracted=topic(f"{s.topic_prefix}extracted"),
            languaged=topic(f"{s.topic_prefix}languaged"),
            segmented=topic(f"{s.topic_prefix}segmented"),
            enriched=topic(s.topic_enriched),
            dead=topic(s.topic_dead),
        )
