"""The README documents every command and option (it fails when one is added undocumented)."""

from __future__ import annotations

from bot_analysis.cli import cli

from .conftest import ROOT


def test_readme_names_every_command_and_option():
    readme = (ROOT / "README.md").read_text("utf-8")
    for name, cmd in cli.commands.items():
        assert f"bot-analysis {name}" in readme or f"`{name}`" in readme, name
        for param in cmd.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in readme, f"{name} {opt}"
    for target in ("make demo", "make test"):
        assert target in readme


def test_every_command_has_help_with_an_example():
    for name, cmd in cli.commands.items():
        assert cmd.help, name
        if name != "formats":
            assert "Example" in cmd.help, name


def test_readme_notebook_example_runs(tmp_path, monkeypatch):
    """The README's notebook example, run as a doctest from a folder with the sample data."""
    import doctest
    import re

    readme = (ROOT / "README.md").read_text("utf-8")
    example = re.search(r"### In a notebook.*?```python\n(.*?)```", readme, re.S)
    assert example, "the README lost its notebook example"
    (tmp_path / "sample_data").symlink_to(ROOT / "sample_data")
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest(example.group(1), {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0
    assert runner.tries >= 6
    assert (tmp_path / "reports" / "notebook" / "index.html").exists()
