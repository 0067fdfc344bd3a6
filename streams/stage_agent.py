"""The one thin async wrapper every stage agent is made of: exactly once from topic to topic.

Each agent reads its source topic in a consumer group of its own (`<app_id>.<agent>`), runs
its synchronous stages (one, or the fused chain) in its own worker thread (so the event loop
keeps heart-beating while a model works), and writes a batch's outputs together with its input offsets in one Kafka
transaction per input partition. A crash or a lost partition mid-batch aborts the
transaction and whoever holds the partition next redoes the batch, so `read_committed`
readers see each output once. The transactional id belongs to the input partition, so the
next holder fences off a worker that was only presumed dead. With `transactions` off the
producer is idempotent and offsets are committed once every output is acknowledged
(at least once).

On shutdown the agent's task is cancelled: an open transaction is aborted, so the batch in
flight is left uncommitted for the next holder (the worker bounds the rest, streams/worker.py).

A stage with `state` (stories) keeps it the way a Faust table does, but inside these
transactions: when the agent takes the input partition it reads the state's changelog to its
end (`read_committed`) into the stage before the first batch, and it writes each batch's
changelog entries and events in the batch's transaction, keeping them for every retry of
that batch. A partition lost or revoked throws the state away; the next assignment restores
it, so the state always matches the committed offsets (streams/changelog.py).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Optional, Sequence, Union

import faust
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import IllegalStateError, InvalidProducerEpoch, KafkaError, ProducerFenced

from newsflow.agents.pipeline import Envelope, Outcome, run_stages, decode_article, decode_raw, stamp_received
from newsflow.agents.stage import Stage
from newsflow.schemas import Article, DeadLetter
from newsflow.streams import changelog
from newsflow.streams.admin import consumer, producer
from newsflow.streams.changelog import StateRecord
from newsflow.streams.config import Settings
from newsflow.streams.metrics import PipelineMetrics
from newsflow.streams.outputs import OutRecord, Outputs
from newsflow.streams.topics import state_topics

log = logging.getLogger("newsflow.agent")

_FENCED = (ProducerFenced, InvalidProducerEpoch)
RETRY_SECONDS = 1.0
ABORT_SECONDS = 2.0  # an abort on shutdown waits no longer for a broker that may be away
LAG_SECONDS = 1.0  # how often the lag gauge asks the broker for end offsets


class PartitionLost(Exception):
    """Another worker holds the input partition now; it redoes the batch."""


def _seconds_since_iso(stamp: Optional[str], now: float) -> Optional[float]:
    if not stamp:
        return None
    try:
        return now - datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _topic_name(topic: Any) -> str:
    return topic if isinstance(topic, str) else topic.get_topic_name()


def _refused_for_good(exc: Optional[BaseException]) -> bool:
    """The broker will never take this record (too large, invalid); retrying cannot help."""
    return isinstance(exc, KafkaError) and not exc.retriable and not isinstance(exc, _FENCED)


async def _acknowledged(futures: Sequence[asyncio.Future]) -> list[Optional[BaseException]]:
    results = await asyncio.gather(*futures, return_exceptions=True)
    return [x if isinstance(x, BaseException) else None for x in results]


def _raise_first(errors: Sequence[Optional[BaseException]]) -> None:
    """A state record not taken fails the batch as a whole: it cannot be dead-lettered."""
    first = next((e for e in errors if e is not None), None)
    if first is not None:
        raise first


def _record_error(exc: BaseException) -> bool:
    """An error about one record (refused, or worth another try), not about the producer."""
    return _refused_for_good(exc) or (isinstance(exc, KafkaError) and exc.retriable)


class StageAgent(ConsumerRebalanceListener):
    def __init__(
        self,
        stages: Union[Stage, Sequence[Stage]],
        *,
        source: Any,
        sink: Any,
        dead: Any,
        settings: Settings,
        metrics: PipelineMetrics,
        reads_raw: bool,
        final: bool,
        name: Optional[str] = None,
    ):
        self.chain = [stages] if isinstance(stages, Stage) else list(stages)
        self.name = name or self.chain[0].name  # its consumer group, its metrics' `stage` label
        self.source = _topic_name(source) if source is not None else None
        self.settings, self.metrics = settings, metrics
        self.reads_raw, self.final = reads_raw, final
        self.outputs = Outputs(self.name, sink=_topic_name(sink), dead=_topic_name(dead),
                               limit=settings.max_record_bytes, dead_limit=settings.max_dead_letter_bytes)
        self.group = f"{settings.app_id}.{self.name}"
        stateful = [st.name for st in self.chain if st.state is not None]
        if stateful and len(self.chain) > 1:
            raise ValueError(f"stage {stateful[0]} keeps state: it runs in an agent of its own")
        self.state = self.chain[0].state  # what the stage keeps across items, if it keeps anything
        self.state_topics = state_topics(settings, self.name) if stateful else None
        if stateful and self.state_topics is None:
            raise ValueError(f"stage {self.name} keeps state but is not declared ordered (one partition)")
        self.state_ready = False  # the stage's state is the changelog's, as of the committed offsets
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"stage-{self.name}")
        self.consumer: Optional[AIOKafkaConsumer] = None
        self.started = False
        self.generation = 0  # assignments seen: a batch fetched under an older one is stale
        self.settled: set[TopicPartition] = set()  # partitions sought to their committed offset at the last one
        self.shared_producer: Optional[AIOKafkaProducer] = None  # when transactions are off
        self.producers: dict[TopicPartition, AIOKafkaProducer] = {}  # transactional, one per input partition
        self.busy = asyncio.Lock()  # a rebalance waits for the batch in flight
        self.pending: dict[TopicPartition, int] = {}  # first offset of a fetched batch not yet written

    # --- the synchronous part, in the stage's thread --------------------------------------

    def process(self, envelopes: Sequence[Envelope]) -> tuple[list[Outcome], list[Envelope]]:
        """Outcomes come paired with their inputs."""
        if self.reads_raw:
            records = [decode_raw(e, max_bytes=self.settings.max_item_bytes) for e in envelopes]
        else:
            records = [decode_article(e) for e in envelopes]
        outcomes, envs = run_stages(self.chain, records, list(envelopes), timeout=self.settings.item_timeout)
        if self.reads_raw:
            stamp_received(outcomes, envs)
        return outcomes, envs

    # --- one batch of one input partition -------------------------------------------------

    async def handle(self, tp: TopicPartition, messages: Sequence[Any]) -> None:
        """Processes a batch and writes it with its offsets (`_process_and_write`), counted
        in flight meanwhile and timed as busy."""
        name, m = self.name, self.metrics
        envelopes = [Envelope(bytes(x.value or b""), x.topic, x.partition, x.offset, x.timestamp / 1000.0)
                     for x in messages]
        m.items_in.labels(name).inc(len(envelopes))
        m.batch_size.labels(name).observe(len(envelopes))
        m.in_flight.labels(name).inc(len(envelopes))
        started = time.perf_counter()
        try:
            await self._process_and_write(tp, messages, envelopes)
        finally:
            m.in_flight.labels(name).dec(len(envelopes))
            m.busy_seconds.labels(name).inc(time.perf_counter() - started)

    async def _process_and_write(self, tp: TopicPartition, messages: Sequence[Any], envelopes: list[Envelope]
                                 ) -> None:
        """Retries until written or the partition is lost. A record the broker refuses for
        good is dead-lettered instead."""
        name, m = self.name, self.metrics
        started = time.perf_counter()
        outcomes, envs = await asyncio.get_running_loop().run_in_executor(self.executor, self.process, envelopes)
        m.stage_seconds.labels(name).observe(time.perf_counter() - started)
        records = [self.outputs.record(o, e) for o, e in zip(outcomes, envs)]
        state = await self._drain(tp)  # sent with every try of this batch, never drained again
        next_offset = messages[-1].offset + 1
        written: list[OutRecord] = []
        while True:
            try:
                errors = await self._write(tp, records, next_offset, state)
            except PartitionLost:
                log.warning("partition lost mid-batch; its next holder redoes it", extra={"partition": str(tp)})
                await self._forget_state()
                return
            except KafkaError as exc:  # the batch as a whole was not written (broker away, commit refused)
                m.send_errors.labels(name, type(exc).__name__).inc()
                log.warning("batch not written; retrying", extra={"error": repr(exc), "error_type": type(exc).__name__,
                                                                 "stage": name, "partition": str(tp)})
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if self.settings.transactions:
                written = [] if any(errors) else list(records)  # an aborted transaction wrote nothing
            else:
                written += [r for r, e in zip(records, errors) if e is None]
            if not any(errors):
                break
            for e in errors:
                if e is not None:
                    m.send_errors.labels(name, type(e).__name__).inc()
            refused = [_refused_for_good(e) for e in errors]
            records = [self._refused(r, e) if bad else r
                       for r, e, bad in zip(records, errors, refused) if e is not None or self.settings.transactions]
            if not any(refused):
                first = next(e for e in errors if e)
                log.warning("records not acknowledged; retrying",
                            extra={"error": repr(first), "error_type": type(first).__name__, "stage": name})
                await asyncio.sleep(RETRY_SECONDS)
        self._count(written, time.time())

    def _refused(self, record: OutRecord, exc: BaseException) -> OutRecord:
        if isinstance(record.outcome, DeadLetter) and record.outcome.reason == "output-rejected":
            raise exc  # not even the dead letter is taken: leave the input uncommitted
        return self.outputs.failed(record.outcome.id, record.envelope, "output-rejected",
                                   f"{type(exc).__name__}: {exc}")

    async def _write(self, tp: TopicPartition, records: Sequence[OutRecord], next_offset: int,
                     state: Sequence[StateRecord] = ()) -> list[Optional[BaseException]]:
        """Sends the records and the stage's state records and commits the input offsets with
        them. Returns each record's error (all None when the batch is written); raises
        PartitionLost when fenced off and KafkaError when the batch as a whole failed (a state
        record not taken included; a fresh producer is opened next time)."""
        if tp not in self.assignment:
            raise PartitionLost(tp)
        if not self.settings.transactions:
            return await self._write_at_least_once(tp, records, next_offset, state)
        await self._open(tp)
        p = self.producers[tp]
        try:
            await p.begin_transaction()
            errors = await self._send(p, records)
            state_errors = await self._send_state(p, state)
            if any(errors) or any(state_errors):
                fatal = next((e for e in [*errors, *state_errors] if e is not None and not _record_error(e)), None)
                if fatal is not None:  # fenced, or the producer is unusable: not about one record
                    raise fatal
                await p.abort_transaction()
                _raise_first(state_errors)
                return errors
            await p.send_offsets_to_transaction({tp: next_offset}, self.group)
            await p.commit_transaction()
            return errors
        except _FENCED as exc:
            await self._drop(tp)
            raise PartitionLost(tp) from exc
        except KafkaError:
            await self._drop(tp)
            raise
        except asyncio.CancelledError:  # shutting down mid-transaction: nothing of the batch commits
            await self._abandon(tp)
            raise

    async def _write_at_least_once(self, tp: TopicPartition, records: Sequence[OutRecord], next_offset: int,
                                   state: Sequence[StateRecord]) -> list[Optional[BaseException]]:
        errors = await self._send(self.shared_producer, records)
        _raise_first(await self._send_state(self.shared_producer, state))  # a retry sends them again
        if not any(errors):
            try:
                await self.consumer.commit({tp: next_offset})
            except KafkaError as exc:  # e.g. a rebalance: the batch comes again (at least once)
                log.warning("offsets not committed", extra={"error": repr(exc), "partition": str(tp)})
        return errors

    @staticmethod
    async def _send(p: AIOKafkaProducer, records: Sequence[OutRecord]) -> list[Optional[BaseException]]:
        """Every record sent, every acknowledgement awaited; one failure never stops the others."""
        return await _acknowledged([await p.send(r.topic, r.value, key=r.key, headers=r.headers) for r in records])

    @staticmethod
    async def _send_state(p: AIOKafkaProducer, records: Sequence[StateRecord]) -> list[Optional[BaseException]]:
        return await _acknowledged([await p.send(r.topic, r.value, key=r.key, partition=r.partition)
                                    for r in records])

    # --- the stage's state ----------------------------------------------------------------

    async def _in_stage_thread(self, fn, *args):
        """State calls run where the stage runs, so none overlaps a batch being processed."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def _drain(self, tp: TopicPartition) -> list[StateRecord]:
        if self.state is None:
            return []
        drained = await self._in_stage_thread(self.state.drain)
        return changelog.records(drained, self.state_topics, tp.partition)

    async def _restore_state(self, assigned: set[TopicPartition]) -> None:
        """The state of the assigned input partitions, from their changelog partitions. Not
        ready while the changelog cannot be read: the loop tries again before any batch."""
        if self.state is None:
            return
        await self._forget_state()
        if not assigned:
            return
        parts = sorted((TopicPartition(self.state_topics.changelog, tp.partition) for tp in assigned),
                       key=lambda tp: tp.partition)
        try:
            entries = await changelog.read(self.settings, parts)
        except (KafkaError, asyncio.TimeoutError) as exc:
            log.warning("state not restored; retrying before the next batch",
                        extra={"error": repr(exc), "stage": self.name})
            return
        await self._in_stage_thread(self.state.restore, entries)
        self.state_ready = True

    async def _forget_state(self) -> None:
        if self.state is not None:
            self.state_ready = False
            await self._in_stage_thread(self.state.forget)

    async def _resume(self, tp: TopicPartition, first: int) -> None:
        """Before a batch of a partition whose state is not there (lost mid-batch, or its
        changelog unreadable at the assignment): the state again, and the input again from its
        committed offset; `first`, the batch's first offset, when the broker cannot say."""
        try:
            offset = await self.consumer.committed(tp)
        except KafkaError as exc:
            log.warning("committed offset not read", extra={"error": repr(exc), "partition": str(tp)})
            offset = None
        else:
            await self._restore_state(self.assignment)
        if not self.state_ready:
            await asyncio.sleep(RETRY_SECONDS)
            offset = first
        if offset is None:
            await self.consumer.seek_to_beginning(tp)
        else:
            self.consumer.seek(tp, offset)

    # --- partitions coming and going ------------------------------------------------------

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        """A producer per new partition; starting it fences off the partition's last holder
        and settles what that holder left open (aborted, or committed if its commit had begun).
        Then every partition reads on from its committed offset: a batch fetched before this
        call returns, even one fetched while it ran, is stale for the partitions sought."""
        self.pending.clear()
        settled: set[TopicPartition] = set()
        try:
            if self.settings.transactions:
                async with self.busy:  # a batch of an already assigned partition may be in flight
                    for tp in assigned:
                        await self._open(tp)
                    settled = await self._seek_to_settled(assigned)
                    await self._restore_state(self.assignment)  # the last holder's transactions are settled
            else:
                await self._restore_state(self.assignment)
        finally:
            self.settled = settled
            self.generation += 1

    async def _seek_to_settled(self, assigned: set[TopicPartition]) -> set[TopicPartition]:
        """aiokafka reads the committed offsets as partitions come, without asking for stable
        ones (KIP-447), so it may read them while the last holder's final transaction is still
        open and redo that batch. The producers opened here settled those transactions: the
        offsets read now are the ones to go on from. Returns the partitions sought."""
        sought = set()
        for tp in assigned:
            try:
                offset = await self.consumer.committed(tp)
            except KafkaError as exc:  # the coordinator away: aiokafka's own reading stands
                log.warning("committed offset not read again", extra={"error": repr(exc), "partition": str(tp)})
                continue
            if offset is not None and tp in self.assignment:
                self.consumer.seek(tp, offset)
                sought.add(tp)
        return sought

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        for tp in revoked:  # its next holder reports its lag
            try:
                self.metrics.consumer_lag.remove(self.name, tp.topic, str(tp.partition))
            except KeyError:
                pass
        if not self.settings.transactions:
            await self._forget_state()  # queued behind the batch in flight, whose changes may be lost: it comes again
            return  # at least once: a batch whose offsets miss the rebalance comes again
        async with self.busy:  # the batch in flight is written first
            for tp in revoked:
                await self._drop(tp)
            await self._forget_state()

    async def _open(self, tp: TopicPartition) -> None:
        """Never two producers of one transactional id here: the second would fence the first."""
        if tp in self.producers:
            return
        p = producer(self.settings, transactional_id=f"{self.group}.{tp.topic}.{tp.partition}")
        await p.start()
        self.producers[tp] = p

    async def _abandon(self, tp: TopicPartition) -> None:
        p = self.producers.pop(tp, None)
        if p is None:
            return
        with contextlib.suppress(Exception):  # no transaction open yet, or the broker away: its timeout aborts it
            await asyncio.wait_for(p.abort_transaction(), ABORT_SECONDS)
        await p.stop()

    async def _drop(self, tp: TopicPartition) -> None:
        p = self.producers.pop(tp, None)
        if p is not None:
            await p.stop()

    async def broker_error(self, timeout: float) -> Optional[str]:
        """None when the leader of the input's first partition gives its end offset within
        `timeout`; else why not. A request whose cost does not grow with the cluster: the
        metadata of all its topics (`topics()`), every 2 s, took 3% of a worker's CPU with 190."""
        try:
            await asyncio.wait_for(self.consumer.end_offsets([TopicPartition(self.source, 0)]), timeout)
        except (KafkaError, asyncio.TimeoutError) as exc:
            return str(exc) or type(exc).__name__  # a KafkaError's text starts with its name
        return None

    @property
    def assignment(self) -> set[TopicPartition]:
        return set(self.consumer.assignment()) if self.consumer is not None else set()

    # --- the loop -------------------------------------------------------------------------

    async def run(self) -> None:
        s = self.settings
        kafka = consumer(
            s, group_id=self.group, auto_offset_reset="earliest",
            session_timeout_ms=int(s.session_timeout * 1000),
            heartbeat_interval_ms=int(min(3.0, s.session_timeout / 3) * 1000),
        )
        if not s.transactions:
            self.shared_producer = producer(s)
            await self.shared_producer.start()
        kafka.subscribe([self.source], listener=self)
        watching: Optional[asyncio.Future] = None
        try:
            self.consumer = kafka
            await kafka.start()
            self.started = True  # /readyz probes the broker through the consumer from now on
            watching = asyncio.ensure_future(self._watch_lag())
            while True:
                batches = await self.consumer.getmany(timeout_ms=int(s.batch_within * 1000), max_records=s.batch_size)
                fetched_in = self.generation
                self.pending.update((tp, messages[0].offset) for tp, messages in batches.items())
                for tp, messages in batches.items():
                    async with self.busy:
                        if self.generation != fetched_in and tp in self.settled:
                            continue  # a rebalance came between: the partition reads again from its committed offset
                        if self.state is not None and not self.state_ready:
                            await self._resume(tp, messages[0].offset)
                            continue
                        await self.handle(tp, messages)
                    self.pending.pop(tp, None)
                await self._export_lag(self._stable_offsets())
        except Exception:
            self.metrics.agent_crashes.labels(self.name).inc()
            log.exception("stage agent stopped", extra={"stage": self.name})
            raise
        finally:
            if watching is not None:
                watching.cancel()
            await kafka.stop()
            for tp in list(self.producers):
                await self._drop(tp)
            if self.shared_producer is not None:
                await self.shared_producer.stop()

    def register(self, app: faust.App) -> None:
        """Runs beside the Faust app (which serves /metrics and /readyz) as one of its tasks."""
        app.stage_agents.append(self)
        app.task(self.run)

    # --- metrics --------------------------------------------------------------------------

    def _count(self, written: Sequence[OutRecord], now: float) -> None:
        name, m = self.name, self.metrics
        for r in written:
            outcome = r.outcome
            for i, stage in enumerate(self.chain):  # each stage's own signals, also when fused
                m.observe(stage.name, outcome, final=self.final and i == len(self.chain) - 1)
            if isinstance(outcome, Article):
                m.items_out.labels(name).inc()
                if self.final:
                    self._observe_latency(outcome, now)
                continue
            m.dead_letters.labels(outcome.stage, outcome.reason).inc()
            log.warning("dead-lettered", extra={"id": outcome.id, "stage": outcome.stage, "reason": outcome.reason,
                                                "topic": outcome.topic, "partition": outcome.partition,
                                                "offset": outcome.offset})

    def _stable_offsets(self) -> dict[TopicPartition, int]:
        """The last stable offsets the latest fetches returned (no request to the broker)."""
        ends = {tp: self.consumer.last_stable_offset(tp) for tp in self.assignment}
        return {tp: end for tp, end in ends.items() if end is not None and end >= 0}

    async def _watch_lag(self) -> None:
        """Fresh end offsets every LAG_SECONDS, so the gauge moves while a batch is stuck in a
        stage or records arrive that no fetch has returned yet."""
        while True:
            await asyncio.sleep(LAG_SECONDS)
            tps = list(self.assignment)
            if not tps:
                continue
            try:
                ends = await asyncio.wait_for(self.consumer.end_offsets(tps), LAG_SECONDS * 5)
            except (KafkaError, asyncio.TimeoutError):  # the broker away: the gauge keeps its last value
                continue
            await self._export_lag(ends)

    async def _export_lag(self, ends: dict[TopicPartition, int]) -> None:
        """Lag per assigned partition: its end offset (the last stable offset, up to which a
        read_committed consumer reads) less the first offset whose output is not yet written,
        so records fetched but still in a stage count as waiting. Otherwise the consumer's
        position, which steps over transaction markers too."""
        for tp, end in ends.items():
            if tp not in self.assignment:  # revoked while an earlier position was awaited
                continue
            unwritten = self.pending.get(tp)
            if unwritten is None:
                try:
                    unwritten = await self.consumer.position(tp)
                except (IllegalStateError, KafkaError):  # revoked meanwhile
                    continue
                if tp not in self.assignment:  # revoked while awaited: its gauge is gone, not set again
                    continue
            self.metrics.consumer_lag.labels(self.name, tp.topic, str(tp.partition)).set(max(0, end - unwritten))

    def _observe_latency(self, article: Article, now: float) -> None:
        if article.processing.received_at is not None:
            self.metrics.end_to_end_seconds.observe(max(0.0, now - article.processing.received_at))
        since_fetch = _seconds_since_iso(article.fetched_at, now)
        if since_fetch is not None and since_fetch >= 0:
            self.metrics.fetch_to_enriched_seconds.observe(since_fetch)
