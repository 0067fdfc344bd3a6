"""newsflow through Kafka against the scripts a team would write instead, same items, same run (issue #21).

    .venv/bin/pip install -e ".[bench,docs]"   # the baselines' libraries, matplotlib
    newsflow bench pipeline [--items 555] [--warm-up-items 500] [--processes N] [--sweep-seconds 60]
                            [--no-sweep] [--pairs 1]

The items are bench/throughput.py's mix of real news from ../shared/data. On them, one after
the other: (a) the naive loop (bench/naive.py, one process), (b) the tuned glue
(bench/glue.py, N processes), `newsflow enrich --jobs N` (the same stages without Kafka),
then a `newsflow worker --processes N` on fresh uuid topics with N partitions, fed by a
publisher here that stamps `fetched_at` as it sends and a reader of `enriched-articles` and
`dead-letters`. Rates are sustained: the slope of items out against time once the first
tenth came out, so model loading and each process's first batches are left out; before the
measured items, every contender reads `--warm-up-items` other articles of the mix's sources
(its rate is that of a process that has met the traffic's common words and languages; `0`
gives a fresh process's, as before 2026-12-08). CPU seconds include start-up and the
warm-up (each command's processes, the worker's process tree), per item read. Latency is publish (`fetched_at`) to
received here. The load sweep then publishes at 25/50/75/100/120% of the worker's measured
capacity and samples its `newsflow_consumer_lag`; the figures, the plot and the command land
in bench/RESULTS.md and bench/pipeline-sweep.png. N defaults to the cores. `--pairs K` runs
offline enrich and the worker's capacity run K - 1 more times, alternately, and judges the
Kafka overhead on the median of the K pairs (one pair moved between 12% and 16% on a quiet
machine).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import orjson

from newsflow import broker
from newsflow.agents.ingest import peek_id
from newsflow.demo import start_worker, stop_worker, wait_ready
from newsflow.publish import raw_headers
from newsflow.schemas import item_id_of
from newsflow.streams.admin import connect, delete_topics, ensure_topics, producer
from newsflow.streams.config import Settings
from newsflow.streams.topics import topic_names
from newsflow.tail import TopicReader
from throughput import mix, stage_ms, timed, warm_up_mix

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "RESULTS.md"
PLOT = BENCH / "pipeline-sweep.png"
WARMUP = 0.1  # share of the measured items whose output is not counted in the sustained rate
WARM_PREFIX = "warm-"  # ids of the warm-up items (throughput.warm_up_mix), sent before the measured ones
SHARES = (0.25, 0.5, 0.75, 1.0, 1.2)  # of the measured capacity, one sweep step each
QUIET_S = 180  # a run that gets no output for this long has stalled
TICK = os.sysconf("SC_CLK_TCK")


# --- figures (pure) -----------------------------------------------------------------------

def percentiles(values: Sequence[float], ps: Sequence[float] = (50, 95, 99)) -> Optional[tuple[float, ...]]:
    """Nearest rank: each figure is a latency some item really had."""
    if not values:
        return None
    ordered = sorted(values)
    return tuple(ordered[max(0, -(-len(ordered) * p // 100) - 1)] for p in ps)


def sustained_rate(times: Sequence[float], warmup: float = WARMUP) -> float:
    """Items per second after the first `warmup` share came out: the least-squares slope of
    items out against time. Outputs come in batches, several processes' at once, so counting
    from one batch to the last would credit the warm-up with a batch per process."""
    ordered = sorted(times)[int(len(times) * warmup):]
    if len(ordered) < 2:
        return 0.0
    mean_t, mean_n = sum(ordered) / len(ordered), (len(ordered) - 1) / 2
    var = sum((t - mean_t) ** 2 for t in ordered)
    return sum((t - mean_t) * (n - mean_n) for n, t in enumerate(ordered)) / var if var else 0.0


@dataclass(frozen=True)
class Step:
    share: float  # of capacity
    rate: float  # items/s
    start: float  # seconds after the sweep's start
    seconds: float

    def due(self, elapsed: float) -> int:
        """Items to have been sent `elapsed` seconds into the step: an even pace, no bursts."""
        return int(self.rate * min(max(elapsed, 0.0), self.seconds))


def schedule(capacity: float, seconds: float, shares: Sequence[float] = SHARES) -> list[Step]:
    return [Step(share, capacity * share, i * seconds, seconds) for i, share in enumerate(shares)]


@dataclass
class Contender:
    name: str
    procs: int
    items: int
    rate: float  # items/s, sustained
    cpu_s: float  # CPU seconds per item, start-up included
    peak_mb: list[int]  # peak RSS of each process measured (or of the largest)
    latency: Optional[tuple[float, ...]] = None  # p50/p95/p99 s at half capacity
    cores: float = 0.0  # CPU seconds per wall second while it ran: what the machine's other jobs left it
    load: float = 0.0  # the 1-minute load average when it ended


@dataclass
class StepResult:
    step: Step
    sent: int
    done_rate: float  # items finished per second within the step
    latency: Optional[tuple[float, ...]]  # of the items sent in the step
    backlog_mean: float  # items published and not back yet
    backlog_max: float
    backlog_end: float
    per_call: float  # records per stage call, all stages: each call pays one transaction per partition
    worker_cores: float  # CPU seconds of the worker's processes per second of the step
    machine_cores: float  # the same for every process on the machine: what the others took is the difference


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base else "-"


def _seconds(triple: Optional[tuple[float, ...]]) -> str:
    return " / ".join(f"{v:.2f}" for v in triple) if triple else "-"


def _markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in rows)]


def render_table(rows: Sequence[Contender], base: Contender) -> list[str]:
    """One markdown table; every ratio is to `base`, the tuned glue (b)."""
    header = ["contender", "processes", "items", "items/s", "× (b)", "CPU s/item", "× (b)", "peak RSS MB per process",
              "× (b)", "latency p50 / p95 / p99 s at 50% load"]
    return _markdown(header, [
        [r.name, str(r.procs), str(r.items), f"{r.rate:.1f}", _ratio(r.rate, base.rate), f"{r.cpu_s:.3f}",
         _ratio(r.cpu_s, base.cpu_s), " / ".join(map(str, r.peak_mb)), _ratio(max(r.peak_mb), max(base.peak_mb)),
         _seconds(r.latency)]
        for r in rows])


def render_sweep(results: Sequence[StepResult], recovery_s: float) -> list[str]:
    header = ["load", "target items/s", "sent", "finished items/s", "latency p50 / p95 / p99 s", "backlog mean",
              "backlog max", "backlog at end", "records per stage call", "cores busy: worker / machine"]
    table = _markdown(header, [
        [f"{r.step.share:.0%}", f"{r.step.rate:.1f}", str(r.sent), f"{r.done_rate:.1f}", _seconds(r.latency),
         f"{r.backlog_mean:.0f}", f"{r.backlog_max:.0f}", f"{r.backlog_end:.0f}", f"{r.per_call:.1f}",
         f"{r.worker_cores:.2f} / {r.machine_cores:.2f}"]
        for r in results])
    return [*table, "", f"Backlog (items published and not back: the lag, end to end) back to 0 {recovery_s:.0f} s "
                        "after the last step."]


def overhead(worker_rate: float, enrich_rate: float) -> float:
    """What Kafka and the agents cost: the share of offline enrich's rate the worker does not reach."""
    return 1 - worker_rate / enrich_rate if enrich_rate else float("nan")


def render_targets(newsflow: Contender, glue: Contender, enrich: Contender,
                   repeats: Sequence[tuple[float, float]] = ()) -> list[str]:
    """`repeats`: (worker, enrich) rates of the further alternating pairs (`--pairs`); the
    overhead target is judged on the median over every pair, one run each being too noisy."""
    shares = [overhead(newsflow.rate, enrich.rate), *(overhead(w, e) for w, e in repeats)]
    cost = statistics.median(shares)
    said = f"{cost:.1%}" if not repeats else (
        f"median {cost:.1%} over {len(shares)} alternating pairs ({', '.join(f'{x:.1%}' for x in shares)})")
    p99 = newsflow.latency[2] if newsflow.latency else None
    checks = [
        (f"newsflow ≥ 2× (b): {newsflow.rate / glue.rate:.2f}×", newsflow.rate >= 2 * glue.rate),
        (f"Kafka + agents overhead ≤ 10% against offline enrich, {enrich.procs} processes each: {said}",
         cost <= 0.10),
        ("p99 latency < 1 s at 50% of capacity: " + (f"{p99:.2f} s" if p99 is not None else "not measured (--no-sweep)"),
         p99 is not None and p99 < 1.0),
        (f"peak RSS per worker process < 1.5 GB: {max(newsflow.peak_mb)} MB", max(newsflow.peak_mb) < 1536),
    ]
    return [f"- {'met' if ok else '**not met**'}: {text}" for text, ok in checks]


def render_results(header: Sequence[str], table: Sequence[str], targets: Sequence[str], sweep: Sequence[str],
                   notes: Sequence[str], plot: Optional[str]) -> str:
    parts = ["# Pipeline benchmark (bench/pipeline.py)", "", *header, "", "## Throughput, CPU and memory", "",
             *table, "", "## Targets (issue #21)", "", *targets, ""]
    if sweep:
        parts += ["## Load sweep", "", *sweep, ""]
        if plot:
            parts += [f"![latency and lag through the sweep]({plot})", ""]
    parts += ["## Where the time goes", "", *notes, ""]
    return "\n".join(parts)


# --- measuring processes ------------------------------------------------------------------

def stamp(cmd: list[str]) -> int:
    """Runs `cmd`, prefixing each line it prints with the wall-clock time it came, so that
    throughput.timed() (seconds, CPU and peak RSS of the whole command) also gives the rate
    once warm."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    for line in proc.stdout:
        sys.stdout.buffer.write(b"%.6f " % time.time() + line)
    return proc.wait()


def first_seen(lines: Sequence[bytes]) -> dict[str, float]:
    """When each item's first output line came (an item split into stories is one item)."""
    seen: dict[str, float] = {}
    for line in lines:
        when, _, body = line.partition(b" ")
        seen.setdefault(item_id_of(orjson.loads(body)["id"]), float(when))
    return seen


def offline(name: str, cmd: list[str], procs: int) -> tuple[Contender, list[bytes]]:
    """A whole command from start to end; also its measured items' output lines without their
    stamps. Its input starts with the warm-up items (`warm-` ids): they count in its CPU per
    item, not in its rate."""
    run = timed([sys.executable, __file__, "--stamp", *cmd])
    seen = first_seen(run.lines)
    measured = {i: t for i, t in seen.items() if not i.startswith(WARM_PREFIX)}
    contender = Contender(name, procs, len(measured), sustained_rate(list(measured.values())),
                          run.cpu_s / len(seen), [run.peak_mb], cores=run.cpu_s / run.seconds, load=os.getloadavg()[0])
    lines = [line.partition(b" ")[2] for line in run.lines]
    return contender, [line for line in lines if not orjson.loads(line)["id"].startswith(WARM_PREFIX)]


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2:].split()  # fields from the state on; the name may hold spaces


def process_tree(pid: int) -> list[int]:
    """The process and its children (the worker's parent forks its children once)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == pid:
                    children.append(int(entry.name))
            except (OSError, ValueError):  # exited meanwhile
                continue
    return [pid, *sorted(children)]


def cpu_seconds(pid: int) -> float:
    """User + system of the process and its reaped children (a restarted worker child)."""
    fields = _stat(pid)
    return sum(int(v) for v in fields[11:15]) / TICK


def peak_rss_mb(pid: int) -> int:
    match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) // 1024 if match else 0


def machine_cpu_seconds() -> float:
    """Every process's user, nice and system time so far (the first line of /proc/stat)."""
    user, nice, system = Path("/proc/stat").read_text().split()[1:4]
    return (int(user) + int(nice) + int(system)) / TICK


def broker_pid(port: int) -> Optional[int]:
    """The broker's process, when this user may see it, for its CPU seconds next to the worker's."""
    found = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    match = re.search(r"pid=(\d+)", found)
    return int(match.group(1)) if match else None


def free_ports(count: int) -> int:
    """The first of `count` consecutive free ports: the worker's children serve metrics on base + i."""
    for base in range(20000 + os.getpid() % 20000, 60000, count):
        try:
            for port in range(base, base + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise SystemExit("no free ports for the worker's metrics")


COUNTERS = {"newsflow_stage_batch_size_count": "calls", "newsflow_stage_batch_size_sum": "records",
            "newsflow_stage_batch_seconds_sum": "compute_s", "newsflow_stage_busy_seconds_total": "busy_s"}
_SAMPLE = re.compile(r"^(newsflow_\w+)\{([^}]*)\} (\S+)$", re.M)
_STAGE = re.compile(r'stage="([^"]+)"')


def parse_metrics(text: str) -> dict[str, float]:
    """The records waiting in every stage's input (`lag`), and each stage's batch counters
    (`<stage> calls`, `records`, `compute_s`, `busy_s`)."""
    out = {"lag": 0.0}
    for name, labels, value in _SAMPLE.findall(text):
        if name == "newsflow_consumer_lag":
            out["lag"] += float(value)
        elif name in COUNTERS:
            key = f"{_STAGE.search(labels).group(1)} {COUNTERS[name]}"
            out[key] = out.get(key, 0.0) + float(value)
    return out


def scrape(ports: Sequence[int]) -> dict[str, float]:
    """The worker's children summed; a child restarting counts as nothing this second."""
    total: dict[str, float] = {}
    for port in ports:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
                text = response.read().decode()
        except OSError:
            continue
        for key, value in parse_metrics(text).items():
            total[key] = total.get(key, 0.0) + value
    return total


def per_call(before: dict[str, float], after: dict[str, float]) -> float:
    """Records per stage call between two scrapes, all stages together."""
    def grown(what: str) -> float:
        return sum(v - before.get(k, 0.0) for k, v in after.items() if k.endswith(f" {what}"))

    calls = grown("calls")
    return grown("records") / calls if calls else 0.0


def stage_costs(before: dict[str, float], after: dict[str, float]) -> str:
    """Per stage between two scrapes: records per call, ms per record in the stage's code, and
    ms per record writing it (busy less compute: sends, offsets, the transaction, and the
    event loop's waits while the process's other stages hold the GIL)."""
    parts = []
    for stage in (k.split(" ")[0] for k in after if k.endswith(" calls")):
        calls, records, compute, busy = (after.get(f"{stage} {w}", 0.0) - before.get(f"{stage} {w}", 0.0)
                                         for w in ("calls", "records", "compute_s", "busy_s"))
        if calls and records:
            parts.append(f"{stage} {records / calls:.1f} records per call, {1000 * compute / records:.1f} ms in "
                         f"the stage + {1000 * (busy - compute) / records:.1f} ms writing")
    return "; ".join(parts)


# --- the Kafka run ------------------------------------------------------------------------

class Collector:
    """Every item the worker finished (enriched or dead-lettered), when it arrived here, and
    its publish-to-enriched latency from the `fetched_at` the publisher stamped."""

    def __init__(self, settings: Settings):
        self.readers = [TopicReader(settings, settings.topic_enriched), TopicReader(settings, settings.topic_dead)]
        self.done: dict[str, float] = {}
        self.latency: dict[str, float] = {}
        self.records: list[bytes] = []  # enriched records, kept while `keep` (for their stage_ms)
        self.keep = True
        self.tasks: list[asyncio.Task] = []

    async def start(self) -> "Collector":
        for reader in self.readers:
            await reader.start()
        self.tasks = [asyncio.create_task(self._read(reader, enriched=i == 0)) for i, reader in enumerate(self.readers)]
        return self

    async def _read(self, reader: TopicReader, enriched: bool) -> None:
        while True:
            batch = await reader.consumer.getmany(timeout_ms=200, max_records=500)
            now = time.time()
            for message in (m for ms in batch.values() for m in ms):
                record = orjson.loads(message.value)
                item = item_id_of(record.get("id") or "")
                self.done.setdefault(item, now)
                if enriched and record.get("fetched_at"):
                    fetched = dt.datetime.fromisoformat(record["fetched_at"]).timestamp()
                    self.latency.setdefault(item, now - fetched)
                    if self.keep:
                        self.records.append(message.value)

    async def wait_for(self, ids: Sequence[str]) -> None:
        """Until every id is done; stops the run if nothing comes for QUIET_S seconds."""
        last, count = time.monotonic(), 0
        while (missing := sum(i not in self.done for i in ids)):
            if missing != count:
                last, count = time.monotonic(), missing
            elif time.monotonic() - last > QUIET_S:
                raise SystemExit(f"stalled: {missing} of {len(ids)} items not back after {QUIET_S} s")
            await asyncio.sleep(0.5)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for reader in self.readers:
            await reader.stop()


class Publisher:
    """Sends the mix's items again and again, each with an id of its own and `fetched_at`
    stamped as it is sent (keyed like `newsflow publish`)."""

    def __init__(self, settings: Settings, payloads: Sequence[bytes]):
        self.settings, self.items = settings, [orjson.loads(p) for p in payloads]
        self.producer = producer(settings)
        self.sent: dict[str, float] = {}
        self.pending: list[asyncio.Future] = []

    async def start(self) -> "Publisher":
        await ensure_topics(self.settings)
        await connect(self.producer, self.settings)
        return self

    async def send(self, count: int) -> list[str]:
        ids = []
        for _ in range(count):
            seq = len(self.sent)
            base = self.items[seq % len(self.items)]
            now = time.time()
            payload = orjson.dumps({**base, "id": f"{base['id']}~{seq}",
                                    "fetched_at": dt.datetime.fromtimestamp(now, dt.timezone.utc).isoformat()})
            item = peek_id(payload)
            self.pending.append(await self.producer.send(self.settings.topic_raw, payload, key=item.encode(),
                                                         headers=raw_headers(item, payload)))
            self.sent[item] = now
            ids.append(item)
        return ids

    async def paced(self, step: Step) -> list[str]:
        started, ids = time.monotonic(), []
        while (elapsed := time.monotonic() - started) < step.seconds:
            ids += await self.send(step.due(elapsed) - len(ids))
            await asyncio.sleep(0.02)
        return ids + await self.send(step.due(step.seconds) - len(ids))

    async def stop(self) -> None:
        await asyncio.gather(*self.pending)  # a failed send fails the run
        await self.producer.stop()


@dataclass
class Worker:
    proc: subprocess.Popen
    ports: list[int]  # its children's metrics

    def read_cpu(self) -> dict[int, float]:
        """CPU seconds so far of each process, parent first."""
        return {pid: cpu_seconds(pid) for pid in process_tree(self.proc.pid)}

    def peak_mb(self) -> list[int]:
        return [peak_rss_mb(pid) for pid in process_tree(self.proc.pid)]


@dataclass
class Window:
    """What the capacity run cost beside its rate."""
    seconds: float  # first publish to last item back
    cpu: dict[int, float]  # CPU seconds of each worker process (parent first)
    broker_cpu_s: Optional[float]
    stages: str  # stage_costs() over the run


@dataclass
class KafkaRun:
    capacity: Contender
    records: list[bytes]  # the capacity run's enriched records
    window: Window
    sweep: list[StepResult]
    recovery_s: float  # after the last step, until every item was back
    series: dict  # for the plot: per-item (sent, latency), backlog and the worker's lag, step boundaries


async def capacity_run(worker: Worker, publisher: Publisher, collector: Collector, procs: int,
                       broker: Optional[int], earlier: int = 0) -> tuple[Contender, Window]:
    """All items at once: the worker's sustained rate and what its processes and the broker spent
    (`earlier`: the items it read before, in its CPU per item as in the offline commands')."""
    before, broker_before = worker.read_cpu(), broker and cpu_seconds(broker)
    metrics_before = await asyncio.to_thread(scrape, worker.ports)
    started = time.time()
    ids = await publisher.send(len(publisher.items))
    await collector.wait_for(ids)
    seconds = max(collector.done[i] for i in ids) - started
    after = worker.read_cpu()
    in_window = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
    window = Window(seconds, in_window, cpu_seconds(broker) - broker_before if broker else None,
                    stage_costs(metrics_before, await asyncio.to_thread(scrape, worker.ports)))
    contender = Contender(f"newsflow worker --processes {procs} (through Kafka)", procs, len(ids),
                          sustained_rate([collector.done[i] for i in ids]), sum(after.values()) / (len(ids) + earlier),
                          worker.peak_mb(), cores=sum(in_window.values()) / seconds, load=os.getloadavg()[0])
    return contender, window


async def snapshot(worker: Worker, publisher: Publisher, collector: Collector) -> tuple[float, dict[str, float]]:
    """The worker's metrics, the backlog (items published and not back) and the CPU seconds of
    the worker and of the machine. The backlog is exact; the worker's lag gauges are what an
    operator sees (in the plot)."""
    metrics = await asyncio.to_thread(scrape, worker.ports)
    return time.time(), {**metrics, "backlog": len(publisher.sent) - len(collector.done),
                         "worker_cpu": sum(worker.read_cpu().values()), "machine_cpu": machine_cpu_seconds()}


async def sample(worker: Worker, publisher: Publisher, collector: Collector,
                 into: list[tuple[float, dict[str, float]]]) -> None:
    while True:
        into.append(await snapshot(worker, publisher, collector))
        await asyncio.sleep(1.0)


def step_result(step: Step, t0: float, ids: Sequence[str], collector: Collector,
                samples: Sequence[tuple[float, dict[str, float]]]) -> StepResult:
    start, end = t0 + step.start, t0 + step.start + step.seconds
    inside = [(t, m) for t, m in samples if start <= t < end]
    t_before, before = next((t, m) for t, m in reversed(samples) if t < start)
    t_last, last = inside[-1]
    backlog = [m["backlog"] for _, m in inside]
    finished = sum(start <= t < end for t in collector.done.values())
    return StepResult(step, len(ids), finished / step.seconds,
                      percentiles([collector.latency[i] for i in ids if i in collector.latency]),
                      sum(backlog) / len(backlog), max(backlog), backlog[-1], per_call(before, last),
                      *((last[k] - before[k]) / (t_last - t_before) for k in ("worker_cpu", "machine_cpu")))


async def sweep_run(publisher: Publisher, collector: Collector, worker: Worker, capacity: float,
                    seconds: float) -> tuple[list[StepResult], float, dict]:
    """Each step's pace for `seconds`, then until every item is back. The first sample comes
    before the first step, so its stage counters leave the capacity run out."""
    samples = [await snapshot(worker, publisher, collector)]
    t0 = time.time()
    sampler = asyncio.create_task(sample(worker, publisher, collector, samples))
    steps, sent = schedule(capacity, seconds), []
    for step in steps:
        sent.append(await publisher.paced(step))
    end = time.time()
    every = [i for ids in sent for i in ids]
    await collector.wait_for(every)
    await asyncio.sleep(3.0)  # a few samples after the drain: the lag gauges should read 0 again
    sampler.cancel()
    series = {"t0": t0, "steps": steps, "samples": samples,
              "points": [(publisher.sent[i] - t0, collector.latency[i]) for i in every if i in collector.latency]}
    recovery = max(collector.done[i] for i in every) - end
    return [step_result(s, t0, ids, collector, samples) for s, ids in zip(steps, sent)], recovery, series


async def warm_up_run(settings: Settings, warm: Sequence[bytes], collector: Collector) -> None:
    """The warm-up items through the worker, all at once, before anything is measured; then the
    collector forgets them (the backlog counts measured items only)."""
    if not warm:
        return
    publisher = await Publisher(settings, warm).start()
    try:
        await collector.wait_for(await publisher.send(len(warm)))
    finally:
        await publisher.stop()
    collector.done.clear()
    collector.latency.clear()
    collector.records.clear()


async def through_kafka(settings: Settings, worker: Worker, payloads: Sequence[bytes], procs: int,
                        sweep_seconds: Optional[float], warm: Sequence[bytes] = ()) -> KafkaRun:
    collector = await Collector(settings).start()
    await warm_up_run(settings, warm, collector)
    publisher = await Publisher(settings, payloads).start()
    try:
        capacity, window = await capacity_run(
            worker, publisher, collector, procs, broker_pid(int(settings.broker.rsplit(":", 1)[1])), len(warm))
        collector.keep = False
        sweep, recovery, series = [], 0.0, {}
        if sweep_seconds:
            sweep, recovery, series = await sweep_run(publisher, collector, worker, capacity.rate, sweep_seconds)
            half = next(r for r in sweep if r.step.share == 0.5)
            capacity.latency = half.latency
            capacity.peak_mb = worker.peak_mb()
        return KafkaRun(capacity, collector.records, window, sweep, recovery, series)
    finally:
        await publisher.stop()
        await collector.stop()


def configure(procs: int) -> Settings:
    """Fresh topics, group and metrics ports for this run; partitions = processes."""
    run = uuid.uuid4().hex[:8]
    os.environ.update({
        "NEWSFLOW_APP_ID": f"newsflow-bench-{run}", "NEWSFLOW_TOPIC_RAW": f"raw-items-{run}",
        "NEWSFLOW_TOPIC_ENRICHED": f"enriched-articles-{run}", "NEWSFLOW_TOPIC_DEAD": f"dead-letters-{run}",
        "NEWSFLOW_TOPIC_PREFIX": f"newsflow-{run}.", "NEWSFLOW_METRICS_PORT": str(free_ports(procs)),
        "NEWSFLOW_PROCESSES": str(procs), "NEWSFLOW_PARTITIONS": str(procs),
    })
    return Settings.from_env()


def with_worker(settings: Settings, procs: int, payloads: Sequence[bytes], sweep_seconds: Optional[float],
                warm: Sequence[bytes] = ()) -> KafkaRun:
    started_broker = not broker.is_reachable(settings)
    if started_broker:
        broker.run("start", settings)
    asyncio.run(ensure_topics(settings))
    log = Path(settings.state_dir) / f"bench-worker-{settings.app_id}.log"
    proc = start_worker(settings, log)
    worker = Worker(proc, [settings.metrics_port + i for i in range(procs)])
    try:
        for port in worker.ports:
            if not wait_ready(f"http://{settings.metrics_host}:{port}/readyz", proc, 300):
                raise SystemExit(f"worker not ready: see {log}")
        return asyncio.run(through_kafka(settings, worker, payloads, procs, sweep_seconds, warm))
    finally:
        stop_worker(proc)
        asyncio.run(delete_topics(settings, topic_names(settings)))
        if started_broker:
            broker.run("stop", settings)


# --- the report ---------------------------------------------------------------------------

def plot(series: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(10, 6))
    sent, latency = zip(*series["points"])
    top.scatter(sent, latency, s=2, alpha=0.4)
    top.set_ylabel("publish → enriched, s")
    top.set_yscale("log")
    times = [t - series["t0"] for t, _ in series["samples"]]
    bottom.plot(times, [m["backlog"] for _, m in series["samples"]], label="backlog: items published, not back")
    bottom.plot(times, [m["lag"] for _, m in series["samples"]], label="newsflow_consumer_lag, all stages, summed")
    bottom.set_ylabel("records")
    bottom.legend(loc="upper left")
    bottom.set_xlabel("seconds since the sweep started")
    for i, step in enumerate(series["steps"]):
        for ax in (top, bottom):
            ax.axvspan(step.start, step.start + step.seconds, alpha=0.08 * (i % 2 + 1), color="grey")
        top.text(step.start + step.seconds / 2, 1.02, f"{step.share:.0%}", transform=top.get_xaxis_transform(),
                 ha="center")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024 ** 2
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM, Linux {platform.release()}, Python {platform.python_version()}"


def code_version() -> str:
    """The commit the run measured: others commit to the worker while benchmarks run."""
    head = subprocess.run(["git", "-C", str(BENCH), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(BENCH), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return head.stdout.strip() + (" with uncommitted changes" if dirty else "")


def load() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def share_line(payloads: Sequence[bytes]) -> str:
    kinds = [("HTML pages (extraction/)", lambda i: i["id"].startswith("html-")),
             ("NTREX (non-English)", lambda i: i["id"].startswith("ntrex-"))]
    items = [orjson.loads(p) for p in payloads]
    counts = {name: sum(map(test, items)) for name, test in kinds}
    rest = len(items) - sum(counts.values())
    parts = [f"{name} {n / len(items):.0%}" for name, n in counts.items()]
    return (f"{len(items)} items from bench/throughput.py's `mix()`: {', '.join(parts)}, "
            f"plain-text news_corpus/ articles (BBC, MasakhaNEWS French and Swahili) {rest / len(items):.0%}.")


def contention(rows: Sequence[Contender]) -> str:
    """How much of the machine each contender got: the rates compare fairly only where these agree."""
    return ("- cores busy (CPU s / wall s) and the 1-minute load average at the end of each: "
            + "; ".join(f"{r.name.split(' (')[0]} {r.cores:.2f} of {r.procs} at load {r.load:.1f}" for r in rows) + ".")


def notes(kafka: KafkaRun, enrich_lines: Sequence[bytes], enrich: Contender) -> list[str]:
    """Where the time goes: each stage's compute in both, what the worker's processes did in
    the capacity window, and what the broker spent beside them."""
    def by_stage(lines: Sequence[bytes]) -> str:
        return ", ".join(f"{stage} {ms:.1f}" for stage, ms in stage_ms(lines).items())

    window = kafka.window
    per_process = ", ".join(f"{cpu:.1f}" for cpu in window.cpu.values())
    out = [f"- ms per item by stage (`processing.stage_ms`, mean): offline enrich {by_stage(enrich_lines)}; "
           f"worker {by_stage(kafka.records)}.",
           f"- capacity run: {kafka.capacity.items} items in {window.seconds:.1f} s (first publish to last back); "
           f"worker CPU s per process (parent first) {per_process}: {kafka.capacity.cores:.2f} cores busy of "
           f"{os.cpu_count()}.",
           "- worker stages in the capacity run (`newsflow_stage_batch_size`, `_batch_seconds`, `_busy_seconds_total`;"
           " writing is busy less the stage call: sends, offsets, the transaction, and waits for the event loop "
           f"while the process's other stages hold the GIL): {window.stages}.",
           f"- Kafka and agents cost {overhead(kafka.capacity.rate, enrich.rate):.1%} of offline enrich's rate with "
           f"{enrich.procs} processes each in the first pair (the old quick mode's streaming / in-process figure)."]
    if kafka.series:
        out.append(f"- the worker's `newsflow_consumer_lag`, summed over stages, partitions and processes, read "
                   f"{kafka.series['samples'][-1][1]['lag']:.0f} records once every item was back (0 expected).")
    if window.broker_cpu_s is not None:
        out.append(f"- the broker (shared with other jobs) spent {window.broker_cpu_s:.1f} CPU s in the capacity "
                   f"window, {1000 * window.broker_cpu_s / kafka.capacity.items:.1f} ms per item; the publisher and "
                   f"reader of this script run on the same cores.")
    return out


def main() -> int:
    if sys.argv[1:2] == ["--stamp"]:
        return stamp(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=555, help="items of the mix; its 111 HTML pages are 20%% of 555")
    ap.add_argument("--warm-up-items", type=int, default=500,
                    help="other articles each contender reads first, not measured (0: none)")
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sweep-seconds", type=float, default=60)
    ap.add_argument("--no-sweep", action="store_true")
    ap.add_argument("--pairs", type=int, default=1,
                    help="runs of offline enrich and the worker's capacity run, alternating (the overhead's median)")
    args = ap.parse_args()
    if not args.no_sweep and importlib.util.find_spec("matplotlib") is None:  # (the plot comes last: fail now)
        print("bench pipeline: the sweep's plot needs matplotlib: pip install -e '.[bench]' (or --no-sweep)",
              file=sys.stderr)
        return 2
    procs, load_before, code = args.processes, load(), code_version()
    payloads = mix(args.items)
    warm = warm_up_mix(args.warm_up_items, payloads) if args.warm_up_items else []
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as f:
        f.write(b"\n".join([*warm, *payloads]) + b"\n")
    enrich_cmd = [sys.executable, "-m", "newsflow.cli", "enrich", f.name, "--quiet", "--jobs", str(procs)]
    enrich_name = f"newsflow enrich --jobs {procs} (offline, no Kafka)"
    try:
        naive, _ = offline("(a) naive loop (bench/naive.py)", [sys.executable, str(BENCH / "naive.py"), f.name], 1)
        glue, _ = offline("(b) tuned glue (bench/glue.py)",
                          [sys.executable, str(BENCH / "glue.py"), f.name, "--processes", str(procs)], procs)
        enrich, enrich_lines = offline(enrich_name, enrich_cmd, procs)
        kafka = with_worker(configure(procs), procs, payloads, None if args.no_sweep else args.sweep_seconds, warm)
        repeats = []
        for pair in range(1, args.pairs):  # the worker first in every other pair, so neither always runs second
            rates = {}
            for what in (("worker", "enrich") if pair % 2 else ("enrich", "worker")):
                rates[what] = (offline(enrich_name, enrich_cmd, procs)[0].rate if what == "enrich"
                               else with_worker(configure(procs), procs, payloads, None, warm).capacity.rate)
            repeats.append((rates["worker"], rates["enrich"]))
    finally:
        Path(f.name).unlink()
    if kafka.series:
        plot(kafka.series, PLOT)
    table = render_table([naive, glue, enrich, kafka.capacity], glue)
    sweep = render_sweep(kafka.sweep, kafka.recovery_s) if kafka.sweep else []
    command = " ".join(["newsflow bench pipeline", *sys.argv[1:]])
    header = [f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC", f"- machine: {machine()}",
              f"- command: `{command}` at commit {code}", f"- load average (1 / 5 / 15 min) before: {load_before}, after: {load()} "
              "(other jobs share the machine: compare ratios within this run)", f"- {share_line(payloads)}",
              f"- warm-up: each contender first reads {len(warm)} other articles of the mix's plain-text sources "
              "(`throughput.warm_up_mix`, not measured), as a process that has run a while has met the traffic's "
              "common words and languages; the worker gets them through Kafka before its capacity run.",
              f"- items/s sustained: the slope of the measured items out against time after their first {WARMUP:.0%}; "
              "CPU s/item: whole command (start-up, model loading and the warm-up items included, per item read), "
              "worker: its process tree from start to the end of the capacity run; peak RSS: the largest process "
              "((a)-(c)), each worker process (parent first)."]
    text = render_results(header, table, render_targets(kafka.capacity, glue, enrich, repeats), sweep,
                          [contention([naive, glue, enrich, kafka.capacity]), *notes(kafka, enrich_lines, enrich)],
                          PLOT.name if kafka.series else None)
    print(text)
    RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
