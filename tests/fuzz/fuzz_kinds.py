"""The file kinds the program reads, each with its seed files, its mutations and
the public loader the program itself calls on such a file.

A kind's `make_case(rng, folder)` writes one mutated case into an empty
`folder` and returns the path to hand to `load` and a note of what was done.
Seeds are built once per process from the program's own writers (np.savez,
IDX bytes as MNIST ships them, PNGs, `store.save`, `store.export_keras`), so
the mutations start from files exactly as real users have them.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import random
import shutil
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fuzz_mutations as mut
import numpy as np


@dataclass(frozen=True)
class Kind:
    name: str
    make_case: Callable[[random.Random, Path], tuple[Path, str]]
    load: Callable[[Path], Any]
    errors: tuple[type[BaseException], ...]  # the project's own errors for this kind
    uses_keras: bool = False


def _digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n real digits from the embedded sample (so the gzip ratio is MNIST's)."""
    from explorer.core.data import load_embedded

    ds = load_embedded()
    rng = np.random.default_rng(seed)
    idx = rng.choice(ds.n_train, n, replace=False)
    return (np.rint(ds.x_train[idx] * 255).astype(np.uint8), ds.y_train[idx].astype(np.uint8))


def idx_bytes(arr: np.ndarray) -> bytes:
    arr = np.asarray(arr, dtype=np.uint8)
    return bytes([0, 0, 8, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


# ------------------------------------------------------------------- npz
@functools.lru_cache(maxsize=1)
def _npz_seeds() -> tuple[bytes, ...]:
    xtr, ytr = _digits(40, 1)
    xte, yte = _digits(20, 2)
    seeds = []
    for save in (np.savez, np.savez_compressed):
        buf = io.BytesIO()
        save(buf, x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
        seeds.append(buf.getvalue())
    buf = io.BytesIO()  # as some tutorials save it: flat float images, int64 labels
    np.savez(buf, x_train=xtr.reshape(40, 784) / 255.0, y_train=ytr.astype(np.int64),
             x_test=xte.reshape(20, 784) / 255.0, y_test=yte.astype(np.int64))
    seeds.append(buf.getvalue())
    return tuple(seeds)


def _npy_forgery(rng: random.Random, body: bytes) -> tuple[bytes, str]:
    """A .npy member with a forged header: shape, dtype, order or version."""
    arr = np.load(io.BytesIO(body), allow_pickle=False)
    header = {"descr": np.lib.format.dtype_to_descr(arr.dtype), "fortran_order": False,
              "shape": arr.shape}
    field = rng.randrange(4)
    if field == 0:
        dims = list(arr.shape) or [1]
        dims[rng.randrange(len(dims))] = rng.choice((0, 1, 27, 29, 2 ** 31, 4_000_000_000, 10 ** 12))
        if rng.random() < 0.3:
            dims.append(rng.choice((1, 2, 784)))
        header["shape"] = tuple(dims)
    elif field == 1:
        header["descr"] = rng.choice(("|O", "<f8", ">i4", "<c16", "|V8", "<U4", "|b1", "<M8[s]",
                                      "|S0", [("a", "<f4"), ("b", "|O")]))
    elif field == 2:
        header["fortran_order"] = True
    out = io.BytesIO()
    if field == 3:
        out.write(np.lib.format.magic(rng.choice((2, 3, 9)), 0))
        text = repr(header).encode("latin1")
        out.write(struct.pack("<I", len(text) + 1) + text + b"\n")
    else:
        np.lib.format.write_array_header_1_0(out, header)
    out.write(arr.tobytes())
    return out.getvalue(), f"npy header {header!r:.80}"


def _npz_case(rng: random.Random, folder: Path) -> tuple[Path, str]:
    data = rng.choice(_npz_seeds())
    choice = rng.random()
    if choice < 0.4:
        data, note = mut.blind(rng, data)
    elif choice < 0.7:
        data, note = mut.zip_field_forgery(rng, data)
    else:
        members = mut.unzip(data)
        name = rng.choice(sorted(members))
        how = rng.randrange(5)
        if how < 3:
            members[name], note = _npy_forgery(rng, members[name])
        elif how == 3:
            del members[name]
            note = f"drop {name}"
        else:
            members[name], note = mut.blind(rng, members[name])
        data = mut.rezip(members, rng)
        note = f"{name}: {note}"
    path = folder / "mnist.npz"
    path.write_bytes(data)
    return path, note


# ------------------------------------------------------------------- IDX
@functools.lru_cache(maxsize=1)
def _idx_seed_files() -> dict[str, bytes]:
    xtr, ytr = _digits(60, 3)
    xte, yte = _digits(30, 4)
    return {"train-images-idx3-ubyte": idx_bytes(xtr), "train-labels-idx1-ubyte": idx_bytes(ytr),
            "t10k-images-idx3-ubyte": idx_bytes(xte), "t10k-labels-idx1-ubyte": idx_bytes(yte)}


def _idx_header_forgery(rng: random.Random, raw: bytes) -> tuple[bytes, str]:
    """Forge the IDX header: the type byte, the dimension count, one dimension."""
    out = bytearray(raw)
    field = rng.randrange(3)
    if field == 0 and len(out) > 2:
        out[2] = rng.choice((0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x00, 0xFF))
        return bytes(out), f"type byte {out[2]:#x}"
    if field == 1 and len(out) > 3:
        out[3] = rng.choice((0, 1, 2, 3, 4, 255))
        return bytes(out), f"{out[3]} dimensions"
    ndims = out[3] if len(out) > 3 else 1
    at = 4 + 4 * rng.randrange(max(ndims, 1))
    if at + 4 > len(out):
        return bytes(out), "header too short to forge"
    value = rng.choice(mut.INTERESTING_U32)
    out[at:at + 4] = struct.pack(">I", value)
    return bytes(out), f"dimension at {at} = {value:,}"


@functools.lru_cache(maxsize=8)
def _gzipped(name: str) -> bytes:
    """A seed file gzipped once (compressing all four anew for every case took
    most of the gzipped kind's time)."""
    return gzip.compress(_idx_seed_files()[name], mtime=0)


def _idx_folder_case(rng: random.Random, folder: Path, gzipped: bool) -> tuple[Path, str]:
    files = dict(_idx_seed_files())
    if rng.random() < 0.5:  # the test split alone, as the embedded sample ships
        files = {k: v for k, v in files.items() if k.startswith("t10k")}
    target = rng.choice(sorted(files))
    raw = files[target]
    choice = rng.random()
    note = ""
    if choice < 0.35:
        raw, note = _idx_header_forgery(rng, raw)
    elif choice < 0.6 or not gzipped:
        raw, note = mut.blind(rng, raw)
    out = {name: _gzipped(name) if gzipped else body for name, body in files.items()}
    if gzipped:
        if 0.6 <= choice < 0.8:
            out[target], note = mut.blind(rng, out[target])
        elif choice >= 0.8:
            out[target], note = _gzip_case(rng, raw)
        else:
            out[target] = gzip.compress(raw, mtime=0)
    else:
        out[target] = raw
    for name, body in out.items():
        (folder / (name + (".gz" if gzipped else ""))).write_bytes(body)
    return folder, f"{target}: {note}"


@functools.lru_cache(maxsize=3)
def _bomb(kind: int) -> tuple[bytes, str]:
    """Three gzip bombs (zeros compress 1000 to 1), made once: they take a while."""
    if kind == 0:  # the header understates: 20 digits declared, 60 MB follow
        return (mut.deflate_bomb_gzip(idx_bytes(np.zeros((20, 28, 28)))[:16], 60 << 20),
                "bomb: 20 digits declared, 60 MB of zeros")
    if kind == 1:  # consistent, but 76 KB unpack to 78 MB of black digits
        header = bytes([0, 0, 8, 3]) + struct.pack(">3I", 100_000, 28, 28)
        return mut.deflate_bomb_gzip(header, 100_000 * 784), "bomb: 100,000 black digits"
    header = bytes([0, 0, 8, 3]) + struct.pack(">3I", 4_000_000_000, 28, 28)
    return mut.deflate_bomb_gzip(header, 1 << 20), "header claims four billion digits"


def _gzip_case(rng: random.Random, raw: bytes) -> tuple[bytes, str]:
    """A forged gzip wrapper, or one of the bombs."""
    choice = rng.randrange(8)
    if choice < 5:
        return mut.gzip_forgery(rng, raw)
    return _bomb(choice - 5)


# ----------------------------------------------------------- image folders
def png_bytes(pixels: np.ndarray, color_type: int = 0, bit_depth: int = 8) -> bytes:
    """A minimal PNG encoder (filter 0 rows), enough to make seed images."""
    h, w = pixels.shape[:2]
    rows = pixels.reshape(h, -1).astype(np.uint8)
    raw = b"".join(b"\0" + row.tobytes() for row in rows)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@functools.lru_cache(maxsize=1)
def _png_seeds() -> dict[str, bytes]:
    x, y = _digits(6, 5)
    seeds = {}
    for i, (img, label) in enumerate(zip(x, y, strict=True)):
        if i % 3 == 0:
            data = png_bytes(255 - img)  # dark ink on white, as students draw
        elif i % 3 == 1:
            rgb = np.repeat(np.kron(img, np.ones((2, 2), np.uint8))[..., None], 3, axis=2)
            data = png_bytes(rgb, color_type=2)  # 56x56 colour
        else:
            rgba = np.dstack([img, img, img, np.full_like(img, 255)])
            data = png_bytes(rgba, color_type=6)
        seeds[f"{label}_{i}.png"] = data
    return seeds


def _png_forgery(rng: random.Random, data: bytes, bombs: bool = True) -> tuple[bytes, str]:
    """Change IHDR fields or IDAT contents with valid CRCs, so the decoder sees them."""
    ihdr = bytearray(data[16:29])
    choice = rng.randrange(4) if bombs else rng.choice((0, 1, 3))
    if choice == 0:
        at = rng.choice((0, 4))
        struct.pack_into(">I", ihdr, at, rng.choice((0, 1, 1024, 1025, 30000, 0xFFFFFFFF)))
        note = "IHDR size"
    elif choice == 1:
        at = rng.randrange(8, 13)
        ihdr[at] = rng.choice((0, 1, 2, 3, 4, 6, 7, 8, 16, 255))
        note = f"IHDR byte {at} = {ihdr[at]}"
    else:
        ihdr = bytearray(data[16:29])
        note = ""
    body = _chunk(b"IHDR", bytes(ihdr))
    rest = data[33:]
    if choice == 2:  # IDAT holding a zlib bomb: 1 KB of deflate, 1 MB of zeros
        rest = _chunk(b"IDAT", zlib.compress(bytes(rng.choice((1, 64, 256)) << 20), 9)) \
            + _chunk(b"IEND", b"")
        note = "IDAT zlib bomb"
    elif choice == 3:  # an unknown critical chunk, a PLTE in a gray image, or no IEND
        extra = rng.choice((_chunk(b"ZZZZ", b"x"), _chunk(b"PLTE", b"\0\0\0"), b""))
        rest = extra + rest if extra else rest[:-12]
        note = "extra chunk" if extra else "no IEND"
    return data[:8] + body + rest, note


def _image_folder_case(rng: random.Random, folder: Path, bombs: bool = True) -> tuple[Path, str]:
    files = dict(_png_seeds())
    target = rng.choice(sorted(files))
    if rng.random() < 0.5:
        files[target], note = mut.blind(rng, files[target])
    else:
        files[target], note = _png_forgery(rng, files[target], bombs)
    for name, body in files.items():
        (folder / name).write_bytes(body)
    return folder, f"{target}: {note}"


# ---------------------------------------------------- weights and metadata
@functools.lru_cache(maxsize=1)
def _trained_seed() -> tuple[bytes, str]:
    """`simple`'s weights and metadata as `store.save` writes them."""
    import tempfile

    from explorer.core import models, store, training

    with tempfile.TemporaryDirectory() as tmp:
        model = _model()
        config = training.TrainConfig.for_arch("simple", epochs=2)
        result = training.TrainResult("finished", 2, (
            training.EpochResult(1, 2, 0.3, 0.29, 1000.0, 1.0, 1.0),
            training.EpochResult(2, 2, 0.2, 0.19, 1000.0, 0.0, 2.0)))
        store.save(model, store.make_metadata(model, result, config, "fuzz seed"), tmp)
        weights = store.weights_path("simple", tmp).read_bytes()
        meta = store.metadata_path("simple", tmp).read_text(encoding="utf-8")
    del models
    return weights, meta


@functools.lru_cache(maxsize=1)
def _model():
    from explorer.core import models

    return models.build("simple")


def _h5_structure_forgery(rng: random.Random, path: Path) -> str:
    """Change the HDF5 file's structure with h5py: what a bad writer could leave."""
    import h5py

    with h5py.File(path, "r+") as f:
        datasets: list[str] = []
        f.visititems(lambda name, obj: datasets.append(name) if isinstance(obj, h5py.Dataset) else None)
        groups: list[str] = []
        f.visititems(lambda name, obj: groups.append(name) if isinstance(obj, h5py.Group) else None)
        name = rng.choice(datasets)
        shape = f[name].shape
        choice = rng.randrange(8)
        if choice == 0:
            del f[name]
            return f"delete {name}"
        if choice == 1:
            data = f[name][()]
            del f[name]
            new_shape = rng.choice(((1,), (), tuple(reversed(shape)), shape + (1,),
                                    (max(1, int(np.prod(shape)) // 2),)))
            f[name] = np.resize(data, new_shape)
            return f"{name} reshaped {shape} -> {new_shape}"
        if choice == 2:
            data = f[name][()]
            del f[name]
            dtype = rng.choice((np.float64, np.float16, np.int8, np.uint64, np.complex64, np.bool_))
            f[name] = data.astype(dtype)
            return f"{name} as {np.dtype(dtype)}"
        if choice == 3:  # a huge declared shape that costs nothing on disk
            del f[name]
            big = rng.choice(((1 << 20, 784), (1 << 26,), (1 << 16, 1 << 16)))
            f.create_dataset(name, shape=big, dtype="f4", chunks=True, compression="gzip")
            return f"{name} declared {big} (chunked, empty)"
        if choice == 4:
            del f[name]
            f.create_group(name)
            return f"{name} replaced by a group"
        if choice == 5:
            f[name].attrs["dtype"] = rng.choice(("bfloat16", "float8", 7))
            return f"{name} dtype attribute"
        if choice == 6 and groups:
            g = rng.choice(groups)
            f[g + "_copy"] = f[name][()]
            return f"extra dataset in {g}"
        data = f[name][()]
        del f[name]
        f.create_dataset(name, data=np.asarray(data, dtype="S8") if data.size < 2 else
                         np.full(shape, b"nan", dtype="S3"))
        return f"{name} as strings"


def _weights_case(rng: random.Random, folder: Path) -> tuple[Path, str]:
    weights, _ = _trained_seed()
    path = folder / "simple.weights.h5"
    if rng.random() < 0.55:
        data, note = mut.blind(rng, weights)
        path.write_bytes(data)
        return path, note
    path.write_bytes(weights)
    return path, _h5_structure_forgery(rng, path)


def _load_weights(path: Path) -> Any:
    """store.load_weights into one `simple` model; a refusal must leave its weights
    as they were (the contract), else the case is an escape."""
    from explorer.core import store

    model = _model()
    before = model.autoencoder.get_weights()
    try:
        store.load_weights(model, path)
    except store.StoreError:
        after = model.autoencoder.get_weights()
        if not all(np.array_equal(a, b, equal_nan=True) for a, b in zip(before, after, strict=True)):
            model.autoencoder.set_weights(before)
            raise AssertionError("a refused weights file changed the model's weights") from None
        raise
    return model


def _mutated_json(rng: random.Random, text: str, blind_share: float) -> tuple[bytes, str]:
    """A JSON file's text mutated: blind byte edits (`blind_share` of the cases),
    confused values written back as JSON, or forged text (the rest, 85:15)."""
    choice = rng.random()
    if choice < blind_share:
        return mut.blind(rng, text.encode())
    if choice < 0.85:
        obj, note = mut.json_confusion(rng, json.loads(text))
        return json.dumps(obj).encode(), note
    return mut.json_text_forgery(rng, text)


def _metadata_case(rng: random.Random, folder: Path) -> tuple[Path, str]:
    _, text = _trained_seed()
    data, note = _mutated_json(rng, text, blind_share=0.3)
    path = folder / "simple.json"
    path.write_bytes(data)
    return path, note


def _load_metadata(path: Path) -> Any:
    from explorer.core import store

    meta = store.load_metadata("simple", path.parent)
    meta.summary()  # the UI shows it at once: it must not fail there either
    return meta


# ----------------------------------------------------------------- .keras
@functools.lru_cache(maxsize=1)
def _keras_seed() -> bytes:
    import tempfile

    from explorer.core import store

    with tempfile.TemporaryDirectory() as tmp:
        return store.export_keras(_model(), Path(tmp) / "simple.keras").read_bytes()


def _keras_case(rng: random.Random, folder: Path) -> tuple[Path, str]:
    data = _keras_seed()
    choice = rng.random()
    if choice < 0.3:
        data, note = mut.blind(rng, data)
    elif choice < 0.5:
        data, note = mut.zip_field_forgery(rng, data)
    else:
        members = mut.unzip(data)
        name = rng.choice([n for n in members if n.endswith(".json")] * 3 + sorted(members))
        if name.endswith(".json") and rng.random() < 0.85:
            obj, note = mut.json_confusion(rng, json.loads(members[name]))
            members[name] = json.dumps(obj).encode()
        elif name.endswith(".h5") and rng.random() < 0.6:
            h5 = folder / "w.h5"
            h5.write_bytes(members[name])
            note = _h5_structure_forgery(rng, h5)
            members[name] = h5.read_bytes()
            h5.unlink()
        else:
            members[name], note = mut.blind(rng, members[name])
        data = mut.rezip(members, rng)
        note = f"{name}: {note}"
    path = folder / "model.keras"
    path.write_bytes(data)
    return path, note


def _open_keras(path: Path) -> Any:
    from explorer.core import store

    return store.open_keras_file(path)


# ---------------------------------------------------------------- lessons
@functools.lru_cache(maxsize=1)
def _lesson_seeds() -> tuple[str, ...]:
    from explorer.core.lesson_file import builtin_lessons

    return tuple(p.read_text(encoding="utf-8") for p in builtin_lessons())


def _toml_value(value: Any) -> str:
    """`value` as an inline TOML value (None has no TOML form: the caller drops it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, str):
        return json.dumps(value)  # JSON's escapes are TOML basic-string escapes
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}"
                                for k, v in value.items() if v is not None) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def toml_text(obj: Any) -> str:
    """A parsed lesson written back as TOML, every table inline (tomllib reads it the same)."""
    if not isinstance(obj, dict):
        return f"value = {_toml_value(obj)}\n"
    return "".join(f"{json.dumps(str(k))} = {_toml_value(v)}\n" for k, v in obj.items()
                   if v is not None)


def _lesson_case(rng: random.Random, folder: Path) -> tuple[Path, str]:
    import tomllib

    text = rng.choice(_lesson_seeds())
    choice = rng.random()
    if choice < 0.3:
        data, note = mut.blind(rng, text.encode())
    elif choice < 0.9:
        obj, note = mut.json_confusion(rng, tomllib.loads(text))
        data = toml_text(obj).encode()
    else:  # the structure as written, with a whole step or table repeated or cut short
        cut = rng.randrange(len(text))
        data, note = (text[:cut] + text[cut:].replace("[[step]]", "[step]", 1)).encode(), \
            f"[[step]] as [step] after {cut}"
    path = folder / "lesson.toml"
    path.write_bytes(data)
    return path, note


def _load_lesson(path: Path) -> Any:
    from explorer.core.lesson_file import load_lesson

    return load_lesson(path)


def _lesson_errors():
    from explorer.core.lesson_file import LessonError

    return (LessonError,)


# ------------------------------------------------------------------ scene
@functools.lru_cache(maxsize=1)
def _scene_seed() -> str:
    """A scene as File > Save scene writes it, with a K-means run of a few half steps."""
    from explorer.core import kmeans_state, scene_file
    from explorer.core.kmeans import KMeansStepper

    points = np.random.default_rng(0).normal(0, 1, (80, 2))
    stepper = KMeansStepper(points, 3, seed=0)
    for _ in range(2):
        stepper.step()
    scene = scene_file.Scene(
        architecture="simple", weights=scene_file.WeightsRef("shipped", "/w/simple.weights.h5",
                                                             "0" * 64),
        tab="kmeans", noise=0.25, noise_seed=2, digit_mode="first", digits=tuple(range(10)),
        kmeans=scene_file.KMeansScene(3, 0, "k-means++", "latent", "map", 80,
                                      kmeans_state.export_run(stepper)),
        projection="pca", plot_ranges={"kmeans_plot": (-3.0, 3.0, -2.0, 2.0)},
        presentation_scale=1.25)
    return json.dumps(scene_file.scene_to_json(scene), indent=1)


def _scene_case(rng: random.Random, folder: Path) -> tuple[Path, str]:
    data, note = _mutated_json(rng, _scene_seed(), blind_share=0.25)
    path = folder / "lecture.scene.json"
    path.write_bytes(data)
    return path, note


def _read_scene(path: Path) -> Any:
    from explorer.core import scene_file

    return scene_file.read_scene(path)


def _scene_errors():
    from explorer.core.scene_file import SceneError

    return (SceneError,)


# ------------------------------------------------------------------ sweep
_SWEEP_SEED: dict[str, bytes] = {}


def _sweep_seed() -> dict[str, bytes]:
    """One trial folder as `main.py sweep` writes it (trial.json, digits.npz, the
    weights' metadata; the weights file only has to exist: reading a sweep never
    opens it), made without training: relative path -> bytes."""
    if not _SWEEP_SEED:
        import tempfile

        from explorer.core import store, sweep_files
        from explorer.core.sweep_trial import DataRef, TrialResult, TrialSpec

        history = ((0.31, 0.30), (0.22, 0.21))
        spec = TrialSpec("simple", 8, "adam", epochs=2, batch_size=64)
        meta = store.Metadata("simple", "3", "adam", 0.001, 2, 64, 0.0, 0.22, 0.21, "made up",
                              "2026-12-02", history, code_size=8)
        originals = np.tile(np.arange(10, dtype=np.uint8)[:, None, None] * 20, (1, 28, 28))
        result = TrialResult(spec, DataRef(None, 256, 64), "finished", None, history,
                             params=13_000, mean_code_activation=1.5, seconds=3.0,
                             train_seconds=2.5, worker="tcp://127.0.0.1:1", host="here",
                             data_source="made up", metadata=meta, weights=b"weights",
                             digit_indices=tuple(range(10)), originals=originals,
                             reconstructions=originals[::-1].copy())
        with tempfile.TemporaryDirectory() as tmp:
            sweep_files.write_trial(tmp, result)
            root = Path(tmp)
            for path in root.rglob("*"):
                if path.is_file():
                    _SWEEP_SEED[str(path.relative_to(root))] = path.read_bytes()
    return _SWEEP_SEED


def _sweep_case(rng: random.Random, folder: Path) -> tuple[Path, str]:
    files = dict(_sweep_seed())
    name = rng.choice([n for n in files if n.endswith(("trial.json", "digits.npz", ".json"))])
    data = files[name]
    if name.endswith(".npz") or rng.random() < 0.25:
        data, note = mut.blind(rng, data)
    elif rng.random() < 0.8:
        obj, note = mut.json_confusion(rng, json.loads(data))
        data = json.dumps(obj).encode()
    else:
        data, note = mut.json_text_forgery(rng, data.decode())
    files[name] = data
    out = folder / "sweep"
    for rel, content in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(content)
    return out, f"{name}: {note}"


def _read_sweep(path: Path) -> Any:
    from explorer.features.sweeps.picture import read_sweep

    return read_sweep(path)  # what File > Open sweep reads, trial problems listed in it


def _sweep_errors():
    from explorer.core.sweep_files import SweepFileError

    return (SweepFileError,)


# ------------------------------------------------------------------ kinds
def _data_errors():
    from explorer.core.data import DatasetError

    return (DatasetError,)


def _store_errors():
    from explorer.core.store import StoreError

    return (StoreError,)


def _load_path(path: Path) -> Any:
    from explorer.core.image_folder import load_path

    return load_path(path)


def kinds() -> dict[str, Kind]:
    return {k.name: k for k in (
        Kind("npz", _npz_case, _load_path, _data_errors()),
        Kind("idx", lambda r, f: _idx_folder_case(r, f, False), _load_path, _data_errors()),
        Kind("idx.gz", lambda r, f: _idx_folder_case(r, f, True), _load_path, _data_errors()),
        Kind("image-folder", _image_folder_case, _load_path, _data_errors()),
        # Without IDAT zlib bombs, which the pure-Python decoder inflates whole
        # (seconds and hundreds of MB each): CI's share while it is replaced.
        Kind("image-folder-no-bombs", lambda r, f: _image_folder_case(r, f, bombs=False),
             _load_path, _data_errors()),
        Kind("weights.h5", _weights_case, _load_weights, _store_errors(), uses_keras=True),
        Kind("metadata.json", _metadata_case, _load_metadata, _store_errors()),
        Kind("keras", _keras_case, _open_keras, _store_errors(), uses_keras=True),
        Kind("lesson", _lesson_case, _load_lesson, _lesson_errors()),
        Kind("scene", _scene_case, _read_scene, _scene_errors()),
        Kind("sweep", _sweep_case, _read_sweep, _sweep_errors()),
    )}


def clear(folder: Path) -> None:
    for p in folder.iterdir():
        shutil.rmtree(p) if p.is_dir() else p.unlink()
