"""The training loop: the mixed epoch, one optimisation step, validation after the last epoch
(or after each, to choose the epoch count), calibration, and the weights and config it writes
(train.py is its command line).

Every choice is made on the validation sources (training/sources.py). MNIST's test split is
read only when asked for (`final_test`, train.py --final-test), once, after every choice:
a run that tries a candidate never sees it.
"""

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm

from model.canvas import normalize
from model.config import ArchitectureConfig, ModelConfig, PreprocessConfig, TrainingMix, TrainingRecipe
from model.corrections import read_labelled_drawings
from model.mnist import load_mnist
from model.network import BiLSTMClassifier, count_parameters, predict_logits
from model.weights import save_model

from .allocator import keep_freed_memory
from .calibration import ThresholdAtGridEdge, calibrate, unsure_threshold_inside_grid
from .data import augment
from .recipe import CORRECTION_REPEATS, PRESETS
from .scribbles import validation_scribbles
from .sources import mnist_test_scans, training_sets, validation_sets, variant_validation_sets


def epoch_indices(pool: int, count: int, generator: torch.Generator) -> torch.Tensor:
    """`count` indices into a pool of `pool` images: each image once before any twice."""
    rounds = [torch.randperm(pool, generator=generator) for _ in range(-(-count // pool))]
    return torch.cat(rounds)[:count]


def epoch_size(mix: TrainingMix) -> int:
    """Images in one epoch: the mix's count from every source."""
    return sum(getattr(mix, name) for name in TrainingMix.__dataclass_fields__)


def steps_per_epoch(recipe: TrainingRecipe) -> int:
    return -(-epoch_size(recipe.mix) // recipe.batch_size)


@dataclass
class Optimisation:
    """The network being trained, with its optimiser, learning-rate schedule and weight average."""

    model: BiLSTMClassifier
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler | None
    ema: AveragedModel | None

    @classmethod
    def start(cls, architecture: ArchitectureConfig, recipe: TrainingRecipe,
              device: torch.device = torch.device("cpu")) -> "Optimisation":
        model = BiLSTMClassifier(architecture).to(device)
        optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
        scheduler = (
            torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=recipe.lr, total_steps=recipe.epochs * steps_per_epoch(recipe))
            if recipe.one_cycle
            else None
        )
        ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(recipe.ema_decay)) if recipe.ema_decay else None
        return cls(model, optimizer, scheduler, ema)

    @property
    def kept(self) -> BiLSTMClassifier:
        """The weights training keeps: the moving average when the recipe has one."""
        return self.ema.module if self.ema else self.model

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def step(self, images: torch.Tensor, labels: torch.Tensor, raw: torch.Tensor, recipe: TrainingRecipe,
             preprocess: PreprocessConfig, generator: torch.Generator) -> None:
        """One batch: images (B, 28, 28) in [0, 1], changed in place; `raw` (B,) marks MNIST's own
        tensors, warped by `recipe.augmentation`, the rest by `recipe.converted_augmentation`.
        The batch is warped on the CPU, then sent to the network's device."""
        if recipe.augmentation and raw.any():
            images[raw] = augment(images[raw], recipe.augmentation, generator)
        if recipe.converted_augmentation and (~raw).any():
            images[~raw] = augment(images[~raw], recipe.converted_augmentation, generator)
        device = self.device
        loss = F.cross_entropy(self.model(normalize(images, preprocess).to(device)), labels.to(device),
                               label_smoothing=recipe.label_smoothing)
        self.optimizer.zero_grad()
        loss.backward()
        if recipe.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), recipe.grad_clip)
        self.optimizer.step()
        if self.scheduler:
            self.scheduler.step()
        if self.ema:
            self.ema.update_parameters(self.model)


def accuracies(model, sets: dict, preprocess: PreprocessConfig) -> tuple[dict, dict]:
    """Accuracy on each set, and each set's logits for calibration."""
    logits = {name: predict_logits(model, normalize(pixels, preprocess)) for name, (pixels, _) in sets.items()}
    return {name: (logits[name].argmax(1) == sets[name][1]).float().mean().item() for name in sets}, logits


DRAWN_VALIDATION = ("pen writers", "pen variants", "mnist scans")  # the validation sources that are drawings


def unsure_threshold(model, validation: dict, logits: dict, temperature: float,
                     preprocess: PreprocessConfig) -> tuple[float, bool]:
    """This model's unsure threshold, chosen on the validation drawings and scribbles at its
    temperature; and whether it fell back to the widened grid's top because no choice lay inside."""
    top, predicted, labels = [], [], []
    for name in DRAWN_VALIDATION:
        probabilities = torch.softmax(logits[name] / temperature, 1)
        top += probabilities.max(1).values.tolist()
        predicted += probabilities.argmax(1).tolist()
        labels += validation[name][1].tolist()
    scribbles = validation_scribbles(preprocess)
    scribble_top = np.zeros(0)  # when the conversion reads none of them as a digit
    if len(scribbles):
        scribble_logits = predict_logits(model, normalize(scribbles, preprocess))
        scribble_top = torch.softmax(scribble_logits / temperature, 1).max(1).values.numpy()
    try:
        return unsure_threshold_inside_grid(top, predicted, labels, scribble_top)[0], False
    except ThresholdAtGridEdge as problem:
        print(f"warning: {problem}; unsure below {problem.highest}, the cautious end", flush=True)
        return problem.highest, True


def train(preset_name: str, data_dir: Path, epochs: int | None, seed: int, out: Path,
          corrections: Path | None = None, final_test: bool = False, watch: bool = False,
          device: str = "cpu") -> ModelConfig:
    """`corrections`: a folder of labelled drawings, as the app saves them, to learn from too.
    `final_test`: also measure the finished model on MNIST's test split, for the model card.
    `watch`: validate after every epoch, not only the last, to see where the accuracy levels off.
    `device`: where the network trains ("cuda": a GPU, in minutes; TF32 off, so its float32
    arithmetic is the CPU's). Data, augmentation and everything after the last epoch stay on the CPU."""
    keep_freed_memory()
    preset = PRESETS[preset_name]
    recipe = replace(preset.recipe, seed=seed, epochs=epochs or preset.recipe.epochs)
    preprocess = preset.preprocess
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)

    started = time.time()
    sources = training_sets(data_dir, recipe.mix, preprocess)
    if corrections:
        # Already the model's 28x28 inputs, so they join the converted sources.
        drawings = read_labelled_drawings(corrections)
        if drawings.skipped:
            print(f"corrections: {drawings.skipped_line()}", flush=True)
        if len(drawings.labels):
            sources["corrections"] = torch.from_numpy(drawings.pixels), torch.from_numpy(drawings.labels)
            recipe = replace(recipe, mix=replace(recipe.mix, corrections=CORRECTION_REPEATS * len(drawings.labels)))
    validation = validation_sets(data_dir, preprocess)
    print(f"data ready in {time.time() - started:.0f} s: "
          + ", ".join(f"{name} {len(labels):,}" for name, (_, labels) in sources.items()), flush=True)
    # One pool of images: MNIST's own tensors first (warped by `augmentation`), then the
    # converted sources (warped only by `converted_augmentation`).
    names = list(sources)
    pixels = torch.cat([sources[n][0] for n in names])
    labels = torch.cat([sources[n][1] for n in names])
    offsets = torch.tensor([0] + [len(sources[n][1]) for n in names]).cumsum(0)
    raw_count = len(sources["mnist"][1]) if "mnist" in sources else 0

    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False  # float32 on a GPU too
    optimisation = Optimisation.start(preset.architecture, recipe, torch.device(device))
    model = optimisation.model
    print(f"{preset_name} preset: {count_parameters(model):,} parameters, {recipe.epochs} epochs "
          f"of {epoch_size(recipe.mix):,} images", flush=True)
    print("epoch  " + "  ".join(f"{name:>11}" for name in validation) + "   time", flush=True)

    training_started = time.time()
    for epoch in range(1, recipe.epochs + 1):
        model.train()
        order = torch.cat([
            offsets[i] + epoch_indices(len(sources[n][1]), getattr(recipe.mix, n), generator)
            for i, n in enumerate(names)
        ])
        order = order[torch.randperm(len(order), generator=generator)]
        for index in tqdm(order.split(recipe.batch_size), desc=f"epoch {epoch}", leave=False):
            optimisation.step(pixels[index].clone(), labels[index], index < raw_count, recipe, preprocess, generator)
        final = optimisation.kept
        if watch or epoch == recipe.epochs:
            validation_accuracy, validation_logits = accuracies(final, validation, preprocess)
            cells = [f"{a:11.4f}" for a in validation_accuracy.values()]
        else:
            cells = [f"{'-':>11}"] * len(validation)
        print(f"{epoch:5d}  " + "  ".join(cells) + f"  {time.time() - training_started:5.0f} s", flush=True)
    train_seconds = time.time() - training_started
    final = final.cpu()

    # Fitted on one half of each validation source; its ECE is reported on the other half.
    temperature, ece_before, ece_after = calibrate(
        {name: (validation_logits[name], validation[name][1]) for name in validation}, fit=recipe.calibrate)
    unsure_below, at_edge = unsure_threshold(final, validation, validation_logits, temperature, preprocess)
    variant_accuracy, _ = accuracies(final, variant_validation_sets(data_dir, preprocess), preprocess)
    metrics = {
        "validation_accuracy": validation_accuracy,
        "variant_accuracy": variant_accuracy,  # the held-out writers' digits in each variant
        "ece_uncalibrated": ece_before,  # on the halves the temperature was not fitted on
        "ece": ece_after,
        "epochs": recipe.epochs,
        "train_seconds": round(train_seconds, 1),
        "data_seconds": round(training_started - started, 1),
        "parameters": count_parameters(final),
        "device": device,  # where it trained: train_seconds is that device's
    }
    if at_edge:
        metrics["unsure_below_at_grid_edge"] = True
    if final_test:
        # MNIST's test split, read once: as tensors, and as the app converts image files.
        test_images, test_labels = load_mnist(data_dir, train=False)
        test_sets = {"mnist test": (test_images, test_labels),
                     "mnist test scans": mnist_test_scans(data_dir, preprocess)}
        test_accuracy, _ = accuracies(final, test_sets, preprocess)
        metrics["test_accuracy"], metrics["test_scans_accuracy"] = test_accuracy["mnist test"], test_accuracy["mnist test scans"]
    config = ModelConfig(
        architecture=preset.architecture, preprocess=preprocess, unsure_below=unsure_below,
        temperature=round(temperature, 4), recipe=recipe, metrics=metrics,
    )
    config = save_model(final, config, out)
    print("held-out writers' variants: " + ", ".join(f"{n} {a:.4f}" for n, a in variant_accuracy.items()))
    print(f"temperature {temperature:.4f}, unsure below {unsure_below}")
    print("ECE (15 bins) on the validation halves the temperature was not fitted on, before -> after: " + ", ".join(
        f"{n} {metrics['ece_uncalibrated'][n]:.4f} -> {metrics['ece'][n]:.4f}" for n in metrics["ece"]))
    tested = (f"MNIST test {metrics['test_accuracy']:.4f}, as converted scans {metrics['test_scans_accuracy']:.4f}"
              if final_test else "MNIST test not read (--final-test reads it)")
    print(f"wrote {out}: {tested}; {train_seconds:.0f} s training, {metrics['data_seconds']:.0f} s data")
    return config
