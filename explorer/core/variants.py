"""Code-size variants of the five architectures: "simple-8", "conv-4", ...

A variant is an architecture with a different width of its code: the number
of code units for the dense models (`simple`, `sparse`, `deep`), the number
of filters of the code layer for the convolutional ones (`conv`, `denoise`).
The seed's own size is each architecture's default, and a variant of that
size is the seed's model itself, named by its bare architecture id, so the
shipped `trained/simple.weights.h5` is the "simple" variant and nothing else
changes name.

Pure data, no Keras: the model dock and a sweep's table use it before
TensorFlow is imported. `models.build(arch_id, code_size)` makes the layers.
"""

from __future__ import annotations

from dataclasses import dataclass

PIXELS = 28 * 28

# The seed's code: units of a dense code, or filters of a convolutional one.
SEED_CODE_SIZE = {"simple": 32, "sparse": 32, "deep": 32, "conv": 8, "denoise": 32}

# The spatial size of the convolutional codes (the filters are the variable part).
_CONV_GRID = {"conv": (4, 4), "denoise": (7, 7)}

# Past this many code numbers a "code" is far wider than the 784 pixels it
# encodes: almost certainly a typing slip, and a model that would take minutes to
# build (denoise at 4,096 filters has 1.2 billion weights).
MAX_CODE_NUMBERS = 8 * PIXELS


@dataclass(frozen=True)
class Variant:
    """One architecture at one code size (`code_size` as `SEED_CODE_SIZE` counts it)."""

    arch_id: str
    code_size: int

    @property
    def name(self) -> str:
        """`arch` for the seed's size, else `arch-size`: the weights' file stem."""
        return self.arch_id if self.is_seed else f"{self.arch_id}-{self.code_size}"

    @property
    def is_seed(self) -> bool:
        return self.code_size == SEED_CODE_SIZE[self.arch_id]

    @property
    def is_convolutional(self) -> bool:
        return self.arch_id in _CONV_GRID

    @property
    def code_shape(self) -> tuple[int, ...]:
        if self.is_convolutional:
            return (*_CONV_GRID[self.arch_id], self.code_size)
        return (self.code_size,)

    @property
    def code_numbers(self) -> int:
        """How many numbers one digit's code holds."""
        n = 1
        for d in self.code_shape:
            n *= d
        return n

    @property
    def compression_factor(self) -> float:
        """784 pixels over the code's numbers (the seed's simple model: 24.5)."""
        return PIXELS / self.code_numbers

    @property
    def size_text(self) -> str:
        """What the code size counts, for labels: "8 units" or "4 filters (4x4x4)"."""
        if self.is_convolutional:
            shape = "x".join(str(d) for d in self.code_shape)
            return f"{self.code_size} filter{'s' if self.code_size != 1 else ''} ({shape})"
        return f"{self.code_size} unit{'s' if self.code_size != 1 else ''}"


def variant(arch_id: str, code_size: int | None = None) -> Variant:
    """The variant of `arch_id` with `code_size` (None: the seed's), validated.

    Raises ValueError with a one-line message for an unknown architecture or
    a size that is not a whole number from 1 up to the limit.
    """
    if arch_id not in SEED_CODE_SIZE:
        raise ValueError(f"unknown architecture {arch_id!r}; "
                         f"choose one of {', '.join(SEED_CODE_SIZE)}")
    if code_size is None:
        return Variant(arch_id, SEED_CODE_SIZE[arch_id])
    if isinstance(code_size, bool) or int(code_size) != code_size:
        raise ValueError(f"code size must be a whole number, got {code_size!r}")
    v = Variant(arch_id, int(code_size))
    if v.code_size < 1:
        raise ValueError(f"code size must be at least 1, got {v.code_size}")
    if v.code_numbers > MAX_CODE_NUMBERS:
        what = "filters" if v.is_convolutional else "units"
        largest = MAX_CODE_NUMBERS // (v.code_numbers // v.code_size)
        raise ValueError(f"a {arch_id} code of {v.code_size} {what} holds {v.code_numbers:,} "
                         f"numbers for 784 pixels; use at most {largest} {what}")
    return v


def parse(name: str) -> Variant:
    """"simple" or "simple-8" (a `Variant.name`) back to its Variant."""
    arch_id, sep, size = name.partition("-")
    if not sep:
        return variant(arch_id)
    if not size.isdigit():
        raise ValueError(f"{name!r} is not a model name: expected ARCH or ARCH-SIZE, "
                         f"as in simple-8")
    return variant(arch_id, int(size))
