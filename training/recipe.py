"""The recipes: each preset's network, input scaling and training recipe, in one place.

A preset's values are stored in the config beside the weights it trains (model/config.py), so
the app reads what training used.
"""

from dataclasses import dataclass

from model.config import ArchitectureConfig, Augmentation, PreprocessConfig, TrainingMix, TrainingRecipe

CORRECTION_REPEATS = 4  # each corrected drawing is seen this many times an epoch, as each pen digit is

MNIST_AUGMENTATION = Augmentation(
    rotate_degrees=12, shear=0.3, scale=0.12, aspect=0.15, shift=2.0, elastic=1.2, thickness=0.7,
)
CONVERTED_AUGMENTATION = Augmentation(
    rotate_degrees=4, shear=0.1, scale=0.05, aspect=0.05, shift=1.0, elastic=0.8, thickness=0.3,
)


@dataclass(frozen=True)
class Preset:
    architecture: ArchitectureConfig
    preprocess: PreprocessConfig
    recipe: TrainingRecipe


PRESETS = {
    # The tutorial: LSTM(28, 12, 2 layers, bidirectional), Adam 5e-3, batch 128, 11 epochs,
    # ToTensor() images with no normalisation and no augmentation.
    "seed": Preset(
        architecture=ArchitectureConfig(hidden_size=12, num_layers=2),
        preprocess=PreprocessConfig(mean=0.0, std=1.0),
        recipe=TrainingRecipe(
            preset="seed", seed=0, epochs=11, batch_size=128, lr=5e-3, one_cycle=False,
            weight_decay=0.0, label_smoothing=0.0, ema_decay=None, grad_clip=None,
            mix=TrainingMix(mnist=55_000),
        ),
    ),
    # The previous shipped model: wider, and trained on MNIST warped the way people draw.
    "mnist-only": Preset(
        architecture=ArchitectureConfig(hidden_size=128, num_layers=2, dropout=0.1),
        preprocess=PreprocessConfig(mean=0.1307, std=0.3081),
        recipe=TrainingRecipe(
            preset="mnist-only", seed=0, epochs=18, batch_size=128, lr=2e-3, one_cycle=True,
            weight_decay=1e-4, label_smoothing=0.1, ema_decay=0.999, grad_clip=1.0,
            mix=TrainingMix(mnist=55_000), augmentation=MNIST_AUGMENTATION,
        ),
    ),
    # The shipped model: the same network, trained on MNIST, on other people's handwriting as
    # the app converts it, and on their digits written in the ways they rarely used
    # (training/variants.py, each variant's share in training/sources.py), then calibrated
    # with a temperature. MNIST keeps its third of the epoch (45,000 of 136,000).
    "default": Preset(
        architecture=ArchitectureConfig(hidden_size=128, num_layers=2, dropout=0.1),
        preprocess=PreprocessConfig(mean=0.1307, std=0.3081),
        recipe=TrainingRecipe(
            preset="default", seed=0, epochs=18, batch_size=256, lr=3e-3, one_cycle=True,
            weight_decay=1e-4, label_smoothing=0.0, ema_decay=0.999, grad_clip=1.0,
            mix=TrainingMix(mnist=45_000, mnist_converted=28_000, pen=35_000, pen_variants=12_000,
                            optdigits=8_000, usps=8_000),
            augmentation=MNIST_AUGMENTATION, converted_augmentation=CONVERTED_AUGMENTATION, calibrate=True,
        ),
    ),
}
