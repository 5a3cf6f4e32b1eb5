"""Opening inputs: folders, compression (.gz, .bz2, .zst, .zip), hashing and encodings.

Every reader gets a binary stream of UTF-8 bytes, whatever the file was: compressed or not,
UTF-8 with or without BOM, UTF-16, or a legacy single-byte code page such as cp1251.
"""

from __future__ import annotations

import bz2
import codecs
import hashlib
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from isal import isal_zlib

from ..errors import InputError

__all__ = [
    "InputFile",
    "block_lines",
    "expand_inputs",
    "iter_blocks",
    "open_utf8",
    "read_head",
]

# Bytes looked at to detect an encoding; long enough for a header and a few rows.
_SNIFF_BYTES = 256 * 1024
# Formats are sniffed on whole records: the head read before parsing holds this many complete
# lines (a VK API response or a twarc2 page is one line of megabytes) ...
_SNIFF_LINES = 50
# ... or stops at this many bytes (a file of a few huge lines is then sniffed on what it has).
_SNIFF_CAP = 64 * 1024 * 1024
_COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".zstd": "zstd", ".zip": "zip"}
# Files in an input folder that are never comment dumps.
_SKIP_SUFFIXES = {".md", ".txt", ".toml", ".yaml", ".yml", ".py", ".sha256", ".log"}
#: A hidden file in every output folder of this tool: input folders never read it back.
OUTPUT_MARKER = ".bot-analysis-output"


@dataclass
class InputFile:
    """One input as the user named it (a file, or one member of a zip archive).

    ``path`` is absolute, so that it means the same file on a Dask worker; ``display`` is as
    given.
    """

    path: Path
    member: str | None = None
    display: str = ""
    size: int = 0
    sha256: str = ""
    stats: dict = field(default_factory=dict)
    in_folder: bool = False
    """Found in a folder the user named (not named itself): skipped, not fatal, when it is
    of no known format."""

    @property
    def name(self) -> str:
        """The name used to sniff formats: the member's name, or the file's."""
        return self.member or self.path.name


def expand_inputs(paths: list[str | Path]) -> list[InputFile]:
    """Turn the user's paths (files, folders, zip archives) into a sorted list of inputs.

    Raises
    ------
    InputError
        If a path does not exist, or no input file is found.
    """
    files: list[tuple[Path, bool]] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise InputError(f"input {raw} does not exist")
        if p.is_dir():
            outputs = [d.parent for d in p.rglob(OUTPUT_MARKER)]  # our own runs' folders
            found = sorted(
                f
                for f in p.rglob("*")
                if f.is_file()
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
                and f.suffix.lower() not in _SKIP_SUFFIXES
                and not any(f.is_relative_to(o) for o in outputs)
            )
            files.extend((f, True) for f in found)
        else:
            files.append((p, False))
    if not files:
        raise InputError(f"no input files found in {', '.join(map(str, paths))}")
    out: list[InputFile] = []
    for f, in_folder in files:
        size = f.stat().st_size
        if f.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(f) as z:
                    members = sorted(
                        i.filename
                        for i in z.infolist()
                        if not i.is_dir() and not Path(i.filename).name.startswith(".")
                    )
            except zipfile.BadZipFile:
                raise InputError(f"{f} is not a readable zip archive") from None
            for m in members:
                out.append(InputFile(f.absolute(), m, f"{f}!{m}", size, in_folder=True))
        else:
            out.append(InputFile(f.absolute(), None, str(f), size, in_folder=in_folder))
    return out


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB blocks."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _decompressed(inp: InputFile) -> ByteStream:
    if inp.member is not None:
        z = zipfile.ZipFile(inp.path)
        raw: IO[bytes] = z.open(inp.member)
        name = inp.member
    else:
        raw = open(inp.path, "rb")  # noqa: SIM115 (closed by the caller)
        name = inp.path.name
    kind = _COMPRESSIONS.get(Path(name).suffix.lower())
    # Content beats names: look at magic bytes too.
    head = raw.peek(4)[:4] if hasattr(raw, "peek") else b""
    if head.startswith(b"\x1f\x8b"):
        kind = "gzip"
    elif head.startswith(b"BZh"):
        kind = "bz2"
    elif head.startswith(b"\x28\xb5\x2f\xfd"):
        kind = "zstd"
    if kind == "gzip":
        # ISA-L's zlib: the same stream, decompressed about 3x faster than zlib's
        return _Guard(_Frames(raw, lambda: isal_zlib.decompressobj(wbits=31), "gzip"), "gzip")
    if kind == "bz2":
        return _Guard(_Frames(raw, bz2.BZ2Decompressor, "bz2"), "bz2")
    if kind == "zstd":
        import zstandard

        # Pushshift/Arctic Shift dumps use a long window.
        dctx = zstandard.ZstdDecompressor(max_window_size=2**31)
        return _Guard(_Frames(raw, dctx.decompressobj, "zstd"), "zstd")
    if inp.member is not None:
        return _Guard(raw, "zip")
    return raw


#: A binary stream: a file, or one of this module's decompressing filters.
ByteStream = IO[bytes] | io.RawIOBase


class _Filter(io.RawIOBase):
    """A binary stream made from another, piece by piece: subclasses give :meth:`_fill`."""

    def __init__(self, raw: ByteStream) -> None:
        self._raw = raw
        self._buf = memoryview(b"")

    def readable(self) -> bool:
        return True

    def _fill(self) -> bytes | memoryview:
        """Return the next piece of the stream; empty at its end."""
        raise NotImplementedError

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        while not self._buf:
            piece = self._fill()
            if not piece:
                return 0
            self._buf = memoryview(piece)
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Frames(_Filter):
    """A compressed stream of one or more members, decompressed piece by piece.

    A compressed stream of one or more members (gzip members, bz2 streams, zstd frames),
    decompressed by feeding ``new()``'s decompressor; a stream that ends inside a member raises
    EOFError after everything before the cut was given (a file object's read() loses the block
    it was decompressing, and zstandard's stream_reader just stopped).
    """

    def __init__(self, raw: ByteStream, new: Any, codec: str) -> None:
        super().__init__(raw)
        self._new = new
        self._obj = new()
        self._codec = codec
        self._fed = False  # the current member has input

    def _fill(self) -> bytes:
        while True:
            chunk = self._raw.read(1 << 20)
            if not chunk:
                if self._fed and not self._obj.eof:
                    raise EOFError(f"the {self._codec} data ends inside a compressed block")
                return b""
            parts = []
            while chunk:
                if self._obj.eof:  # the next member
                    self._obj = self._new()
                    self._fed = False
                parts.append(self._obj.decompress(chunk))
                self._fed = True
                chunk = self._obj.unused_data if self._obj.eof else b""
                if chunk and not chunk.strip(b"\x00"):
                    chunk = b""  # zero padding after the last member
            out = b"".join(parts)
            if out:
                return out


# What a cut or corrupt compressed stream raises, by codec and library.
_STREAM_ERRORS: tuple[type[BaseException], ...] = (
    EOFError,
    OSError,
    zlib.error,
    zipfile.BadZipFile,
)


class _Guard(_Filter):
    """A decompressed stream that ends cleanly where its compressed input is cut.

    Whole lines are passed on as they come; the bytes after the last newline wait until more
    follow. When decompression fails (a truncated download, a corrupt block), the stream ends
    after the last complete line, ``cut`` says why and ``tail`` holds the partial line, so the
    records before the cut are kept and the cut is reported once, alike for every codec.
    """

    def __init__(self, raw: ByteStream, codec: str) -> None:
        super().__init__(raw)
        self.codec = codec
        self._tail = b""
        self._done = False
        self.cut: str | None = None
        self.tail = b""

    def _fill(self) -> bytes | memoryview:
        while not self._done:
            try:
                chunk = self._raw.read(1 << 20)
            except _STREAM_ERRORS as e:
                self._done = True
                self.cut = f"the {self.codec} stream is cut or corrupt ({e})"
                self.tail, self._tail = self._tail, b""
                return b""
            if not chunk:
                self._done = True
                return self._tail
            data = self._tail + chunk if self._tail else chunk
            end = data.rfind(b"\n") + 1
            self._tail = data[end:]
            if end:
                return memoryview(data)[:end]
        return b""


def detect_encoding(sample: bytes) -> str:
    r"""Return the encoding of ``sample``: utf-8, utf-8-sig, utf-16 or a detected code page.

    Examples
    --------
    >>> detect_encoding("Россия не в международной изоляции, санкции теряют".encode("cp1251"))
    'cp1251'
    >>> detect_encoding(b"\xef\xbb\xbfid,text")
    'utf-8-sig'
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(sample) >= 4 and sample[1:4:2] == b"\x00\x00" and sample[0:4:2] != b"\x00\x00":
        return "utf-16-le"
    if len(sample) >= 4 and sample[0:4:2] == b"\x00\x00" and sample[1:4:2] != b"\x00\x00":
        return "utf-16-be"
    # A multi-byte character may be cut at the end of the sample.
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(sample, final=False)
    invalid = text.count("\ufffd")
    if invalid == 0:
        return "utf-8"
    multibyte = sum(1 for ch in text if ch > "\x7f") - invalid
    if multibyte >= 10 * invalid or sample.lstrip()[:1] in (b"{", b"["):
        # Mostly valid UTF-8 with a few corrupt records (JSON is UTF-8 by definition):
        # read as UTF-8 and reject the corrupt records one by one as bad_encoding.
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(sample[:65536]).best()
    if best is None:
        return "utf-8"  # undecodable rows are rejected one by one as bad_encoding
    enc = codecs.lookup(best.encoding).name
    return enc


class _Transcoder(_Filter):
    """A binary stream that re-encodes another encoding to UTF-8 on the fly."""

    def __init__(self, raw: IO[bytes], encoding: str) -> None:
        super().__init__(raw)
        self._dec = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._eof = False

    def _fill(self) -> bytes:
        while not self._eof:
            chunk = self._raw.read(1 << 20)
            if not chunk:
                self._eof = True
                return self._dec.decode(b"", final=True).encode("utf-8")
            out = self._dec.decode(chunk).encode("utf-8")
            if out:
                return out
        return b""


class _Replay(_Filter):
    """A binary stream that gives ``head`` again, then the rest of ``raw``."""

    def __init__(self, head: bytes, raw: ByteStream) -> None:
        super().__init__(raw)
        self._head: bytes | None = head

    def _fill(self) -> bytes:
        if self._head is not None:
            head, self._head = self._head, None
            if head:
                return head
        return self._raw.read(1 << 20)


def read_head(
    stream: ByteStream,
    lines: int = _SNIFF_LINES,
    min_bytes: int = _SNIFF_BYTES,
    cap: int = _SNIFF_CAP,
) -> tuple[bytes, IO[bytes]]:
    r"""Read the start of ``stream``.

    At least ``min_bytes`` and ``lines`` complete lines, at most ``cap`` bytes (or all of it).
    Returns the head and a stream that starts over.

    Sniffing on ``peek()`` sees only what one buffer holds (8 KiB for a plain file), not even
    the first record of files whose lines are long.

    Examples
    --------
    >>> head, again = read_head(io.BytesIO(b"a" * 100 + b"\nb\n"), lines=1, min_bytes=1)
    >>> len(head), again.read()[-3:]
    (103, b'\nb\n')
    """
    chunks: list[bytes] = []
    size = newlines = 0
    step = 64 * 1024
    while size < cap:
        chunk = stream.read(min(step, cap - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        newlines += chunk.count(b"\n")
        if newlines > lines and size >= min_bytes:
            break
        step = min(step * 2, 8 << 20)
    head = b"".join(chunks)
    return head, io.BufferedReader(_Replay(head, stream), 1 << 20)


class Utf8Stream:
    """A context manager giving ``stream`` (UTF-8 bytes).

    The detected ``encoding`` and ``head``, the first whole records as UTF-8 (see
    :func:`read_head`) for sniffing.
    """

    def __init__(self, inp: InputFile) -> None:
        self.inp = inp
        self.encoding = "utf-8"
        self.stream: IO[bytes]
        self.head = b""
        self._raw: ByteStream | None = None

    @property
    def cut(self) -> str | None:
        """Why a compressed input ended early (see ``_Guard``), or None."""
        return getattr(self._raw, "cut", None)

    @property
    def tail(self) -> bytes:
        """The partial record a cut left (see ``_Guard``)."""
        return getattr(self._raw, "tail", b"")

    def __enter__(self) -> Utf8Stream:
        try:
            raw = self._raw = _decompressed(self.inp)
            head, replay = read_head(raw)
        except _STREAM_ERRORS as e:
            raise InputError(f"cannot read {self.inp.display}: {e}") from None
        self.encoding = detect_encoding(head[:_SNIFF_BYTES])
        if self.encoding == "utf-8":
            self.stream = replay
            self.head = head
        elif self.encoding == "utf-8-sig":
            replay.read(3)
            self.stream = replay
            self.head = head[3:]
        else:
            self.stream = io.BufferedReader(_Transcoder(replay, self.encoding), 1 << 20)
            dec = codecs.getincrementaldecoder(self.encoding)(errors="replace")
            self.head = dec.decode(head, final=False).encode("utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()


def open_utf8(inp: InputFile) -> Utf8Stream:
    """Open an input as a stream of UTF-8 bytes (see :class:`Utf8Stream`)."""
    return Utf8Stream(inp)


def iter_blocks(stream: IO[bytes], block_bytes: int) -> Iterator[tuple[int, bytes]]:
    r"""Yield ``(first_line_number, block)``: about ``block_bytes`` of whole lines at a time.

    A block ends at a newline (the last one may not); line numbers count every line, blank
    ones included, so that ``block_lines`` numbers them as :func:`iter_lines` does.

    Examples
    --------
    >>> import io
    >>> list(iter_blocks(io.BytesIO(b"a\nb\n\nc"), 3))
    [(1, b'a\n'), (2, b'b\n\n'), (4, b'c')]
    """
    lineno = 1
    rest = b""
    while True:
        block = stream.read(block_bytes)
        if not block:
            break
        buf = rest + block
        cut = buf.rfind(b"\n") + 1
        if cut == 0:  # a line longer than the block: read on
            rest = buf
            continue
        rest = buf[cut:]
        yield lineno, buf[:cut]
        lineno += buf.count(b"\n", 0, cut)
    if rest:
        yield lineno, rest


def block_lines(block: bytes, first_lineno: int) -> Iterator[tuple[int, bytes]]:
    """``(line_number, line)`` for every non-blank line of a block from :func:`iter_blocks`."""
    for i, line in enumerate(block.split(b"\n"), first_lineno):
        if line.strip():
            yield i, line.rstrip(b"\r")


def iter_lines(stream: IO[bytes], block_bytes: int) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, line)`` for every non-blank line, reading ``block_bytes`` at a time.

    Memory stays bounded by the block size plus the longest line.
    """
    lineno = 0
    rest = b""
    while True:
        block = stream.read(block_bytes)
        if not block:
            break
        lines = (rest + block).split(b"\n")
        rest = lines.pop()
        for line in lines:
            lineno += 1
            if line.strip():
                yield lineno, line.rstrip(b"\r")
    if rest.strip():
        yield lineno + 1, rest.rstrip(b"\r")
