"""The model dock's code size: what the box offers for the current architecture, in words.

"What if the code were 2-d?" is the question a student asks first: the code
size is the number of code units of the dense models (simple, sparse, deep)
and the number of filters of the code layer of the convolutional ones (conv,
denoise), the seed's size by default (`core.variants`). No widget and no
TensorFlow here: the panel's box mirrors a `CodeSize`.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.core import variants


@dataclass(frozen=True)
class CodeSize:
    """What the code-size box shows for one variant."""

    arch_id: str
    value: int
    seed: int  # the tutorial's size: the default
    maximum: int  # the largest the architecture takes (variants.MAX_CODE_NUMBERS)
    suffix: str  # " units" or " filters", after the number in the box
    compression_text: str
    tooltip: str


def _largest(arch_id: str) -> int:
    one = variants.variant(arch_id, 1).code_numbers  # the numbers per unit or filter
    return variants.MAX_CODE_NUMBERS // one


def compression_text(v: variants.Variant) -> str:
    """784 pixels against the code's numbers, as a line under the box."""
    n = v.code_numbers
    numbers = f"{n:,} number{'s' if n != 1 else ''}"
    shape = "" if not v.is_convolutional else f" ({'x'.join(str(d) for d in v.code_shape)})"
    factor = v.compression_factor
    if factor < 1:
        how = f"the code is {1 / factor:.3g}× wider than the image"
    else:
        how = f"compression factor {factor:.3g}"
    return f"784 pixels → {numbers}{shape} per digit: {how}"


def code_size_for(v: variants.Variant) -> CodeSize:
    seed = variants.SEED_CODE_SIZE[v.arch_id]
    what = "filters of the code layer" if v.is_convolutional else "units of the code"
    tooltip = (f"How many {what} (the tutorial's: {seed}). Each step doubles or halves it; "
               f"type any number from 1 to {_largest(v.arch_id):,}. A new size builds a new "
               "model; the weights of each size are kept for the session.")
    return CodeSize(v.arch_id, v.code_size, seed, _largest(v.arch_id),
                    " filters" if v.is_convolutional else " units", compression_text(v), tooltip)
