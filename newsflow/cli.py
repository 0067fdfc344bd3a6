"""The `newsflow` command: worker, publish, tail, enrich, demo, status, replay, topics, broker."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from dataclasses import fields
from typing import Optional

from newsflow.agents import STAGE_ORDER
from newsflow.inputs import InputError
from newsflow.streams.config import Settings, env_name

_FLAGS = {f.metadata["flag"]: f for f in fields(Settings) if f.metadata.get("flag")}
_STAGES_HELP = f"comma-separated subset of {','.join(STAGE_ORDER)} (default: all but the optional ones)"


def _add_setting(parser: argparse.ArgumentParser, flag: str, *aliases: str) -> None:
    f = _FLAGS[flag]
    kind = {"int": int, "float": float}.get(str(f.type), str)
    parser.add_argument(flag, *aliases, dest=f.name, type=kind, help=f"{f.metadata['help']} (env {env_name(f)})")


def _processes(settings: Settings) -> int:
    return settings.processes or os.cpu_count() or 1


def _settings(args: argparse.Namespace) -> Settings:
    flags = {f.name: getattr(args, f.name, None) for f in _FLAGS.values()}
    return Settings.from_env(**flags, tokens=getattr(args, "tokens", None))


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.agents import parse_stage_list
    from newsflow.streams.topics import flow, hops_to_run

    stages = [spec.name for spec in flow(settings)] if args.stages == "all" else parse_stage_list(args.stages)
    hops_to_run(settings, stages)  # a selection that splits the fused agent is refused before any model loads
    if _processes(settings) > 1:
        from newsflow.streams.processes import run_processes

        return run_processes(settings, stages, _processes(settings))
    from newsflow.streams.worker import run_worker

    run_worker(settings, stages)
    return 0


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.inputs import iter_items
    from newsflow.publish import publish

    payloads = [i.payload for i in iter_items(args.paths)]
    sent, failed = asyncio.run(publish(settings, payloads, progress=not args.quiet))
    print(f"sent {sent}, failed {failed}", file=sys.stderr)
    return 0 if failed == 0 else 1


def cmd_tail(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.render import pretty
    from newsflow.schemas.codec import encode
    from newsflow.streams.admin import ensure_topics
    from newsflow.tail import TopicReader

    topic = settings.topic_dead if args.dead_letters else settings.topic_enriched

    async def go() -> None:
        await ensure_topics(settings)  # a tail started before the first worker waits instead of failing
        reader = await TopicReader(settings, topic, from_beginning=args.from_beginning).start()
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


def cmd_enrich(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow import logs
    from newsflow.enrich import run
    from newsflow.inputs import check_paths, iter_items

    logs.setup(args.log_level or "warning", settings.log_format)
    check_paths(args.paths)
    dead = open(args.dead_letters, "wb") if args.dead_letters else sys.stderr.buffer
    try:
        ok, failed = run(
            iter_items(args.paths), sys.stdout.buffer, dead, settings=settings, stages=args.stages,
            batch_size=args.batch_size or 64, jobs=_processes(settings),
        )
    finally:
        if dead is not sys.stderr.buffer:
            dead.close()
    if not args.quiet:
        print(f"enriched {ok}, dead-lettered {failed}", file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from newsflow.status import as_json, read_status, render

    status = asyncio.run(read_status(settings))
    print(json.dumps(as_json(settings, status)) if args.json else render(settings, status))
    return 0 if not status.missing else 3


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.dead_letters import read_letters, since_ms
    from newsflow.replay import Selection, describe, replay, selected

    since = since_ms(args.since) if args.since else None
    chosen = Selection(frozenset(args.reason or ()), frozenset(args.stage or ()), frozenset(args.id or ()))
    letters = selected(asyncio.run(read_letters(settings, since=since)), chosen)
    outcome = asyncio.run(replay(settings, letters, dry_run=args.dry_run, limit=args.limit))
    if outcome.sent:
        print(describe(outcome.sent), file=sys.stderr)
    verb = "would send" if args.dry_run else "sent"
    print(f"{verb} {len(outcome.sent)}, {outcome.already} already replayed, "
          f"{outcome.skipped} skipped (no bytes or topic)", file=sys.stderr)
    return 0


def cmd_topics(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.topics_cmd import describe, render_topics

    if args.action == "create":
        from newsflow.streams.admin import ensure_topics

        created = asyncio.run(ensure_topics(settings))
        print(f"created {len(created)} topics" + (f": {', '.join(created)}" if created else " (all there)"),
              file=sys.stderr)
    found, missing = asyncio.run(describe(settings))
    print("\n".join(render_topics(found, missing)))
    return 0 if not missing else 3


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    """The benchmarks live in the checkout's bench/ (they read ../shared/data), not in the wheel."""
    import subprocess
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "bench" / f"{args.name}.py"
    if not script.is_file():
        raise InputError(f"no benchmark {args.name!r} here: run it from a checkout of newsflow (bench/{args.name}.py)")
    return subprocess.run([sys.executable, str(script), *args.args]).returncode


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.demo import run_demo

    return run_demo(settings)


def cmd_broker(args: argparse.Namespace, settings: Settings) -> int:
    from newsflow.broker import run

    if args.args and args.action != "tools":
        raise ValueError(f"`broker {args.action}` takes no arguments")
    return run(args.action, settings, *args.args)


def parser() -> argparse.ArgumentParser:
    from newsflow import __version__

    p = argparse.ArgumentParser(prog="newsflow", description=__doc__)
    p.add_argument("--version", action="version", version=f"newsflow {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    for flag in ("--broker", "--security-protocol", "--sasl-mechanism", "--sasl-username", "--ssl-cafile",
                 "--log-level", "--log-format"):
        _add_setting(common, flag)
    sub = p.add_subparsers(dest="command", required=True)

    w = sub.add_parser("worker", parents=[common], help="run the Faust worker (all stages or --stages)")
    w.add_argument("--stages", default="all", help=_STAGES_HELP)
    _add_setting(w, "--metrics-port")
    _add_setting(w, "--processes")
    _add_setting(w, "--batch-size")
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

    e = sub.add_parser("enrich", parents=[common], help="run the stages in-process, no Kafka (JSONL, .txt, .html, dirs, -)")
    e.add_argument("paths", nargs="*", default=["-"], metavar="PATH", help="default: JSONL on stdin")
    e.add_argument("--stages", default="all", help=_STAGES_HELP)
    e.add_argument("--dead-letters", metavar="PATH", help="write dead letters here instead of stderr")
    _add_setting(e, "--batch-size")
    _add_setting(e, "--processes", "--jobs")
    e.add_argument("--quiet", action="store_true", help="no summary line on stderr")
    e.add_argument("--no-tokens", dest="tokens", action="store_false", default=None,
                   help="leave out token offsets (env NEWSFLOW_TOKENS=0)")
    e.set_defaults(func=cmd_enrich)

    st = sub.add_parser("status", parents=[common],
                        help="broker, topics, lag, workers and recent dead letters per stage (exit 3: topics missing)")
    st.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    st.set_defaults(func=cmd_status)

    tp = sub.add_parser("topics", parents=[common],
                        help="create newsflow's topics as the worker does, or describe them (exit 3: some missing)")
    tp.add_argument("action", choices=["create", "describe"])
    tp.set_defaults(func=cmd_topics)

    r = sub.add_parser("replay", parents=[common], help="send dead letters' bytes back to the topic they came from, each letter once")
    r.add_argument("--reason", action="append", help="only this reason code (repeatable)")
    r.add_argument("--stage", action="append", help="only dead letters of this stage (repeatable)")
    r.add_argument("--id", action="append", help="only this item id (repeatable)")
    r.add_argument("--since", help="only dead letters from this time on: ISO time (UTC) or a span ago (90s, 30m, 1h, 2d)")
    r.add_argument("--limit", type=int, help="at most this many (of those not replayed before)")
    r.add_argument("--dry-run", action="store_true", help="list what would be sent, send nothing")
    r.set_defaults(func=cmd_replay)

    bn = sub.add_parser("bench", help="run a benchmark of the checkout's bench/ (faults, throughput, entities, ...)")
    bn.add_argument("name", help="faults, throughput, pipeline, entities, language, segmentation, extraction, stories")
    bn.add_argument("args", nargs=argparse.REMAINDER, help="passed on, e.g. --items 1500 --json")
    bn.set_defaults(func=cmd_bench)

    d = sub.add_parser("demo", parents=[common], help="broker + worker + sample items, printed; then stop")
    d.set_defaults(func=cmd_demo)

    b = sub.add_parser("broker", parents=[common], help="the embedded single-node Kafka (KRaft) broker")
    b.add_argument("action", choices=["start", "stop", "status", "reset", "tools"])
    b.add_argument("args", nargs=argparse.REMAINDER,
                   help="for tools: Kafka's tool and its arguments, e.g. kafka-consumer-groups --list")
    b.set_defaults(func=cmd_broker)
    return p


def main(argv: Optional[list[str]] = None) -> int:
    from aiokafka.errors import KafkaConnectionError

    args = parser().parse_args(argv)
    if args.command in ("publish", "tail", "status", "replay", "topics"):  # their errors reach the user as one line from here
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    try:
        settings = _settings(args)
        return args.func(args, settings)
    except (ValueError, FileNotFoundError, InputError) as exc:  # a usage error or a missing model
        print(f"newsflow {args.command}: {exc}", file=sys.stderr)
        return 2
    except KafkaConnectionError as exc:
        from newsflow.streams.admin import BrokerRefused  # says why the broker refused; others: nobody answered

        print(f"newsflow {args.command}: " + (exc.args[0] if isinstance(exc, BrokerRefused) else
              f"no Kafka broker answers at {settings.broker_shown} "
              "(start one with `newsflow broker start`, or set NEWSFLOW_BROKER / --broker)"), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

