"""Articles per second of `newsflow enrich` against the tuned glue script, same items, same run.

    .venv/bin/pip install -e ".[bench]"     # the glue's libraries
    .venv/bin/python bench/throughput.py [--items 1000] [--jobs 1,2] [--glue-processes 2]

The mix is real news from ../shared/data: HTML pages of the extraction benchmark, BBC
articles, MasakhaNEWS French and Swahili, NTREX articles in 18 languages. Each command runs
as a whole process (start-up and model loading included), one after the other; the figure
that matters is the ratio to the glue in the same run. Beside articles/s: CPU ms per article
of the whole command (its processes' user + system time, start-up included) and, for
newsflow, each stage's mean `processing.stage_ms` (per item of its batch, in the worker).
"""
from __future__ import annotations

import argparse
import functools
import gzip
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


def _rows(path: Path) -> list[dict]:
    with gzip.open(path, "rb") as f:
        return [orjson.loads(line) for line in f]


@functools.cache
def _pools() -> list[tuple[list[dict], float]]:
    """The mix's sources and their shares: HTML pages, BBC, MasakhaNEWS, NTREX (not English);
    read once per process (the mix and its warm-up both draw from them, and do not change them)."""
    pages = [{"id": f"html-{r['id']}", "url": r.get("url"), "html": r["html"]}
             for r in _rows(DATA / "extraction" / "scrapinghub_aeb.jsonl.gz")]
    bbc = [{"id": r["id"], "title": r["title"], "text": r["text"], "lang_hint": "en"}
           for r in _rows(DATA / "news_corpus" / "bbc_news.jsonl.gz")]
    africa = [{"id": r["id"], "title": r["title"], "text": r["text"]}
              for r in _rows(DATA / "news_corpus" / "masakhanews_fr_sw.jsonl.gz")]
    ntrex = [{"id": f"ntrex-{i}", "text": r["text"]}
             for i, r in enumerate(_rows(DATA / "news_clustering" / "ntrex_crosslingual.jsonl.gz"))
             if r.get("lang") != "en"]
    return [(pages, 0.2), (bbc, 0.5), (africa, 0.15), (ntrex, 0.15)]


def mix(n: int, seed: int = 7) -> list[bytes]:
    rnd = random.Random(seed)
    items = [row for rows, share in _pools() for row in rnd.sample(rows, min(len(rows), round(n * share)))]
    rnd.shuffle(items)
    return [orjson.dumps(row) for row in items[:n]]


def warm_up_mix(n: int, measured: list[bytes], seed: int = 11) -> list[bytes]:
    """N other articles of the mix's plain-text sources, in their shares, none of them measured:
    a long-running process has met the common words and languages of the traffic before, and a
    rate taken after these is that process's (the HTML pages are all in the measured mix)."""
    rnd, taken = random.Random(seed), {orjson.loads(p)["id"] for p in measured}
    text = [(rows, share) for rows, share in _pools() if "html" not in rows[0]]
    total = sum(share for _, share in text)
    items = []
    for rows, share in text:
        free = [row for row in rows if row["id"] not in taken]
        items += rnd.sample(free, min(len(free), round(n * share / total)))
    rnd.shuffle(items)
    return [orjson.dumps({**row, "id": f"warm-{row['id']}"}) for row in items[:n]]


@dataclass
class Run:
    seconds: float
    lines: list[bytes]
    cpu_s: float  # user + system of the command's processes
    peak_mb: int  # RSS of the largest process the command ran


def timed(cmd: list[str]) -> Run:
    """Runs `cmd` to its end; its own resource usage (os.wait4), not that of earlier commands."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.stdout.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise subprocess.CalledProcessError(proc.returncode, cmd, out, err.read())
    return Run(seconds, out.splitlines(), usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024)


def stage_ms(lines: list[bytes]) -> dict[str, float]:
    """Mean milliseconds per article of each stage, from the articles' `processing.stage_ms`."""
    totals: dict[str, float] = {}
    for line in lines:
        for stage, ms in orjson.loads(line)["processing"]["stage_ms"].items():
            totals[stage] = totals.get(stage, 0.0) + ms
    return {stage: total / max(len(lines), 1) for stage, total in totals.items()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=1000)
    ap.add_argument("--jobs", default="1,2", help="newsflow enrich --jobs values to run")
    ap.add_argument("--glue-processes", type=int, default=2)
    args = ap.parse_args()
    payloads = mix(args.items)
    chars = sum(len(orjson.loads(p).get("text") or orjson.loads(p).get("html") or "") for p in payloads)
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as f:
        f.write(b"\n".join(payloads) + b"\n")
    print(f"{len(payloads)} items ({chars / len(payloads):,.0f} characters of input each on average)")
    glue = timed([sys.executable, str(ROOT / "bench" / "glue.py"), f.name, "--processes", str(args.glue_processes)])
    rows = [("glue (trafilatura, pycld2, blingfire, en_core_web_sm NER)", args.glue_processes, glue)]
    for jobs in [int(j) for j in args.jobs.split(",")]:
        run = timed([sys.executable, "-m", "newsflow.cli", "enrich", f.name, "--quiet", "--jobs", str(jobs)])
        rows.append(("newsflow enrich", jobs, run))
    glue_rate = len(glue.lines) / glue.seconds
    print(f"{'command':<58} {'procs':>5} {'seconds':>8} {'articles':>8} {'art/s':>7} {'x glue':>7} {'peak MB':>8}"
          f" {'CPU ms/art':>10}")
    for name, procs, run in rows:
        n = len(run.lines)
        print(f"{name:<58} {procs:>5} {run.seconds:>8.1f} {n:>8} {n / run.seconds:>7.1f} "
              f"{(n / run.seconds) / glue_rate:>7.2f} {run.peak_mb:>8} {1000 * run.cpu_s / n:>10.1f}")
    for _, procs, run in rows[1:]:
        stages = ", ".join(f"{stage} {ms:.1f}" for stage, ms in stage_ms(run.lines).items())
        print(f"newsflow enrich --jobs {procs}: ms per article by stage: {stages}")
    Path(f.name).unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
