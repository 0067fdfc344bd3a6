"""The README's generated tables (configuration, stages) match the code they describe."""
import subprocess
import sys

from newsflow.streams.config import Settings, markdown_table
from tests.conftest import ROOT


def test_readme_tables_are_in_step_with_the_code():
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "sync_readme.py"), "--check"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_every_setting_has_its_row_and_every_flag_its_option():
    from newsflow.cli import parser

    table = markdown_table()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    help_text = " ".join(a.format_help() for a in parser()._subparsers._group_actions[0].choices.values())
    for name, f in Settings.__dataclass_fields__.items():
        row = f"`NEWSFLOW_{name.upper()}`"
        assert row in table and row in readme, name
        if f.metadata.get("flag"):
            assert f.metadata["flag"] in help_text, f.metadata["flag"]
