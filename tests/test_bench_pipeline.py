"""The pure parts of bench/pipeline.py: its figures, the sweep's pace and the report. No run."""
from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import pipeline as bench  # noqa: E402  (bench/ is scripts, not a package)


def test_percentiles_are_nearest_rank():
    values = [i / 100 for i in range(1, 101)]  # 0.01 .. 1.00
    assert bench.percentiles(values) == (0.5, 0.95, 0.99)
    assert bench.percentiles([3.0]) == (3.0, 3.0, 3.0)
    assert bench.percentiles([2.0, 1.0], ps=(50, 100)) == (1.0, 2.0)
    assert bench.percentiles([]) is None


def test_sustained_rate_leaves_the_warm_up_out():
    slow_start = [10.0 + i for i in range(10)]  # 1 item/s while models load
    steady = [20.0 + i / 50 for i in range(90)]  # then 50 items/s
    assert bench.sustained_rate(slow_start + steady, warmup=0.1) == pytest.approx(50)


def test_sustained_rate_of_batches_from_several_processes():
    """Two processes write 10 items each at once every second: 20 items/s, not more."""
    times = [float(second) for second in range(1, 21) for _ in range(20)]
    assert bench.sustained_rate(times, warmup=0.1) == pytest.approx(20, rel=0.01)
    assert bench.sustained_rate([5.0, 5.0, 5.0]) == 0.0
    assert bench.sustained_rate([1.0]) == 0.0


def test_schedule_steps_through_the_shares_of_capacity():
    steps = bench.schedule(40.0, 60)
    assert [s.share for s in steps] == [0.25, 0.5, 0.75, 1.0, 1.2]
    assert [s.rate for s in steps] == [10.0, 20.0, 30.0, 40.0, 48.0]
    assert [s.start for s in steps] == [0, 60, 120, 180, 240]


def test_a_step_sends_at_an_even_pace_and_no_more():
    step = bench.Step(share=0.5, rate=20.0, start=0, seconds=60)
    assert [step.due(t) for t in (-1, 0, 0.05, 0.5, 30)] == [0, 0, 1, 10, 600]
    assert step.due(61) == step.due(600) == 1200


def _contender(name, rate, cpu, mb, latency=None):
    return bench.Contender(name, 2, 900, rate, cpu, mb, latency)


GLUE = _contender("(b) glue", 60.0, 0.030, [400])
WORKER = _contender("worker", 30.0, 0.060, [1300, 1400, 1450], (0.2, 0.5, 0.9))
ENRICH = _contender("enrich", 32.0, 0.055, [1350])


def test_table_gives_each_ratio_to_the_glue():
    table = bench.render_table([GLUE, WORKER], GLUE)
    assert table[0].startswith("| contender |") and table[1].count("---") == 10
    assert table[2] == "| (b) glue | 2 | 900 | 60.0 | 1.00 | 0.030 | 1.00 | 400 | 1.00 | - |"
    assert table[3] == ("| worker | 2 | 900 | 30.0 | 0.50 | 0.060 | 2.00 | 1300 / 1400 / 1450 | 3.62 "
                        "| 0.20 / 0.50 / 0.90 |")


def test_targets_say_met_or_not():
    targets = bench.render_targets(WORKER, GLUE, ENRICH)
    assert targets[0] == "- **not met**: newsflow ≥ 2× (b): 0.50×"
    assert targets[1].startswith("- met: Kafka + agents overhead ≤ 10%") and targets[1].endswith("6.2%")
    assert targets[2] == "- met: p99 latency < 1 s at 50% of capacity: 0.90 s"
    assert targets[3] == "- met: peak RSS per worker process < 1.5 GB: 1450 MB"
    no_sweep = bench.render_targets(_contender("worker", 30.0, 0.06, [1600]), GLUE, ENRICH)
    assert "**not met**: p99 latency < 1 s at 50% of capacity: not measured" in no_sweep[2]
    assert no_sweep[3].startswith("- **not met**: peak RSS")


def test_the_overhead_is_judged_on_the_median_of_the_pairs():
    """One pair says met (6.2%), the two further pairs not (15%, 20%): the median (15%) decides."""
    targets = bench.render_targets(WORKER, GLUE, ENRICH, repeats=[(34.0, 40.0), (24.0, 30.0)])
    assert targets[1] == ("- **not met**: Kafka + agents overhead ≤ 10% against offline enrich, 2 processes each: "
                          "median 15.0% over 3 alternating pairs (6.2%, 15.0%, 20.0%)")
    assert bench.render_targets(WORKER, GLUE, ENRICH, repeats=[(31.0, 32.0)])[1].startswith("- met:")


def test_sweep_table_and_recovery():
    step = bench.schedule(40.0, 60)[4]
    result = bench.StepResult(step, 2880, 40.2, (1.5, 9.0, 12.0), 120.4, 500, 480, 7.25, 1.62, 1.97)
    rows = bench.render_sweep([result], 14.2)
    assert rows[2] == "| 120% | 48.0 | 2880 | 40.2 | 1.50 / 9.00 / 12.00 | 120 | 500 | 480 | 7.2 | 1.62 / 1.97 |"
    assert rows[-1].startswith("Backlog (items published and not back: the lag, end to end) back to 0 14 s")


def test_results_page_holds_every_part_in_order():
    text = bench.render_results(["- date: today"], ["| t |"], ["- met: x"], ["| s |"], ["- notes"], "sweep.png")
    order = ["# Pipeline benchmark", "- date: today", "## Throughput", "| t |", "## Targets", "- met: x",
             "## Load sweep", "| s |", "![latency and lag through the sweep](sweep.png)", "## Where the time goes",
             "- notes"]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    no_sweep = bench.render_results(["- date: today"], ["| t |"], ["- met: x"], [], ["- notes"], None)
    assert "## Load sweep" not in no_sweep and ".png" not in no_sweep


METRICS = """# HELP newsflow_consumer_lag Records waiting.
newsflow_consumer_lag{partition="0",stage="extract",topic="raw-items-x"} 12.0
newsflow_consumer_lag{partition="1",stage="entities",topic="newsflow-x.segment"} 3.0
newsflow_stage_batch_size_count{stage="extract"} 10.0
newsflow_stage_batch_size_sum{stage="extract"} 40.0
newsflow_stage_batch_seconds_sum{stage="extract"} 0.2
newsflow_stage_busy_seconds_total{stage="extract"} 0.6
newsflow_stage_batch_size_bucket{le="1.0",stage="extract"} 2.0
newsflow_stage_items_out_total{stage="extract"} 40.0
"""


def test_metrics_give_the_lag_of_every_stage_and_the_batch_counters():
    assert bench.parse_metrics(METRICS) == {"lag": 15.0, "extract calls": 10.0, "extract records": 40.0,
                                            "extract compute_s": 0.2, "extract busy_s": 0.6}
    assert bench.parse_metrics("") == {"lag": 0.0}


def test_stage_costs_between_two_scrapes():
    before = {"lag": 9.0, "extract calls": 2.0, "extract records": 8.0, "extract compute_s": 0.1, "extract busy_s": 0.2}
    after = bench.parse_metrics(METRICS)
    assert bench.per_call(before, after) == 4.0
    assert bench.per_call(after, after) == 0.0
    assert bench.stage_costs(before, after) == "extract 4.0 records per call, 3.1 ms in the stage + 9.4 ms writing"


def test_the_warm_up_articles_are_other_articles_of_the_mix_sources():
    import orjson

    measured = bench.mix(120)
    warm = bench.warm_up_mix(80, measured)
    ids = [orjson.loads(p)["id"] for p in warm]
    assert len(warm) == 80 and all(i.startswith(bench.WARM_PREFIX) for i in ids)
    assert not {i[len(bench.WARM_PREFIX):] for i in ids} & {orjson.loads(p)["id"] for p in measured}
    assert not any(orjson.loads(p).get("html") for p in warm)  # the pages are all in the measured mix
    assert bench.mix(120) == measured  # the measured mix does not depend on the warm-up
