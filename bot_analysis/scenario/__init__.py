"""A seeded, planted comment ecosystem with ground truth, written in real export formats.

``generate(out, seed, comments)`` writes ``dumps/`` (VK API JSONL, a Telegram Desktop
export, twarc2 flattened JSONL, a forum CSV, plus a re-scrape overlap) and ``truth/``
(accounts, comments, campaigns, broken records). See ``scripts/generate_sample_data.py``.
"""

from __future__ import annotations

from .generate import Scenario, build, generate

__all__ = ["Scenario", "build", "generate"]
