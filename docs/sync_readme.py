"""Rewrites the README's generated sections from the code: `python docs/sync_readme.py`.

The configuration table comes from `Settings`, the stage table from `STAGES`; each sits
between `<!-- name:start -->` and `<!-- name:end -->` markers. `--check` exits 1 when the
README is out of date (a test runs it). `--example` also reruns `newsflow enrich` on the
demo's HTML item for the example record (models load: seconds, so the check leaves it out).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from newsflow.agents import STAGES
from newsflow.streams.config import Settings, markdown_table
from newsflow.streams.topics import hops

README = Path(__file__).resolve().parent.parent / "README.md"


def stage_table() -> str:
    rows = ["| stage | code | reads | writes | adds |", "|---|---|---|---|---|"]
    optional = [sp.name for sp in STAGES if sp.optional]
    for spec, hop in zip(STAGES, hops(Settings(optional_stages=",".join(optional), fused=False))):
        adds = f"optional (`NEWSFLOW_OPTIONAL_STAGES={spec.name}`): {spec.adds}" if spec.optional else spec.adds
        rows.append(f"| `{spec.name}` | [`agents/{spec.name}/`](agents/{spec.name}/) | `{hop.source}` | "
                    f"`{hop.sink}` | {adds} |")
    [fused] = hops(Settings())
    return "\n".join(rows) + (
        f"\n\nThe topics above are those of `NEWSFLOW_FUSED=false` (one agent per stage). By default "
        f"one agent, `{fused.stage}`, runs {', '.join(f'`{n}`' for n in fused.stages)} together: it reads "
        f"`{fused.source}` and writes `{fused.sink}` (with `stories` on, `{hops(Settings(optional_stages='stories'))[0].sink}`, "
        "which `stories` reads).\n")


def example() -> str:
    item = (README.parent / "newsflow" / "demo_items.jsonl").read_bytes().splitlines()[2]
    done = subprocess.run([sys.executable, "-m", "newsflow.cli", "enrich", "--no-tokens", "--quiet"],
                          input=item, capture_output=True, check=True)
    record = json.loads(done.stdout)
    record["processing"]["received_at"] = 1765000000.0  # a fixed stamp: the README does not change per run
    record["processing"]["stage_ms"] = {k: 0.0 for k in record["processing"]["stage_ms"]}
    return "```json\n" + _compact(record) + "\n```\n"


def _compact(record: dict) -> str:
    """One line per field, one per element of the object lists: readable, still valid JSON."""
    def value(v) -> str:
        if isinstance(v, list) and v and isinstance(v[0], dict):
            return "[\n" + ",\n".join("   " + json.dumps(x, ensure_ascii=False) for x in v) + "\n ]"
        return json.dumps(v, ensure_ascii=False)

    return "{\n" + ",\n".join(f" {json.dumps(k)}: {value(v)}" for k, v in record.items()) + "\n}"


SECTIONS = {"config": markdown_table, "stages": stage_table}


def synced(text: str, sections: dict = SECTIONS) -> str:
    for name, make in sections.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- {name}:start --> ... <!-- {name}:end --> section")
        text = pattern.sub(lambda m: m.group(1) + make() + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    wanted = synced(current, {**SECTIONS, "example": example} if "--example" in argv else SECTIONS)
    if "--check" in argv:
        if wanted != current:
            print("README.md is out of date: run python docs/sync_readme.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
