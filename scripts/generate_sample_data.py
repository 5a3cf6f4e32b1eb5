"""Generate a planted comment-campaign scenario with ground truth (see bot_analysis.scenario).

Usage:
  python scripts/generate_sample_data.py --out sample_data                # the committed sample
  python scripts/generate_sample_data.py --out /tmp/s1m --comments 1000000 --seed 1
  python scripts/generate_sample_data.py --out /tmp/vk --background \
      ../shared/realdata/vk_media_comments_2022.csv.gz      # planted into real comments
"""

from __future__ import annotations

import argparse
import json
import time

from bot_analysis.scenario import generate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="folder to write dumps/ and truth/ into")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--comments", type=int, default=30_000, help="approximate number of comments")
    ap.add_argument(
        "--background",
        help="a real dump to plant into instead of a generated background (three weeks of it)",
    )
    ap.add_argument(
        "--thread-less",
        action="store_true",
        help="write one flat CSV without thread ids instead (every style's thread-less twin)",
    )
    args = ap.parse_args()
    t = time.perf_counter()
    summary = generate(args.out, args.seed, args.comments, args.background, args.thread_less)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    print(f"written to {args.out}/dumps and {args.out}/truth in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
