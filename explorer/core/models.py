"""The five autoencoders of the seed tutorial, layer for layer.

`ARCHITECTURES` describes each one without touching Keras (the UI lists them
before TensorFlow is imported); `build(arch_id)` makes the Keras models, and
`build(arch_id, code_size)` a variant with a wider or narrower code
(`explorer.core.variants`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from explorer.core.keras_backend import import_keras
from explorer.core.variants import Variant, variant

__all__ = ["ARCH_IDS", "ARCHITECTURES", "ArchSpec", "Autoencoder", "DEFAULT_LEARNING_RATE",
           "OPTIMIZERS", "build", "compile_model", "encode", "encode_and_reconstruct",
           "import_keras", "layer_table", "learning_rate_for", "per_image_loss", "predict",
           "reconstruct", "reinitialize", "spec", "variant_spec"]

ARCH_IDS = ("simple", "sparse", "deep", "conv", "denoise")
OPTIMIZERS = ("adam", "adadelta")

# Modern Keras defaults Adadelta to 0.001, where the seed's models barely move;
# the tutorial's figures were made with the old default of 1.0.
DEFAULT_LEARNING_RATE = {"adam": 0.001, "adadelta": 1.0}


@dataclass(frozen=True)
class ArchSpec:
    """What the UI and the trainer need to know about one architecture."""

    id: str
    title: str
    description: str
    epochs: int
    batch_size: int
    noise: float
    image_input: bool  # True: (28, 28, 1) input; False: flat 784 vector
    code_shape: tuple[int, ...]
    seed_loss: str  # the tutorial's reported figure, for comparison tables


ARCHITECTURES: dict[str, ArchSpec] = {
    "simple": ArchSpec(
        "simple", "Simple (32-d code)",
        "One fully-connected layer as encoder (784 -> 32, ReLU) and one as "
        "decoder (32 -> 784, sigmoid). A compression factor of 24.5.",
        epochs=50, batch_size=256, noise=0.0, image_input=False,
        code_shape=(32,), seed_loss="about 0.11 after 50 epochs (0.09 with Adam)"),
    "sparse": ArchSpec(
        "sparse", "Sparse (L1 on the code)",
        "The simple model with an L1 activity regulariser (10e-5) on the 32-d "
        "code, so fewer units fire at a time: the code gets sparser.",
        epochs=100, batch_size=256, noise=0.0, image_input=False,
        code_shape=(32,), seed_loss="train 0.11 / test 0.10 after 100 epochs"),
    "deep": ArchSpec(
        "deep", "Deep (128-64-32)",
        "A stack of three fully-connected layers each way: "
        "784 -> 128 -> 64 -> 32 -> 64 -> 128 -> 784.",
        epochs=100, batch_size=256, noise=0.0, image_input=False,
        code_shape=(32,), seed_loss="0.097 after 100 epochs (0.08 with Adam)"),
    "conv": ArchSpec(
        "conv", "Convolutional (4x4x8 code)",
        "Conv2D and MaxPooling2D down to a (4, 4, 8) code, 128 numbers, then "
        "Conv2D and UpSampling2D back up to 28x28.",
        epochs=50, batch_size=128, noise=0.0, image_input=True,
        code_shape=(4, 4, 8), seed_loss="0.094 after 50 epochs"),
    "denoise": ArchSpec(
        "denoise", "Denoising convolutional (7x7x32 code)",
        "Trained on noisy digits (noise factor 0.5) against the clean ones: "
        "two 32-filter Conv2D/MaxPooling2D stages to a (7, 7, 32) code, and back.",
        epochs=100, batch_size=128, noise=0.5, image_input=True,
        code_shape=(7, 7, 32), seed_loss="noise factor 0.5, 100 epochs"),
}


class Autoencoder(NamedTuple):
    """The three models of the seed, sharing their layers, and one for viewing.

    `viewer` maps an image to (code, reconstruction) in one forward pass. It
    is never compiled: `compile` (at the start of every training run) throws
    away a model's traced predict graph, and retracing the autoencoder's took
    0.2 s on the model thread in the middle of each run, whereas the viewer's
    graph is traced once and kept.
    """

    autoencoder: Any
    encoder: Any
    decoder: Any
    arch_id: str
    viewer: Any
    code_size: int | None = None  # None: the seed's

    @property
    def variant(self) -> Variant:
        """The architecture and code size; `.name` is the weights' file stem."""
        return variant(self.arch_id, self.code_size)


def spec(arch_id: str) -> ArchSpec:
    try:
        return ARCHITECTURES[arch_id]
    except KeyError:
        raise ValueError(
            f"unknown architecture {arch_id!r}; choose one of {', '.join(ARCH_IDS)}"
        ) from None


def variant_spec(arch_id: str, code_size: int | None = None) -> ArchSpec:
    """`spec(arch_id)` for a code-size variant: its own title and code shape.

    The seed's size gives the seed's spec itself. The training settings
    (epochs, batch size, noise) stay the architecture's.
    """
    base = spec(arch_id)
    v = variant(arch_id, code_size)
    if v.is_seed:
        return base
    shape = "x".join(str(d) for d in v.code_shape)
    short = {"deep": f"128-64-{v.code_size}"}.get(
        arch_id, f"{shape} code" if v.is_convolutional else f"{v.code_size}-d code")
    title = base.title.split(" (")[0] + f" ({short})"
    return dataclasses.replace(
        base, id=v.name, title=title, code_shape=v.code_shape,
        description=(f"The {arch_id} model with a code of {v.size_text} instead of "
                     f"the seed's {spec(arch_id).code_shape[-1]}: {v.code_numbers:,} numbers "
                     f"per digit, a compression factor of {v.compression_factor:.3g}."))


def to_model_input(arch_id: str, x: np.ndarray) -> np.ndarray:
    """(n, 28, 28) images to the shape the architecture takes."""
    x = np.asarray(x, dtype=np.float32)
    if spec(arch_id).image_input:
        return x.reshape(len(x), 28, 28, 1)
    return x.reshape(len(x), 784)


def to_images(x: np.ndarray) -> np.ndarray:
    """Model outputs of either shape back to (n, 28, 28)."""
    return np.asarray(x, dtype=np.float32).reshape(len(x), 28, 28)


def build(arch_id: str, code_size: int | None = None) -> Autoencoder:
    """Build the seed's autoencoder, encoder and decoder for `arch_id`.

    `code_size` (None: the seed's) sets the code's units for the dense
    models and the code layer's filters for `conv` and `denoise`; every
    other layer stays the seed's, so the seed's size builds exactly the
    seed's model (and the shipped weights load into it).
    """
    builder = {
        "simple": _build_simple,
        "sparse": _build_sparse,
        "deep": _build_deep,
        "conv": _build_conv,
        "denoise": _build_denoise,
    }[spec(arch_id).id]
    size = variant(arch_id, code_size).code_size
    keras = import_keras()
    autoencoder, encoder, decoder = builder(keras, size)
    viewer = keras.Model(autoencoder.inputs, [encoder.outputs[0], autoencoder.outputs[0]],
                         name="viewer")
    return Autoencoder(autoencoder, encoder, decoder, arch_id, viewer, size)


def reinitialize(model: Autoencoder) -> None:
    """Fresh random weights, drawn as a newly built model's are, in place.

    Each kernel and bias is drawn again by a new instance of its layer's own
    initializer: the layer's instance keeps the seed of its first draw, so
    calling it again would give the model's first weights back. Building a
    whole new Autoencoder for its weights, as this did before, left three
    Keras models of garbage per fresh run for the GUI thread's collector.
    A layer with weights other than a kernel and a bias (none of the five
    has one) is refused before anything is assigned, rather than left half
    trained in a run that claims to be fresh.
    """
    drawn = []
    for layer in model.autoencoder.layers:
        owned = {id(w) for w in layer.weights}
        pairs = [(getattr(layer, name), getattr(layer, f"{name}_initializer"))
                 for name in ("kernel", "bias") if getattr(layer, name, None) is not None]
        if owned != {id(variable) for variable, _ in pairs}:
            raise TypeError(f"layer {layer.name!r} has weights other than a kernel and a bias; "
                            "reinitialize cannot draw them again")
        drawn += [(variable, _redrawn(initializer)(variable.shape, variable.dtype))
                  for variable, initializer in pairs]
    for variable, value in drawn:  # nothing assigned until every draw succeeded
        variable.assign(value)


def _redrawn(initializer):
    """A new instance of a Keras initializer with a new default seed."""
    config = initializer.get_config()
    if "seed" in config:
        config["seed"] = None
    return type(initializer).from_config(config)


def _decoder_from(keras, autoencoder, code_shape, first_decoder_layer: int):
    """A decoder model that reuses the autoencoder's own decoder layers."""
    code = keras.Input(shape=code_shape, name="code")
    x = code
    for layer in autoencoder.layers[first_decoder_layer:]:
        x = layer(x)
    return keras.Model(code, x, name="decoder")


def _build_simple(keras, units: int, regularizer=None):
    from keras import layers

    inputs = keras.Input(shape=(784,), name="image")
    encoded = layers.Dense(units, activation="relu", activity_regularizer=regularizer,
                           name="code")(inputs)
    decoded = layers.Dense(784, activation="sigmoid", name="reconstruction")(encoded)
    autoencoder = keras.Model(inputs, decoded, name="autoencoder")
    encoder = keras.Model(inputs, encoded, name="encoder")
    return autoencoder, encoder, _decoder_from(keras, autoencoder, (units,), 2)


def _build_sparse(keras, units: int):
    # 10e-5 as the seed writes it (that is 1e-4).
    return _build_simple(keras, units, regularizer=keras.regularizers.l1(10e-5))


def _build_deep(keras, units: int):
    from keras import layers

    inputs = keras.Input(shape=(784,), name="image")
    x = layers.Dense(128, activation="relu", name="enc_128")(inputs)
    x = layers.Dense(64, activation="relu", name="enc_64")(x)
    encoded = layers.Dense(units, activation="relu", name="code")(x)
    x = layers.Dense(64, activation="relu", name="dec_64")(encoded)
    x = layers.Dense(128, activation="relu", name="dec_128")(x)
    decoded = layers.Dense(784, activation="sigmoid", name="reconstruction")(x)
    autoencoder = keras.Model(inputs, decoded, name="autoencoder")
    encoder = keras.Model(inputs, encoded, name="encoder")
    return autoencoder, encoder, _decoder_from(keras, autoencoder, (units,), 4)


def _build_conv(keras, filters: int):
    from keras import layers

    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Conv2D(16, (3, 3), activation="relu", padding="same")(inputs)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    # The code's filters: 8 in the seed, so (4, 4, 8), 128 numbers.
    x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same")(x)
    encoded = layers.MaxPooling2D((2, 2), padding="same", name="code")(x)
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(encoded)
    x = layers.UpSampling2D((2, 2))(x)
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = layers.UpSampling2D((2, 2))(x)
    # The seed's one unpadded convolution: 16x16 -> 14x14, so the output is 28x28.
    x = layers.Conv2D(16, (3, 3), activation="relu")(x)
    x = layers.UpSampling2D((2, 2))(x)
    decoded = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same",
                            name="reconstruction")(x)
    autoencoder = keras.Model(inputs, decoded, name="autoencoder")
    encoder = keras.Model(inputs, encoded, name="encoder")
    return autoencoder, encoder, _decoder_from(keras, autoencoder, (4, 4, filters), 7)


def _build_denoise(keras, filters: int):
    from keras import layers

    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(inputs)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    # The code's filters: 32 in the seed, so (7, 7, 32).
    x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same")(x)
    encoded = layers.MaxPooling2D((2, 2), padding="same", name="code")(x)
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(encoded)
    x = layers.UpSampling2D((2, 2))(x)
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(x)
    x = layers.UpSampling2D((2, 2))(x)
    decoded = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same",
                            name="reconstruction")(x)
    autoencoder = keras.Model(inputs, decoded, name="autoencoder")
    encoder = keras.Model(inputs, encoded, name="encoder")
    return autoencoder, encoder, _decoder_from(keras, autoencoder, (7, 7, filters), 5)


def learning_rate_for(name: str, learning_rate: float | None = None) -> float:
    """The learning rate a run of optimizer `name` uses (its default for None), checked."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose adam or adadelta")
    lr = DEFAULT_LEARNING_RATE[name] if learning_rate is None else float(learning_rate)
    if not lr > 0 or not np.isfinite(lr):
        raise ValueError(f"learning rate must be a positive number, got {learning_rate}")
    return lr


def make_optimizer(name: str, learning_rate: float | None = None):
    """Adam (fast) or Adadelta at the seed's learning rate 1.0 by default."""
    lr = learning_rate_for(name, learning_rate)
    keras = import_keras()
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=lr)
    return keras.optimizers.Adadelta(learning_rate=lr)


def compile_model(model: Autoencoder, optimizer: str = "adam",
                  learning_rate: float | None = None) -> None:
    model.autoencoder.compile(optimizer=make_optimizer(optimizer, learning_rate),
                              loss="binary_crossentropy")


@dataclass(frozen=True)
class LayerRow:
    name: str
    kind: str
    output_shape: str
    params: int


def layer_table(model) -> list[LayerRow]:
    """One row per layer of a built Keras model, for the UI's summary table."""
    rows = []
    for layer in model.layers:
        try:
            shape = tuple(layer.output.shape)
        except (AttributeError, ValueError):
            shape = ()
        shape_text = "(" + ", ".join("batch" if d is None else str(d) for d in shape) + ")"
        rows.append(LayerRow(layer.name, type(layer).__name__, shape_text,
                             int(layer.count_params())))
    return rows


def count_params(model) -> int:
    return int(model.count_params())


def reconstruct(model: Autoencoder, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Reconstructions of (n, 28, 28) images as (n, 28, 28)."""
    return encode_and_reconstruct(model, x, batch_size)[1]


def encode_and_reconstruct(model: Autoencoder, x: np.ndarray,
                           batch_size: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """(codes, reconstructions) of (n, 28, 28) images, from one forward pass."""
    codes, recon = predict(model.viewer, to_model_input(model.arch_id, x), batch_size)
    return codes, to_images(recon)


def encode(model: Autoencoder, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Latent codes, in the encoder's own shape (n, *code_shape)."""
    return predict(model.encoder, to_model_input(model.arch_id, x), batch_size)


def predict(keras_model, x: np.ndarray, batch_size: int = 1024):
    """Forward pass without `Model.predict`'s per-call set-up cost.

    One array, or a list of arrays for a model with several outputs.
    `predict` builds a data adapter and a progress bar on every call (tens of
    milliseconds); an eager `model(x)` call runs op by op (about 20 ms for ten
    conv digits). `predict_on_batch` runs the compiled graph: about 3 ms,
    which is what keeps the noise slider interactive.
    """
    several = len(keras_model.outputs) > 1
    if len(x) == 0:
        outputs = [np.zeros((0, *out.shape[1:]), np.float32) for out in keras_model.outputs]
    else:
        batches = []
        for i in range(0, len(x), batch_size):
            out = keras_model.predict_on_batch(x[i:i + batch_size])
            batches.append([np.asarray(a, np.float32) for a in (out if several else [out])])
        outputs = [parts[0] if len(parts) == 1 else np.concatenate(parts)
                   for parts in zip(*batches, strict=True)]
    return outputs if several else outputs[0]


def per_image_loss(x: np.ndarray, reconstruction: np.ndarray) -> np.ndarray:
    """Mean binary cross-entropy per image, as Keras computes the loss."""
    eps = 1e-7  # Keras' backend epsilon: it clips predictions the same way
    p = np.clip(np.asarray(reconstruction, np.float64).reshape(len(x), -1), eps, 1 - eps)
    t = np.asarray(x, np.float64).reshape(len(x), -1)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(axis=1)
