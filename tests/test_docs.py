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


# the package's public faces: what a notebook imports (a stage package's submodules are its
# steps, and modules whose name starts with "_" are private)
PUBLIC = (
    "bot_analysis",
    "bot_analysis.pipeline",
    "bot_analysis.result",
    "bot_analysis.config",
    "bot_analysis.errors",
    "bot_analysis.engine",
    "bot_analysis.exports",
    "bot_analysis.schema",
    "bot_analysis.review",
    "bot_analysis.spill",
    "bot_analysis.bursts",
    "bot_analysis.ingest",
    "bot_analysis.neardup",
    "bot_analysis.coordination",
    "bot_analysis.campaigns",
    "bot_analysis.report",
    "bot_analysis.report.tables",
    "bot_analysis.report.write",
    "bot_analysis.report.gexf",
)


def _documented_parameters(doc: str) -> set[str]:
    """The names a numpydoc ``Parameters`` section documents."""
    import re

    section = re.search(r"Parameters\n-+\n(.*?)(\n\n[A-Z][a-z]+\n-+\n|\Z)", doc, re.S)
    names: set[str] = set()
    for line in (section.group(1) if section else "").splitlines():
        m = re.match(r"^([\w, *]+?)\s*:", line)
        if m and not line.startswith(" "):
            names |= {x.strip().lstrip("*") for x in m.group(1).split(",")}
    return names


def test_every_public_function_documents_its_parameters():
    import importlib
    import inspect

    missing = []
    for name in PUBLIC:
        module = importlib.import_module(name)
        for attr in module.__all__:
            obj = getattr(module, attr)
            if not inspect.isfunction(obj):
                continue
            params = [p for p in inspect.signature(obj).parameters if p not in ("self", "cls")]
            documented = _documented_parameters(inspect.getdoc(obj) or "")
            missing += [f"{name}.{attr}({p})" for p in params if p not in documented]
    assert not missing, missing
