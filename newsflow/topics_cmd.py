"""`newsflow topics create|describe`: newsflow's topics with the configs it sets explicitly.

`create` is the worker's own `ensure_topics`, so topics made ahead of the first worker (by an
operator whose principal may create topics when the workers' may not) are the same topics.
The table is `status`'s too.
"""
from __future__ import annotations

from newsflow.streams.admin import TopicDetail, admin_client, connect, describe_topics
from newsflow.streams.config import Settings
from newsflow.streams.topics import topic_names

COLUMNS = ("compression.type", "max.message.bytes", "retention.ms", "min.insync.replicas")


async def describe(s: Settings) -> tuple[list[TopicDetail], list[str]]:
    """(the topics that exist, the names of those missing)."""
    admin = admin_client(s)
    await connect(admin, s)
    try:
        found = await describe_topics(admin, s)
    finally:
        await admin.close()
    return found, missing(s, found)


def missing(s: Settings, found: list[TopicDetail]) -> list[str]:
    have = {t.name for t in found}
    return [n for n in topic_names(s) if n not in have]


def shown(config: str, value: str | None) -> str:
    if value is None:
        return "-"
    if config == "retention.ms" and value.lstrip("-").isdigit():
        hours = int(value) / 3_600_000
        return "forever" if int(value) < 0 else f"{hours:g}h"
    return value


def render_topics(found: list[TopicDetail], absent: list[str]) -> list[str]:
    width = max([len(t.name) for t in found] + [len(n) for n in absent] + [5])
    lines = [f"{'topic':<{width}} {'partitions':>10} {'replicas':>8} {'compression':>12} "
             f"{'max.message.bytes':>17} {'retention':>9} {'min.isr':>7}"]
    for t in found:
        c = [shown(k, t.configs.get(k)) for k in COLUMNS]
        lines.append(f"{t.name:<{width}} {t.partitions:>10} {t.replicas:>8} {c[0]:>12} {c[1]:>17} {c[2]:>9} {c[3]:>7}")
    for name in absent:
        lines.append(f"{name:<{width}} missing (created by `newsflow topics create`, `worker` or `publish`)")
    return lines
