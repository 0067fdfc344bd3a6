"""Rewrites the README's generated sections from the code: `python docs/sync_readme.py`.

The configuration table comes from `Settings`, the stage table from `STAGES`; each sits
between `<!-- name:start -->` and `<!-- name:end -->` markers. `--check` exits 1 when the
README is out of date (a test runs it).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from newsflow.agents import STAGES
from newsflow.streams.config import Settings, markdown_table
from newsflow.streams.topics import hops

README = Path(__file__).resolve().parent.parent / "README.md"


def stage_table() -> str:
    s = Settings()
    rows = ["| stage | code | reads | writes | adds |", "|---|---|---|---|---|"]
    for spec, hop in zip(STAGES, hops(s)):
        rows.append(f"| `{spec.name}` | [`agents/{spec.name}/`](agents/{spec.name}/) | `{hop.source}` | "
                    f"`{hop.sink}` | {spec.adds} |")
    return "\n".join(rows) + "\n"


SECTIONS = {"config": markdown_table, "stages": stage_table}


def synced(text: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- {name}:start --> ... <!-- {name}:end --> section")
        text = pattern.sub(lambda m: m.group(1) + make() + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    wanted = synced(current)
    if "--check" in argv:
        if wanted != current:
            print("README.md is out of date: run python docs/sync_readme.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
