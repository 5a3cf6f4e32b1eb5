"""Writing tables safely: CSV cells that a spreadsheet would run are neutralized.

OWASP CSV injection guidance: a cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with a single quote so that Excel, LibreOffice and Google Sheets
show it as text instead of evaluating it as a formula.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

__all__ = ["neutralize_csv", "write_csv"]

_DANGEROUS = r"^[=+\-@\t\r]"
# An identifier made only of letters, digits and ``_ . : -`` (with a leading sign, as VK's
# ``-26554047_48988``) holds no function call, no DDE ``|`` and no space: a spreadsheet can
# at worst read it as arithmetic, never run it. Such ids are written as they are, so that
# every exported table joins with the others and with the Parquet files.
_SAFE_ID = r"^[-+]?[\w.:]+(?:-[\w.:]+)*$"


def _is_id(column: str) -> bool:
    """Return the identifier columns: ``*_id``, ``*_ids`` and the graph's node columns."""
    return column.endswith(("_id", "_ids")) or column in ("node", "a", "b", "id")


def neutralize_csv(df: pl.DataFrame) -> pl.DataFrame:
    """Prefix dangerous string cells with ``'``; numbers and safe identifiers stay as they are.

    Prefix dangerous string cells with ``'`` (every String column; numbers are untouched);
    identifiers of a safe shape are kept as they are (see ``_SAFE_ID``).

    Parameters
    ----------
    df : polars.DataFrame
        Any table.

    Examples
    --------
    >>> df = pl.DataFrame({"text": ["=cmd|' /C calc'!A0", "ok", "-1"],
    ...                    "comment_id": ["-26554047_48988", "=HYPERLINK(1)", "+1"]})
    >>> neutralize_csv(df).rows()
    [("'=cmd|' /C calc'!A0", '-26554047_48988'), ('ok', "'=HYPERLINK(1)"), ("'-1", '+1')]
    """
    exprs = []
    for c, t in df.schema.items():
        if t != pl.String:
            continue
        bad = pl.col(c).str.contains(_DANGEROUS)
        if _is_id(c):
            bad = bad & ~pl.col(c).str.contains(_SAFE_ID)
        exprs.append(pl.when(bad).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c))
    return df.with_columns(exprs) if exprs else df


def write_csv(df: pl.DataFrame, path: str | Path, batch_rows: int = 250_000) -> None:
    """Write ``df`` as UTF-8 CSV with spreadsheet-safe cells and ISO-8601 UTC times.

    Cells are converted ``batch_rows`` rows at a time, so that a table of millions of rows
    is never copied whole; the file is the same as from one pass.

    Parameters
    ----------
    df : polars.DataFrame
        Any table.
    path : str or Path
        The file to write.
    batch_rows : int
        Rows converted at a time.
    """
    convert = [
        pl.col(c).dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ")
        if isinstance(t, pl.Datetime)
        else pl.col(c).cast(pl.List(pl.String)).list.join(";")
        for c, t in df.schema.items()
        if isinstance(t, pl.Datetime | pl.List)
    ]
    with open(path, "wb") as fh:
        for start in range(0, max(df.height, 1), batch_rows):
            out = df.slice(start, batch_rows).with_columns(convert)
            neutralize_csv(out).write_csv(fh, include_header=start == 0)
