"""The settings that rebuild a model: its architecture, how a drawing becomes its input, and
the recipe that trained it.

They are stored as JSON next to the weights, so the app, the command line and the tests all
read the same values that training used. Values that belong to one model come from training,
not from defaults here: its width and input scaling from its preset (training/recipe.py), its
temperature and unsure threshold from fits on validation (training/calibration.py).
"""

import math
from dataclasses import asdict, dataclass, field, fields


def _check(config, rules: dict) -> None:
    """Raises ValueError naming the first field of `config` whose value breaks its rule.

    rules: field name -> (test, what the value must be). Run when a config is made, so an
    impossible value in a config file is refused at load instead of giving NaN answers later."""
    for name, (test, must_be) in rules.items():
        value = getattr(config, name)
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (is_number and math.isfinite(value) and test(value)):
            raise ValueError(f"{type(config).__name__}.{name} must be {must_be}, not {value!r}")


def _positive_integer(value) -> bool:
    return value > 0 and float(value).is_integer()


POSITIVE = (lambda v: v > 0, "a finite number above 0")
POSITIVE_INTEGER = (_positive_integer, "a whole number above 0")
AT_LEAST_0 = (lambda v: v >= 0, "a finite number of at least 0")
FRACTION = (lambda v: 0 <= v <= 1, "a number from 0 to 1")
BELOW_1 = (lambda v: 0 <= v < 1, "a number from 0 up to, not including, 1")


@dataclass(frozen=True)
class ArchitectureConfig:
    """Shape of the Bi-LSTM: each of the `rows` image rows is one time step of `cols` pixels."""

    hidden_size: int
    num_layers: int
    dropout: float = 0.0
    rows: int = 28
    cols: int = 28
    num_classes: int = 10

    def __post_init__(self):
        _check(self, {"hidden_size": POSITIVE_INTEGER, "num_layers": POSITIVE_INTEGER, "dropout": BELOW_1,
                      "rows": POSITIVE_INTEGER, "cols": POSITIVE_INTEGER, "num_classes": POSITIVE_INTEGER})


@dataclass(frozen=True)
class PreprocessConfig:
    """How a drawing is turned into a 28x28 input, following the way MNIST was built."""

    frame_size: int = 28  # the side of the input image
    box_size: int = 20  # the ink's longer side is scaled to this, as in MNIST
    supersample: int = 4  # work at box_size * supersample pixels before the final area filter
    stroke_width: float = 2.3  # stroke width, in output pixels, that every drawing is given
    ink_threshold: float = 0.35  # ink level, relative to the darkest stroke, counted as ink
    min_extent: float = 0.04  # ink spanning less than this fraction of the canvas is "no digit"
    max_coverage: float = 0.6  # ink covering more than this fraction of the canvas is "no digit"
    # A scan whose digit is at MNIST's scale (box_size / 2 to frame_size pixels) keeps its ink
    # levels; False thresholds it and gives it stroke_width, as every drawing is.
    scans_keep_levels: bool = True
    mean: float = 0.0  # normalisation applied to pixels in [0, 1]; the identity unless a preset sets it
    std: float = 1.0

    def __post_init__(self):
        _check(self, {"frame_size": POSITIVE_INTEGER, "box_size": POSITIVE_INTEGER, "supersample": POSITIVE_INTEGER,
                      "stroke_width": POSITIVE, "ink_threshold": FRACTION, "min_extent": FRACTION,
                      "max_coverage": FRACTION, "mean": (lambda v: True, "a finite number"), "std": POSITIVE})
        if not isinstance(self.scans_keep_levels, bool):
            raise ValueError(f"PreprocessConfig.scans_keep_levels must be true or false, not {self.scans_keep_levels!r}")
        if self.box_size > self.frame_size:
            raise ValueError(f"PreprocessConfig.box_size must be at most frame_size ({self.frame_size}), "
                             f"not {self.box_size}")


@dataclass(frozen=True)
class Augmentation:
    """How far each random change of a training image may go; zero turns a change off."""

    rotate_degrees: float = 0.0
    shear: float = 0.0  # horizontal shear factor, as slanted handwriting has
    scale: float = 0.0  # relative change of size
    aspect: float = 0.0  # relative change of width against height
    shift: float = 0.0  # pixels
    elastic: float = 0.0  # pixels of smooth random displacement
    thickness: float = 0.0  # 1 blends fully towards a 3x3 dilation or erosion

    def __post_init__(self):
        _check(self, {f.name: AT_LEAST_0 for f in fields(self)})


@dataclass(frozen=True)
class TrainingMix:
    """Images drawn from each source in one epoch; 0 leaves a source out.

    `mnist` images are MNIST's own tensors, warped by `TrainingRecipe.augmentation`. The other
    sources are already the app's conversion of a drawing or scan (training/sources.py), warped
    only by `TrainingRecipe.converted_augmentation`.
    """

    mnist: int = 0
    mnist_converted: int = 0  # MNIST training digits as scans through the app's conversion
    pen: int = 0  # pen trajectories drawn on a sketchpad canvas
    pen_variants: int = 0  # the same, written in ways the writers rarely used (training/variants.py)
    optdigits: int = 0  # 32x32 form scans, also at lower resolutions
    usps: int = 0  # 16x16 envelope scans
    corrections: int = 0  # drawings people corrected in the app (train.py --corrections)

    def __post_init__(self):
        _check(self, {f.name: AT_LEAST_0 for f in fields(self)})


@dataclass(frozen=True)
class TrainingRecipe:
    preset: str
    seed: int
    epochs: int
    batch_size: int
    lr: float
    one_cycle: bool  # one-cycle schedule peaking at `lr`, else a constant `lr`
    weight_decay: float
    label_smoothing: float
    ema_decay: float | None  # keep an exponential moving average of the weights
    grad_clip: float | None
    mix: TrainingMix
    augmentation: Augmentation | None = None
    converted_augmentation: Augmentation | None = None
    calibrate: bool = False  # fit a softmax temperature on the validation sources

    def __post_init__(self):
        _check(self, {"epochs": POSITIVE_INTEGER, "batch_size": POSITIVE_INTEGER, "lr": POSITIVE,
                      "weight_decay": AT_LEAST_0, "label_smoothing": BELOW_1})
        optional = {"ema_decay": (lambda v: 0 < v < 1, "empty or a number between 0 and 1"),
                    "grad_clip": (lambda v: v > 0, "empty or a finite number above 0")}
        _check(self, {name: rule for name, rule in optional.items() if getattr(self, name) is not None})

    @classmethod
    def from_dict(cls, data: dict) -> "TrainingRecipe":
        parts = {
            "mix": TrainingMix(**data["mix"]),
            "augmentation": data.get("augmentation") and Augmentation(**data["augmentation"]),
            "converted_augmentation": data.get("converted_augmentation")
            and Augmentation(**data["converted_augmentation"]),
        }
        return cls(**{**data, **parts})


@dataclass(frozen=True)
class ModelConfig:
    architecture: ArchitectureConfig
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    unsure_below: float = 0.0  # top probability under which the app says the model is unsure
    temperature: float = 1.0  # logits are divided by it before the softmax (calibration)
    recipe: TrainingRecipe | None = None  # the recipe that produced the weights
    metrics: dict = field(default_factory=dict)  # measured figures: accuracies, ECE, time, parameters
    sha256: str = ""  # checksum of the weights file, checked at load

    def __post_init__(self):
        # A temperature of 0 divides the logits by zero: NaN probabilities. A threshold outside
        # [0, 1] would call every answer, or none, unsure.
        _check(self, {"unsure_below": FRACTION, "temperature": POSITIVE})

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        return cls(
            architecture=ArchitectureConfig(**data["architecture"]),
            preprocess=PreprocessConfig(**data["preprocess"]),
            unsure_below=data["unsure_below"],
            temperature=data.get("temperature", 1.0),
            recipe=data.get("recipe") and TrainingRecipe.from_dict(data["recipe"]),
            metrics=data.get("metrics", {}),
            sha256=data["sha256"],
        )
