"""The `newsflow` command: worker, publish, tail, enrich, demo, broker."""
from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Optional

from streams.config import Settings


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        broker=getattr(args, "broker", None),
        metrics_port=getattr(args, "metrics_port", None),
        log_level=getattr(args, "log_level", None),
        log_format=getattr(args, "log_format", None),
    )


def cmd_worker(args: argparse.Namespace) -> int:
    from agents import parse_stage_list
    from streams.worker import run_worker

    run_worker(_settings(args), parse_stage_list(args.stages))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from newsflow.publish import iter_items, publish

    payloads = list(iter_items(args.paths))
    sent, failed = asyncio.run(publish(_settings(args), payloads, progress=not args.quiet))
    print(f"sent {sent}, failed {failed}", file=sys.stderr)
    return 0 if failed == 0 else 1


def cmd_tail(args: argparse.Namespace) -> int:
    from newsflow.render import pretty
    from newsflow.tail import TopicReader
    from schemas.codec import encode

    settings = _settings(args)
    topic = settings.topic_dead if args.dead_letters else settings.topic_enriched

    async def go() -> None:
        reader = await TopicReader(settings.bootstrap, topic, from_beginning=args.from_beginning).start()
        try:
            async for record in reader.records(limit=args.limit, timeout=args.timeout):
                line = pretty(record) + "\n" if args.pretty else encode(record).decode()
                print(line, flush=True)
        finally:
            await reader.stop()

    try:
        asyncio.run(go())
    except KeyboardInterrupt:
        pass
    return 0


def cmd_enrich(args: argparse.Namespace) -> int:
    from newsflow import logs
    from newsflow.enrich import run

    settings = Settings.from_env()
    logs.setup(args.log_level or "warning", args.log_format or "json")
    source = sys.stdin.buffer if args.file in (None, "-") else open(args.file, "rb")
    dead = open(args.dead_letters, "wb") if args.dead_letters else sys.stderr.buffer
    try:
        ok, failed = run(
            source, sys.stdout.buffer, dead, stages=args.stages, batch_size=args.batch_size,
            ner_model=settings.ner_model or None, ner_models=settings.ner_models,
            tokens=settings.tokens and not args.no_tokens,
            max_item_bytes=settings.max_item_bytes,
        )
    except (ValueError, FileNotFoundError) as exc:  # an unknown stage name, a missing model
        print(f"newsflow enrich: {exc}", file=sys.stderr)
        return 2
    finally:
        if source is not sys.stdin.buffer:
            source.close()
        if dead is not sys.stderr.buffer:
            dead.close()
    if not args.quiet:
        print(f"enriched {ok}, dead-lettered {failed}", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from newsflow.demo import run_demo

    return run_demo(_settings(args))


def cmd_broker(args: argparse.Namespace) -> int:
    from newsflow.broker import run

    return run(args.action, _settings(args))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="newsflow", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--broker", help="Kafka bootstrap servers (env NEWSFLOW_BROKER, default 127.0.0.1:9092)")
    common.add_argument("--log-level", help="env NEWSFLOW_LOG_LEVEL, default info")
    common.add_argument("--log-format", choices=["json", "text"], help="env NEWSFLOW_LOG_FORMAT, default json")
    sub = p.add_subparsers(dest="command", required=True)

    w = sub.add_parser("worker", parents=[common], help="run the Faust worker (all stages or --stages)")
    w.add_argument("--stages", default="all", help="comma-separated subset of extract,language,segment,entities")
    w.add_argument("--metrics-port", type=int, help="/metrics, /healthz, /readyz (env NEWSFLOW_METRICS_PORT, 9108)")
    w.set_defaults(func=cmd_worker)

    pub = sub.add_parser("publish", parents=[common], help="send raw items (JSONL, .txt, .html, dirs, -) to raw-items")
    pub.add_argument("paths", nargs="+")
    pub.add_argument("--quiet", action="store_true", help="no progress bar")
    pub.set_defaults(func=cmd_publish)

    t = sub.add_parser("tail", parents=[common], help="print enriched articles (or --dead-letters)")
    t.add_argument("--from-beginning", action="store_true")
    t.add_argument("--limit", type=int)
    t.add_argument("--timeout", type=float, help="stop after this many idle seconds")
    t.add_argument("--pretty", action="store_true", help="readable summary instead of JSONL")
    t.add_argument("--dead-letters", action="store_true", help="tail dead-letters instead")
    t.set_defaults(func=cmd_tail)

    e = sub.add_parser("enrich", parents=[common], help="run the stages in-process on JSONL raw items, no Kafka")
    e.add_argument("file", nargs="?", default="-")
    e.add_argument("--stages", default="all", help="comma-separated subset of extract,language,segment,entities")
    e.add_argument("--dead-letters", metavar="PATH", help="write dead letters here instead of stderr")
    e.add_argument("--batch-size", type=int, default=64)
    e.add_argument("--quiet", action="store_true", help="no summary line on stderr")
    e.add_argument("--no-tokens", action="store_true", help="leave out token offsets (env NEWSFLOW_TOKENS=0)")
    e.set_defaults(func=cmd_enrich)

    d = sub.add_parser("demo", parents=[common], help="broker + worker + sample items, printed; then stop")
    d.set_defaults(func=cmd_demo)

    b = sub.add_parser("broker", parents=[common], help="the embedded single-node Kafka (KRaft) broker")
    b.add_argument("action", choices=["start", "stop", "status", "reset"])
    b.set_defaults(func=cmd_broker)
    return p


def main(argv: Optional[list[str]] = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
