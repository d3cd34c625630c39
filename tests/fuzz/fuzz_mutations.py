"""Seeded mutations of file contents: blind byte edits and format-aware forgeries.

Every function takes a `random.Random` and the bytes (or parsed structure) to
change, and returns the changed copy with a short description of what was
done, so that an escape can be reported and replayed from (kind, seed, case).
Plain seeded mutation rather than Hypothesis or atheris: the cases must be
the same on every machine and every run (CI checks a fixed few hundred per
kind), the interesting inputs are format forgeries that a coverage-guided
fuzzer would take hours to find blind, and no new dependency is needed.
"""

from __future__ import annotations

import gzip
import json
import random
import struct
import zipfile
import zlib
from typing import Any

# Values that break parsers: boundaries of 8, 16, 32 and 64 bits, signs.
INTERESTING_U32 = (0, 1, 2, 27, 28, 29, 255, 256, 0x7FFF, 0xFFFF, 0x10000, 0x7FFFFFFF,
                   0x80000000, 0xFFFFFFFE, 0xFFFFFFFF, 4_000_000_000)


# ------------------------------------------------------------ blind bytes
def flip_bits(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    out = bytearray(data)
    n = rng.choice((1, 1, 2, 4, 16))
    for _ in range(n):
        if out:
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
    return bytes(out), f"flip {n} bit(s)"


def truncate(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    cut = rng.choice((0, 1, rng.randrange(max(len(data), 1)), len(data) // 2, max(len(data) - 1, 0)))
    return data[:cut], f"truncate to {cut}"


def insert(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(data) + 1)
    blob = rng.choice((b"\0", b"\xff" * rng.randint(1, 64), rng.randbytes(rng.randint(1, 512)),
                       data[at:at + rng.randint(1, 256)]))
    return data[:at] + blob + data[at:], f"insert {len(blob)} byte(s) at {at}"


def delete(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    if not data:
        return data, "delete nothing"
    at = rng.randrange(len(data))
    n = rng.choice((1, 4, rng.randint(1, 4096)))
    return data[:at] + data[at + n:], f"delete {n} byte(s) at {at}"


def overwrite_int(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    if len(data) < 4:
        return data + b"\xff", "append a byte"
    at = rng.randrange(len(data) - 3)
    value = rng.choice(INTERESTING_U32)
    fmt = rng.choice((">I", "<I", ">H", "<H", "B"))
    packed = struct.pack(fmt, value & {">I": 0xFFFFFFFF, "<I": 0xFFFFFFFF, ">H": 0xFFFF,
                                       "<H": 0xFFFF, "B": 0xFF}[fmt])
    return data[:at] + packed + data[at + len(packed):], f"write {value:#x} as {fmt} at {at}"


BLIND = (flip_bits, truncate, insert, delete, overwrite_int)


def blind(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """One to three stacked blind edits."""
    notes = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        data, note = rng.choice(BLIND)(rng, data)
        notes.append(note)
    return data, "; ".join(notes)


# ------------------------------------------------------------------ gzip
def gzip_forgery(rng: random.Random, raw: bytes) -> tuple[bytes, str]:
    """A well-formed or subtly broken gzip wrapper around `raw`."""
    choice = rng.randrange(6)
    if choice == 0:
        half = rng.randrange(len(raw) + 1)
        return gzip.compress(raw[:half]) + gzip.compress(raw[half:]), "two gzip members"
    if choice == 1:
        return gzip.compress(raw) + rng.choice((b"\0" * 8, b"junk", rng.randbytes(20))), \
            "data after the gzip stream"
    data = bytearray(gzip.compress(raw))
    if choice == 2:  # header flags: FEXTRA, FNAME, FCOMMENT, FHCRC without their fields
        data[3] = rng.choice((0x02, 0x04, 0x08, 0x10, 0x1E, 0xE0))
        return bytes(data), f"gzip FLG {data[3]:#x}"
    if choice == 3:  # the CRC-32 or the length in the trailer
        at = len(data) - rng.choice((8, 4))
        data[at:at + 4] = struct.pack("<I", rng.choice(INTERESTING_U32))
        return bytes(data), "gzip trailer forged"
    if choice == 4:
        data[2] = rng.choice((0, 7, 9, 255))  # compression method other than deflate
        return bytes(data), f"gzip CM {data[2]}"
    return gzip.compress(raw, compresslevel=rng.choice((0, 1, 9))), "gzip level"


# ------------------------------------------------------------------- zip
def _zip_records(data: bytes, signature: bytes):
    at = data.find(signature)
    while at >= 0:
        yield at
        at = data.find(signature, at + 4)


# (record signature, offset of the field in the record, struct format, field)
ZIP_FIELDS = (
    (b"PK\x03\x04", 6, "<H", "local flags"), (b"PK\x03\x04", 8, "<H", "local method"),
    (b"PK\x03\x04", 18, "<I", "local compressed size"), (b"PK\x03\x04", 22, "<I", "local size"),
    (b"PK\x03\x04", 26, "<H", "local name length"), (b"PK\x03\x04", 28, "<H", "local extra length"),
    (b"PK\x01\x02", 8, "<H", "central flags"), (b"PK\x01\x02", 10, "<H", "central method"),
    (b"PK\x01\x02", 20, "<I", "central compressed size"), (b"PK\x01\x02", 24, "<I", "central size"),
    (b"PK\x01\x02", 28, "<H", "central name length"), (b"PK\x01\x02", 42, "<I", "local offset"),
    (b"PK\x05\x06", 10, "<H", "entry count"), (b"PK\x05\x06", 12, "<I", "directory size"),
    (b"PK\x05\x06", 16, "<I", "directory offset"),
)
FLAG_BITS = (0x1, 0x8, 0x20, 0x40, 0x800, 0x2000, 0xFFFF)
METHODS = (1, 6, 9, 12, 14, 93, 95, 98, 99, 0xFFFF)


def zip_field_forgery(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Change one header field of one zip record: flags, method, sizes, offsets."""
    signature, offset, fmt, field = rng.choice(ZIP_FIELDS)
    places = list(_zip_records(data, signature))
    if not places:
        return blind(rng, data)
    at = rng.choice(places) + offset
    if at + struct.calcsize(fmt) > len(data):
        return data, f"{field}: record cut short"
    old = struct.unpack_from(fmt, data, at)[0]
    if "flags" in field:
        new = old | rng.choice(FLAG_BITS)
    elif "method" in field:
        new = rng.choice(METHODS)
    else:
        limit = 0xFFFF if fmt == "<H" else 0xFFFFFFFF
        new = rng.choice((0, 1, old + 1, max(old - 1, 0), old * 2, limit)) & limit
    out = bytearray(data)
    struct.pack_into(fmt, out, at, new)
    return bytes(out), f"{field} {old:#x} -> {new:#x}"


def rezip(members: dict[str, bytes], rng: random.Random, method: int | None = None) -> bytes:
    """A fresh, CRC-valid archive of `members` (forged contents get past the CRC)."""
    import io

    buf = io.BytesIO()
    method = method if method is not None else rng.choice((zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED))
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


def unzip(data: bytes) -> dict[str, bytes]:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


# ------------------------------------------------------------------ JSON
def _confusing_values(rng: random.Random) -> list[Any]:
    return [None, True, False, 0, -1, 1.5, -1e308, 1e308, 2 ** 20, 2 ** 31, 2 ** 40, 2 ** 64,
            float("nan"), float("inf"), "", "x", "1", "nan", "\u00e9\u4e2d", "9" * 400, [], {},
            [1, 2], [[0.1, 0.2]], {"a": 1}, [None], [[None, None]], ["x", "y"],
            rng.randint(-10, 10)]


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value[:50]):  # long weight lists: a sample is enough
            out += _paths(v, prefix + (i,))
    return out


def _set(root: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    parent = root
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return root


def json_confusion(rng: random.Random, obj: Any) -> tuple[Any, str]:
    """Replace, remove or duplicate one value anywhere in a parsed JSON document."""
    obj = json.loads(json.dumps(obj))  # a private copy
    paths = _paths(obj)
    path = rng.choice(paths)
    action = rng.randrange(10)
    if action < 6 or not path:
        value = rng.choice(_confusing_values(rng))
        return _set(obj, path, value), f"{'/'.join(map(str, path)) or 'root'} = {value!r:.40}"
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    if action < 8:
        del parent[path[-1]]
        return obj, f"delete {'/'.join(map(str, path))}"
    if isinstance(parent, list):
        parent.insert(path[-1], parent[path[-1]])
    else:
        parent[f"{path[-1]}_"] = parent[path[-1]]
    return obj, f"duplicate {'/'.join(map(str, path))}"


def json_text_forgery(rng: random.Random, text: str) -> tuple[bytes, str]:
    """Document-level damage: deep nesting, other encodings, duplicate keys, BOMs."""
    choice = rng.randrange(6)
    if choice == 0:
        depth = rng.choice((100, 1000, 100_000))
        return ("[" * depth + "]" * depth).encode(), f"nesting {depth} deep"
    if choice == 1:
        return text.encode(rng.choice(("utf-16", "utf-32", "latin-1"))), "other encoding"
    if choice == 2:
        return b"\xef\xbb\xbf" + text.encode(), "UTF-8 BOM"
    if choice == 3:
        return text.replace("{", '{"arch_id": 7, ', 1).encode(), "duplicate key"
    if choice == 4:
        return (text + text).encode(), "two documents"
    return text.encode().replace(b"0.", b"1e99999", rng.randint(1, 3)), "float overflow"


def deflate_bomb_gzip(header: bytes, payload_size: int) -> bytes:
    """gzip of `header` and then `payload_size` zero bytes, made without ever
    holding the payload: zero-filled blocks compressed as a stream."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [comp.compress(header)]
    block = bytes(1 << 20)
    left = payload_size
    while left > 0:
        parts.append(comp.compress(block[:min(left, len(block))]))
        left -= len(block)
    parts.append(comp.flush())
    return b"".join(parts)
