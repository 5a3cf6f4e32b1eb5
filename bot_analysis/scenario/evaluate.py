"""Score an analysis run against a scenario's ground truth, from the output contract files only.

Reads ``accounts.csv``, ``flagged_comments.csv``, ``campaigns.csv`` and ``run.json`` of a run
and ``truth/`` of a scenario. A file the run did not write scores as nothing found (zeros),
never as an error, so the figures are honest before detection exists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

__all__ = ["evaluate_run", "format_report", "run_measured"]

KEY = ["platform", "account_id"]


def run_measured(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd``; return its wall seconds and its peak memory in MB.

    The peak is of the whole process tree (the command and its worker processes), sampled
    every 0.5 s from ``/proc``: the command's resident memory plus its workers' anonymous
    resident memory (see :func:`_tree_mb`); elsewhere, the command's own peak resident
    memory.

    Raises
    ------
    RuntimeError
        If the command fails (its stderr is in the message).
    """
    import subprocess
    import threading
    import time

    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], _tree_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    if Path("/proc/self/status").exists():
        sampler.start()
    _, err_bytes = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err_bytes.decode(errors='replace')}")
    import resource

    own = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, round(peak[0], 1) if peak[0] else own


def _tree_mb(root: int) -> float:
    """Memory (MB) of ``root`` and its descendants, from /proc (0 once it has exited).

    The root's resident set plus each descendant's anonymous resident memory (the worker
    processes' own data; the libraries they map are the root's too). Reading these counters
    costs microseconds; summing PSS walks every page table and slowed a 2-core run by 5%.
    """
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_bytes().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        field = b"VmRSS:" if pid == root else b"RssAnon:"
        try:
            with open(f"/proc/{pid}/status", "rb") as f:
                for line in f:
                    if line.startswith(field):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total / 1024


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def _read_csv(path: Path) -> pl.DataFrame | None:
    if not path.exists():
        return None
    return pl.read_csv(path, infer_schema=False)


def _unquote(df: pl.DataFrame) -> pl.DataFrame:
    """Undo the CSV-injection guard (a leading ') on id columns, e.g. negative VK ids."""
    return df.with_columns(
        pl.col(c).str.strip_prefix("'") for c in df.columns if c in ("account_id", "comment_id")
    )


def evaluate_run(scenario: str | Path, run: str | Path) -> dict[str, Any]:
    """Return every figure of the evaluation as a dict (see ``format_report``)."""
    scenario, run = Path(scenario), Path(run)
    truth_acc = pl.read_csv(scenario / "truth" / "accounts.csv.gz", infer_schema=False)
    truth_com = pl.read_csv(scenario / "truth" / "comments.csv.gz", infer_schema=False)
    planted = json.loads((scenario / "truth" / "campaigns.json").read_text("utf-8"))
    out: dict[str, Any] = {"scenario": str(scenario), "run": str(run)}

    accounts = _read_csv(run / "accounts.csv")
    flagged_acc = pl.DataFrame(schema={"platform": pl.String, "account_id": pl.String})
    if accounts is not None:
        accounts = _unquote(accounts)
        if "platform" not in accounts.columns:  # join on the id alone
            accounts = accounts.join(truth_acc.select(KEY), on="account_id", how="left")
        flagged_acc = accounts.filter(pl.col("flagged").str.to_lowercase() == "true").select(KEY)
    truth_pos = truth_acc.filter(pl.col("label") != "organic").select(KEY)
    tp = flagged_acc.join(truth_pos, on=KEY).height
    out["accounts"] = _prf(tp, flagged_acc.height - tp, truth_pos.height - tp)
    out["accounts_outputs_present"] = accounts is not None

    flagged_com = _read_csv(run / "flagged_comments.csv")
    truth_cpos = truth_com.filter(pl.col("label") != "organic")
    if flagged_com is not None:
        flagged_com = _unquote(flagged_com)
        if "platform" not in flagged_com.columns:
            flagged_com = flagged_com.join(
                truth_com.select("platform", "comment_id"), on="comment_id", how="left"
            )
        ctp = flagged_com.join(truth_cpos, on=["platform", "comment_id"]).height
        out["comments"] = _prf(ctp, flagged_com.height - ctp, truth_cpos.height - ctp)
    else:
        out["comments"] = _prf(0, 0, truth_cpos.height)

    # reported campaigns: accounts per flagged campaign, from flagged comments
    reported: dict[str, pl.DataFrame] = {}
    if flagged_com is not None and flagged_com.height and "campaign_id" in flagged_com.columns:
        with_acc = flagged_com.select("campaign_id", "platform", "comment_id").join(
            truth_com.select("platform", "comment_id", "account_id"),
            on=["platform", "comment_id"],
            how="left",
        )
        for (cid,), g in with_acc.group_by(["campaign_id"], maintain_order=True):
            reported[str(cid)] = g.select(KEY).unique()
    rows = []
    for p in planted:
        members = truth_acc.filter(pl.col("label") == p["campaign_id"]).select(KEY)
        best, best_overlap, best_size = None, 0, 0
        for cid, acc in reported.items():
            ov = acc.join(members, on=KEY).height
            if ov > best_overlap:
                best, best_overlap, best_size = cid, ov, acc.height
        rows.append(
            {
                "campaign_id": p["campaign_id"],
                "style": p["style"],
                "n_accounts": members.height,
                "matched": best,
                "recall": round(best_overlap / members.height, 4) if members.height else 0.0,
                "purity": round(best_overlap / best_size, 4) if best_size else 0.0,
            }
        )
    out["campaigns"] = rows

    # false positives: flagged organic accounts, by look-alike type
    fp = flagged_acc.join(truth_acc.filter(pl.col("label") == "organic"), on=KEY)
    fp_types = fp.with_columns(
        pl.col("lookalike").replace("", "background").fill_null("background")
    )
    out["false_positives_by_type"] = dict(sorted(fp_types.group_by("lookalike").len().rows()))
    organic_campaigns: dict[str, int] = {}
    lab = truth_acc.select(*KEY, "label", "lookalike")
    for acc in reported.values():
        j = acc.join(lab, on=KEY, how="left")
        if j.height and (j["label"] == "organic").mean() > 0.5:  # type: ignore[operator]
            kind = j.filter(pl.col("label") == "organic")["lookalike"].fill_null("").mode()[0]
            kind = kind or "background"
            organic_campaigns[kind] = organic_campaigns.get(kind, 0) + 1
    out["organic_campaigns_flagged"] = organic_campaigns
    out["reported_campaigns"] = len(reported)

    run_json = run / "run.json"
    if run_json.exists():
        info = json.loads(run_json.read_text("utf-8"))
        c = info.get("counts", {})
        out["ingest"] = {
            k: c.get(k) for k in ("rows_read", "accepted", "rejected", "duplicates_dropped")
        }
        out["ingest"]["invariant_holds"] = c.get("rows_read") == (
            c.get("accepted", 0) + c.get("rejected", 0) + c.get("duplicates_dropped", 0)
        )
        out["timings_s"] = info.get("timings_s", {})
    return out


def format_report(ev: dict[str, Any]) -> str:
    """Return the evaluation as a plain-text table for the terminal."""
    a, c = ev["accounts"], ev["comments"]
    lines = [
        f"scenario {ev['scenario']}   run {ev['run']}",
        "",
        f"{'level':<10} {'precision':>9} {'recall':>7} {'F1':>7} {'TP':>7} {'FP':>6} {'FN':>7}",
        f"{'accounts':<10} {a['precision']:>9.3f} {a['recall']:>7.3f} {a['f1']:>7.3f} "
        f"{a['tp']:>7} {a['fp']:>6} {a['fn']:>7}",
        f"{'comments':<10} {c['precision']:>9.3f} {c['recall']:>7.3f} {c['f1']:>7.3f} "
        f"{c['tp']:>7} {c['fp']:>6} {c['fn']:>7}",
        "",
        f"{'planted campaign':<22} {'style':<18} {'accounts':>8} {'matched':<14} "
        f"{'recall':>6} {'purity':>6}",
    ]
    for r in ev["campaigns"]:
        lines.append(
            f"{r['campaign_id']:<22} {r['style']:<18} {r['n_accounts']:>8} "
            f"{r['matched'] or '-'!s:<14} {r['recall']:>6.3f} {r['purity']:>6.3f}"
        )
    fp = ev["false_positives_by_type"]
    lines += [
        "",
        f"reported campaigns: {ev['reported_campaigns']}; flagged campaigns made of organic "
        f"look-alikes: {sum(ev['organic_campaigns_flagged'].values())} "
        f"{ev['organic_campaigns_flagged'] or ''}",
        "false-positive accounts by look-alike type: "
        + (", ".join(f"{k} {v}" for k, v in fp.items()) if fp else "none"),
    ]
    if not ev.get("accounts_outputs_present"):
        lines.append("(the run wrote no accounts.csv: nothing detected yet, all figures are zero)")
    if "ingest" in ev:
        i = ev["ingest"]
        lines.append(
            f"ingest: {i['rows_read']} read = {i['accepted']} accepted + {i['rejected']} "
            f"rejected + {i['duplicates_dropped']} duplicates: "
            f"{'holds' if i['invariant_holds'] else 'BROKEN'}"
        )
    if "wall_s" in ev:
        lines.append(f"wall time {ev['wall_s']:.1f} s, peak memory {ev['peak_rss_mb']:.0f} MB")
    return "\n".join(lines)
