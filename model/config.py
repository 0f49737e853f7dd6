"""The settings that rebuild a model: its architecture, how a drawing becomes its input, and
the recipe that trained it.

They are stored as JSON next to the weights, so the app, the command line and the tests all
read the same values that training used. Values that belong to one model (its width, its
input scaling, its thresholds) come from that model's preset in train.py, not from defaults
here.
"""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class ArchitectureConfig:
    """Shape of the Bi-LSTM: each of the `rows` image rows is one time step of `cols` pixels."""

    hidden_size: int
    num_layers: int
    dropout: float = 0.0
    rows: int = 28
    cols: int = 28
    num_classes: int = 10


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
    mean: float = 0.0  # normalisation applied to pixels in [0, 1]; the identity unless a preset sets it
    std: float = 1.0


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


@dataclass(frozen=True)
class TrainingMix:
    """Images drawn from each source in one epoch; 0 leaves a source out.

    `mnist` images are MNIST's own tensors, warped by `TrainingRecipe.augmentation`. The other
    sources are already the app's conversion of a drawing or scan (model/sources.py), warped
    only by `TrainingRecipe.converted_augmentation`.
    """

    mnist: int = 0
    mnist_converted: int = 0  # MNIST training digits as scans through the app's conversion
    pen: int = 0  # pen trajectories drawn on a sketchpad canvas
    optdigits: int = 0  # 32x32 form scans, also at lower resolutions
    usps: int = 0  # 16x16 envelope scans
    corrections: int = 0  # drawings people corrected in the app (train.py --corrections)


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
