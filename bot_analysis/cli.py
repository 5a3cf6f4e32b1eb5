"""The command line: parses arguments, shows progress, calls the API, turns errors into messages.

Exit codes: 0 success; 1 an error in the input, the configuration or the output folder
(one line ``Error: ...`` on stderr) or an internal error (see run.log); 2 a usage error.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ._version import __version__
from .config import MAPPABLE, Config, load_config
from .errors import BotAnalysisError, ConfigError, IngestFailed

log = logging.getLogger("bot_analysis")

EXIT_CODES = """\b
Exit codes:
  0  success
  1  error: bad input, config or output folder (one "Error:" line), or an internal error
  2  usage error (unknown option, missing argument)"""


@contextmanager
def user_errors(debug: bool, out: Path | None = None) -> Iterator[None]:
    """Turn our errors into ``Error: ...`` and exit 1; hide tracebacks unless ``--debug``."""
    try:
        yield
    except BotAnalysisError as e:
        raise click.ClickException(str(e)) from None
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(1)
    except Exception as e:
        if debug:
            raise
        # the traceback goes to run.log only (DEBUG: the console shows WARNING and up)
        log.debug("internal error", exc_info=True)
        logged = out is not None and (out / "run.log").is_file()
        where = f"see {out / 'run.log'}, " if logged else ""  # type: ignore[operator]
        raise click.ClickException(
            f"internal error ({type(e).__name__}: {e}); {where}re-run with --debug, "
            "and please report it."
        ) from None


class _Progress:
    """Progress on stderr: a rich bar on a terminal, nothing when not a terminal or --quiet."""

    def __init__(self, quiet: bool) -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None
        self._t0 = time.perf_counter()

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("[bold]{task.fields[stage]}[/] {task.completed:,.0f} rows"),
                TextColumn("{task.fields[rate]}"),
                TextColumn("{task.fields[info]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("", total=None, stage="", rate="", info="")
        return self

    def __call__(self, stage: str, done: int, total: int | None = None, info: str = "") -> None:
        if self._bar is None:
            return
        rate = done / max(time.perf_counter() - self._t0, 1e-9)
        self._bar.update(
            self._task, completed=done, stage=stage, rate=f"{rate:,.0f} rows/s", info=info[-60:]
        )

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def _setup_logging(verbose: int, out: Path | None) -> None:
    root = logging.getLogger("bot_analysis")
    root.setLevel(logging.DEBUG)
    root.handlers.clear()
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(console)
    if out is not None and out.is_dir():
        fh = logging.FileHandler(out / "run.log", mode="w", encoding="utf-8")
        fh.setLevel(logging.DEBUG)
        fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(fh)


def _parse_map(_ctx: Any, _param: Any, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for v in values:
        canon, sep, src = v.partition("=")
        canon, src = canon.strip(), src.strip()
        if not sep or not canon or not src:
            raise click.BadParameter(f"{v!r}: expected CANONICAL=SOURCE, e.g. text=body")
        if canon not in MAPPABLE:
            raise click.BadParameter(
                f"{canon!r} is not a canonical column; map one of {', '.join(MAPPABLE)}"
            )
        if canon in dict(out):
            raise click.BadParameter(f"{canon!r} is mapped twice; give each column once")
        out.append((canon, src))
    return tuple(out)


def _config(config_file: str | None, seed: int | None, **ingest: Any) -> Config:
    cfg = load_config(config_file)
    changes: dict[str, Any] = {}
    if seed is not None:
        changes["seed"] = seed
    for k, v in ingest.items():
        if v not in (None, ()):
            changes[f"ingest.{k}"] = v
    return cfg.replace(**changes) if changes else cfg


def _common(f: Any) -> Any:
    opts = [
        click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path)),
        click.option(
            "--out",
            "-o",
            type=click.Path(path_type=Path),
            required=True,
            help="Output folder (created if missing; the files an earlier run wrote there "
            "are replaced, nothing else is touched).",
        ),
        click.option(
            "--format",
            "fmt",
            metavar="NAME",
            help="Read every input as this format (see `bot-analysis formats`).",
        ),
        click.option(
            "--map",
            "mapping",
            multiple=True,
            callback=_parse_map,
            metavar="CANONICAL=SOURCE",
            help="Name a column for generic files, e.g. --map text=body. Repeatable. "
            f"CANONICAL: {', '.join(MAPPABLE)}.",
        ),
        click.option(
            "--naive-tz",
            metavar="TZ",
            help="Time zone for times without an offset (e.g. UTC, Europe/Moscow); "
            "without it such rows are rejected as naive_timestamp.",
        ),
        click.option(
            "--youtube-video-id",
            metavar="ID",
            help="Video id for youtube-comment-downloader files (default: file name).",
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False),
            help="TOML file with parameters (sections named after stages).",
        ),
        click.option("--seed", type=int, help="Seed for every random step (default 0)."),
        click.option(
            "--engine",
            type=click.Choice(["local", "dask"]),
            default="local",
            show_default=True,
            help="Where the heavy stages run: worker processes on this machine, or a Dask "
            "cluster (needs `pip install bot-analysis[dask]`). Results are the same.",
        ),
        click.option(
            "--scheduler",
            metavar="ADDRESS",
            help="With --engine dask: a running Dask scheduler (tcp://host:8786); "
            "without it a LocalCluster is started for the run.",
        ),
        click.option(
            "--workers",
            type=click.IntRange(1, 256),
            help="Worker processes (default: the CPUs available, at most 8, or 1 for "
            "inputs under 4 MB; 1 runs everything in this process).",
        ),
        click.option("--quiet", "-q", is_flag=True, help="No progress display."),
        click.option("--verbose", "-v", count=True, help="More messages on stderr (-vv: debug)."),
        click.option("--debug", is_flag=True, help="Show tracebacks of internal errors."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="bot-analysis")
def cli() -> None:
    """Find coordinated inauthentic commenting (bot campaigns) in comment dumps.

    Reads VK, Telegram, X/Twitter, YouTube, Reddit and 4CAT exports, or any CSV, JSON,
    NDJSON or Parquet file with comment columns.
    """


def _input_bytes(inputs: tuple[Path, ...]) -> int:
    """Bytes on disk of the inputs (files, and files under folders)."""
    total = 0
    for p in inputs:
        files = p.rglob("*") if p.is_dir() else [p]
        total += sum(f.stat().st_size for f in files if f.is_file())
    return total


def _run(
    kind: str,
    inputs: tuple[Path, ...],
    out: Path,
    fmt: str | None,
    mapping: tuple[tuple[str, str], ...],
    naive_tz: str | None,
    youtube_video_id: str | None,
    config_file: str | None,
    seed: int | None,
    quiet: bool,
    verbose: int,
    debug: bool,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    review_store: Path | None = None,
) -> None:
    from .engine import make_engine
    from .pipeline import analyze, load_comments
    from .report.write import prepare_out

    with user_errors(debug, out):
        cfg = _config(
            config_file,
            seed,
            mapping=mapping,
            naive_tz=naive_tz,
            youtube_video_id=youtube_video_id,
        )
        prepare_out(out)
        _setup_logging(verbose, out)
        with make_engine(engine, scheduler, workers, _input_bytes(inputs)) as eng:
            try:
                with _Progress(quiet) as progress:
                    if kind == "analyze":
                        result = analyze(
                            list(inputs),
                            cfg,
                            fmt=fmt,
                            progress=progress,
                            review_store=review_store,
                            engine=eng,
                        )
                    else:
                        result = load_comments(
                            list(inputs), cfg, fmt=fmt, progress=progress, engine=eng
                        )
            except IngestFailed as e:
                # what was read is still written (rejects.csv, run.json) before the error
                e.result.write(out, engine=eng)
                _echo_counts(e.result)
                raise
            try:
                result.write(out, engine=eng)
            finally:
                result.close()
    _echo_counts(result)
    if result.campaigns is not None:
        camp = result.campaigns
        n_flag = int(camp["flagged"].sum()) if camp.height else 0
        click.echo(f"{n_flag} campaign(s) flagged of {camp.height} candidate(s)")
    click.echo(
        f"results in {out}/" + (" (open index.html)" if (out / "index.html").exists() else "")
    )


def _echo_counts(result: Any) -> None:
    """Print the row counts of the ingest."""
    c = result.counts
    click.echo(
        f"{c['rows_read']:,} rows read: {c['accepted']:,} accepted, {c['rejected']:,} rejected, "
        f"{c['duplicates_dropped']:,} duplicates dropped"
        + (
            f" ({c['skipped_non_content']:,} non-content records skipped)"
            if c["skipped_non_content"]
            else ""
        )
    )
    if c["rejects_by_reason"]:
        reasons = ", ".join(f"{k} {v:,}" for k, v in c["rejects_by_reason"].items())
        click.echo(f"rejected by reason: {reasons}")


@cli.command()
@_common
def ingest(**kwargs: Any) -> None:
    """Read dumps into one canonical table: comments.parquet, rejects.csv, run.json.

    INPUTS are files, folders (read recursively) or .zip archives; .gz, .bz2 and .zst
    files are decompressed on the fly; UTF-8 (with or without BOM), UTF-16 and cp1251
    are detected.

    \b
    Example:
      bot-analysis ingest vk_dump.json tweets.jsonl.gz --out runs/brics
      bot-analysis ingest forum.csv --map comment_id=post --map text=message --out runs/f
    """
    _run("ingest", **kwargs)


@cli.command()
@_common
@click.option(
    "--review-store",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file of reviewer decisions (see `bot-analysis review`): known "
    "decisions are shown, confirmed false positives are not flagged.",
)
def analyze(review_store: Path | None, **kwargs: Any) -> None:
    """Run the whole analysis and write the results into --out.

    Writes index.html (the report), campaigns.csv/.json, clusters.csv, flagged_comments.csv,
    accounts.csv, graph.gexf, bursts.csv, review.csv, comments.parquet, rejects.csv, run.json.

    \b
    Example:
      bot-analysis analyze sample_data/dumps --out reports/demo
      bot-analysis analyze dumps/ --out runs/2 --review-store reviews.sqlite
    """
    _run("analyze", review_store=review_store, **kwargs)


@cli.group()
def review() -> None:
    """Record reviewer decisions (confirmed, false_positive, unsure) that later runs remember.

    \b
    Example:
      bot-analysis review serve reports/demo --store reviews.sqlite
      bot-analysis review import reports/demo/review.csv --store reviews.sqlite
      bot-analysis review export --store reviews.sqlite --out decisions.csv
    """


@review.command("serve")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--store",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("reviews.sqlite"),
    show_default=True,
    help="SQLite review store (created if missing).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port (0: any free).")
def review_serve(out_dir: Path, store: Path, host: str, port: int) -> None:
    """Review a run in the browser: queue, campaigns, clusters, accounts, decisions.

    Serves OUT_DIR (the --out folder of analyze) on this machine only (unless --host says
    otherwise) and records every decision in the store at once; later runs given
    --review-store remember them. Stop with Ctrl-C.

    \b
    Example:
      bot-analysis review serve reports/demo --store reviews.sqlite
    """
    from .webapp import serve

    with user_errors(False):
        serve(out_dir, store, host=host, port=port, echo=click.echo)


@review.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--store",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="SQLite review store (created if missing).",
)
def review_import(file: Path, store: Path) -> None:
    """Record the filled-in decisions of a review.csv in the store.

    \b
    Example:
      bot-analysis review import reports/demo/review.csv --store reviews.sqlite
    """
    from .review import ReviewStore

    with user_errors(False):
        s = ReviewStore(store)
        try:
            counts = s.import_csv(file)
        finally:
            s.close()
    done = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no decisions filled in"
    click.echo(f"recorded: {done} (store {store})")


@review.command("export")
@click.option(
    "--store",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="SQLite review store.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="CSV file to write.",
)
def review_export(store: Path, out: Path) -> None:
    """Write every recorded decision as CSV.

    \b
    Example:
      bot-analysis review export --store reviews.sqlite --out decisions.csv
    """
    from .review import ReviewStore

    with user_errors(False):
        if not store.exists():
            raise ConfigError(f"review store {store} does not exist")
        s = ReviewStore(store)
        try:
            n = s.export_csv(out)
        finally:
            s.close()
    click.echo(f"{n} decision(s) written to {out}")


@cli.command()
def formats() -> None:
    """List the input formats, one line each (use a name with --format)."""
    from .ingest import FORMATS

    width = max(map(len, FORMATS))
    for f in FORMATS.values():
        click.echo(f"{f.name:<{width}}  {f.platform:<9} {f.description}")


def main() -> None:
    """Console entry point."""
    cli(prog_name="bot-analysis")
