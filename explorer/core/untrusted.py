"""Reading containers from users' files (gzip, zip, .npy) with bounded memory.

A damaged or hostile file must end as a clear refusal, never as an
exception from deep inside `zipfile` or `numpy`, and never by allocating
more than the file can justify. Three rules bound every decode:

- a declared size beyond what the format can produce from the bytes at hand
  is a lie and is refused before decompressing (deflate expands at most
  about 1032 to 1: `DEFLATE_MAX_RATIO`);
- a decode that expands more than `MAX_RATIO` to 1 is refused once past
  `SMALL_BYTES` (the rule of Apache POI's ZipSecureFile, whose default
  minimum inflate ratio is 1 %): real MNIST files compress about 5 to 1, an
  all-black "dataset" of a million digits would compress 1000 to 1;
- nothing decodes to more than `MAX_DECODED_BYTES`.

Decompression is streamed and stops one byte past the size the file
declares, so a header that understates its payload cannot blow up either.
Every refusal raises `Refused` with a message that names no file: the
callers (data.py, store.py) add the file's name and what to do.
"""

from __future__ import annotations

import math
import struct
import tokenize
import zipfile
import zlib
from collections.abc import Callable
from typing import IO

import numpy as np

__all__ = ["DEFLATE_MAX_RATIO", "DAMAGED_ARCHIVE_ERRORS", "HEAD_BYTES", "MAX_DECODED_BYTES", "MAX_RATIO",
           "Refused", "SMALL_BYTES", "check_decoded_size", "check_zip_member", "gunzip",
           "read_npy_member"]

DEFLATE_MAX_RATIO = 1032  # deflate's largest expansion (258-byte matches from 2-bit codes)
MAX_RATIO = 100
SMALL_BYTES = 8 << 20  # a decode this small fits in memory whatever its ratio
MAX_DECODED_BYTES = 1 << 30  # 1.3 million digits; full MNIST is 55 MB
_CHUNK = 1 << 20
HEAD_BYTES = 1024  # enough for any IDX header (255 dimensions)

# What zipfile, zlib and numpy's .npy reader raise on damaged bytes: a CRC
# mismatch, a bad header, an unsupported method (NotImplementedError, which
# is how `zipfile` reports "strong encryption (flag bit 6)"), a member that
# wants a password (RuntimeError), a name that is not valid UTF-8...
DAMAGED_ARCHIVE_ERRORS = (OSError, EOFError, ValueError, KeyError, RuntimeError,
                          NotImplementedError, OverflowError, struct.error, zipfile.BadZipFile,
                          zlib.error)


class Refused(ValueError):
    """The bytes are not what they claim to be, or would decode to too much."""


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.1f} MB"


def check_decoded_size(decoded: int, stored: int, what: str = "the data") -> None:
    """Refuse a decode of `decoded` bytes from `stored` compressed bytes, by the rules above."""
    if decoded > MAX_DECODED_BYTES:
        raise Refused(f"{what} would take {_mb(decoded)} in memory, more than the "
                      f"{_mb(MAX_DECODED_BYTES)} this program accepts")
    if decoded > SMALL_BYTES and decoded > MAX_RATIO * max(stored, 1):
        raise Refused(f"{what} expands from {_mb(stored)} to {_mb(decoded)}, over "
                      f"{MAX_RATIO} to 1: not image data (a compression bomb?)")


def gunzip(raw: bytes, expected_size: Callable[[bytes], int | None]) -> bytes:
    """Decompress gzip data (one or more members), streamed and bounded.

    `expected_size(head)` is given the first decoded bytes (up to `HEAD_BYTES`)
    until it returns the total size the content declares (None: it needs more
    bytes; 0 says the content is not what the caller reads, so no more is
    needed). Decoding stops one byte past the declared size, so a caller
    sees "longer than declared" without the rest ever being decoded, and a
    declared size the rules refuse is refused before decompressing further.
    """
    out = bytearray()
    limit = MAX_DECODED_BYTES + 1
    declared = None
    data = raw
    while data:
        member = zlib.decompressobj(wbits=31)  # 31: gzip framing, CRC and length checked
        while not member.eof:
            if len(out) >= limit:
                return bytes(out[:limit])
            chunk = member.decompress(data, min(limit - len(out), _CHUNK))
            data = member.unconsumed_tail
            if not chunk and not data and not member.eof:
                raise EOFError("the compressed stream ends early")
            out += chunk
            if declared is None:
                declared = expected_size(bytes(out[:HEAD_BYTES]))
                if declared is not None:
                    check_decoded_size(declared, len(raw))
                    limit = min(limit, max(declared, HEAD_BYTES) + 1)
            if len(out) > SMALL_BYTES:
                check_decoded_size(len(out), len(raw))
        data = member.unused_data
        if data[:2] != b"\x1f\x8b":
            if data.strip(b"\0"):  # gzip(1) itself skips trailing zeros only
                raise zlib.error("garbage after the compressed data")
            break
    return bytes(out)


def check_zip_member(info: zipfile.ZipInfo, archive_size: int) -> None:
    """Refuse a zip member that is encrypted, compressed in a way numpy and Keras
    never write, or that declares more than its compressed bytes can hold."""
    if info.flag_bits & 0x1 or info.flag_bits & 0x40:
        raise Refused(f"{info.filename} is encrypted; save it again without a password")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Refused(f"{info.filename} uses zip compression method {info.compress_type}, "
                      "which numpy and Keras never write (only stored or deflated)")
    if info.compress_size > archive_size:
        raise Refused(f"{info.filename} claims {info.compress_size:,} compressed bytes in an "
                      f"archive of {archive_size:,}: the archive is damaged")
    stored = info.compress_size
    bound = stored if info.compress_type == zipfile.ZIP_STORED else DEFLATE_MAX_RATIO * stored + 64
    if info.file_size > bound:
        raise Refused(f"{info.filename} claims {info.file_size:,} bytes from {stored:,} "
                      "compressed ones, more than the format can hold: the archive is damaged")
    check_decoded_size(info.file_size, stored, info.filename)


def read_npy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive_size: int) -> np.ndarray:
    """One .npy array from an npz archive, its header checked against its size
    before anything is allocated. Object arrays (pickles) are refused. The
    messages of its own refusals do not name the member: the caller does."""
    check_zip_member(info, archive_size)
    with zf.open(info) as fp:
        shape, fortran, dtype = _npy_header(fp)
        if dtype.hasobject:
            raise Refused("holds pickled Python objects; refusing to unpickle "
                          "them (unsafe): save plain numeric arrays")
        count = math.prod(shape)
        nbytes = count * dtype.itemsize
        left = info.file_size - fp.tell()
        if nbytes != left:
            raise Refused(f"declares shape {shape} of {dtype} = {nbytes:,} bytes "
                          f"but holds {left:,}: the archive is truncated or damaged")
        data = fp.read(nbytes)  # reading to the end checks the member's CRC
        if len(data) != nbytes:
            raise Refused("ends early: the archive is truncated")
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape[::-1]).transpose() if fortran else array.reshape(shape)


def _npy_header(fp: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype]:
    version = np.lib.format.read_magic(fp)
    if version not in ((1, 0), (2, 0)):
        raise Refused(f"is a .npy array of format version {version[0]}.{version[1]}, "
                      "which numpy's savez does not write for numeric arrays")
    read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
            else np.lib.format.read_array_header_2_0)
    try:
        shape, fortran, dtype = read(fp)
    # numpy parses the header (a Python dict literal) with tokenize and
    # ast.literal_eval, which raise these on damaged text.
    except (tokenize.TokenError, SyntaxError, RecursionError) as exc:
        raise Refused(f"has a damaged .npy header ({type(exc).__name__})") from None
    return tuple(int(d) for d in shape), bool(fortran), np.dtype(dtype)
