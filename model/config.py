"""The settings that rebuild a model: its architecture and how a drawing becomes its input.

They are stored as JSON next to the weights, so the app, the command line and the tests all
read the same values that training used.
"""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class ArchitectureConfig:
    """Shape of the Bi-LSTM: each of the `rows` image rows is one time step of `cols` pixels."""

    hidden_size: int = 12
    num_layers: int = 2
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
    mean: float = 0.1307  # normalisation applied to pixels in [0, 1]
    std: float = 0.3081


@dataclass(frozen=True)
class ModelConfig:
    architecture: ArchitectureConfig = field(default_factory=ArchitectureConfig)
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    unsure_below: float = 0.5  # top probability under which the app says the model is unsure
    training: dict = field(default_factory=dict)  # the recipe that produced the weights
    metrics: dict = field(default_factory=dict)  # test accuracy, epochs, time, parameters
    sha256: str = ""  # checksum of the weights file, checked at load

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        return cls(
            architecture=ArchitectureConfig(**data["architecture"]),
            preprocess=PreprocessConfig(**data["preprocess"]),
            unsure_below=data["unsure_below"],
            training=data.get("training", {}),
            metrics=data.get("metrics", {}),
            sha256=data["sha256"],
        )
