"""How hostile or awkward values are shown to a reviewer.

Control characters made visible, long texts shortened, anchors for any key (counts and
durations in words: see :mod:`bot_analysis.wording`).

Used by the static report's template and the review app alike. Every function that returns
markup escapes its input first.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import unicodedata

from markupsafe import Markup, escape

from ..wording import count, duration

__all__ = ["anchor", "count", "duration", "short", "visible"]

# Characters a reader cannot see but that change what a text shows or means: bidirectional
# overrides and isolates (an RLO makes "gnp.exe" read "exe.png"), zero-width characters,
# and every other control or format character (C0, C1, Cf, line and paragraph separators)
# except tab and newline.
_SHOWN = {"\n", "\t"}


@functools.cache
def _hidden() -> re.Pattern[str]:
    """Return a pattern of every hidden code point of this Python's Unicode (built once)."""
    points = [
        c
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp") and chr(c) not in _SHOWN
    ]
    return re.compile("[" + "".join(re.escape(chr(c)) for c in points) + "]")


def _mark(m: re.Match[str]) -> str:
    ch = m.group(0)
    name = unicodedata.name(ch, "CONTROL CHARACTER")  # capitals, digits, spaces, hyphens
    return f'<span class="cc" title="{name}">U+{ord(ch):04X}</span>'


def visible(text: object) -> Markup:
    r"""Return ``text`` escaped, with its invisible characters shown as marked code points.

    Parameters
    ----------
    text : object
        Any value (``None`` gives an empty string).

    Examples
    --------
    >>> str(visible("a\u202eb<i>"))
    'a<span class="cc" title="RIGHT-TO-LEFT OVERRIDE">U+202E</span>b&lt;i&gt;'
    """
    if text is None:
        return Markup("")
    escaped = escape(str(text))  # escaping leaves every hidden character where it is
    if not _hidden().search(escaped):
        return escaped
    return Markup(_hidden().sub(_mark, str(escaped)))  # noqa: S704 (escaped above, marks are ours)


def short(text: object, limit: int = 280) -> Markup:
    """Return ``text`` made visible, shortened to ``limit`` characters with a "show more".

    The whole text follows in a ``<details>`` element (no script needed), so a
    10,000-character word cannot stretch a page.

    Parameters
    ----------
    text : object
        Any value.
    limit : int
        Characters shown before "show more".
    """
    s = "" if text is None else str(text)
    if len(s) <= limit:
        return Markup('<span class="text">{}</span>').format(visible(s))
    return Markup(
        '<span class="text">{}</span>… <details class="more"><summary>show more '
        "({} characters)</summary>"
        '<span class="text">{}</span></details>'
    ).format(visible(s[:limit]), f"{len(s):,}", visible(s))


def anchor(kind: str, key: object) -> str:
    """Return a page anchor for an item whose key may hold any character.

    Parameters
    ----------
    kind : str
        The item's kind (``account``, ``cluster``, ``campaign``).
    key : object
        Its key (an account's ``platform:account_id``, a cluster id, ...).
    """
    digest = hashlib.sha1(str(key).encode("utf-8")).hexdigest()[:12]
    return f"{kind}-{digest}"
