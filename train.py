"""Trains the Bi-LSTM on MNIST and writes its weights, config and metrics.

    python train.py                       # the shipped model's recipe
    python train.py --preset seed         # the tutorial's exact recipe, as a baseline
"""

import argparse
import time
from dataclasses import asdict, replace

import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm

from model.canvas import normalize
from model.config import ArchitectureConfig, ModelConfig, PreprocessConfig
from model.data import Augmentation, augment, load_mnist
from model.network import BiLSTMClassifier, count_parameters, predict_labels
from model.weights import save_model

PRESETS = {
    # The tutorial: LSTM(28, 12, 2 layers, bidirectional), Adam 5e-3, batch 128, 11 epochs,
    # ToTensor() images with no normalisation and no augmentation.
    "seed": dict(
        architecture=ArchitectureConfig(hidden_size=12, num_layers=2),
        mean=0.0, std=1.0, epochs=11, batch_size=128, lr=5e-3, one_cycle=False,
        weight_decay=0.0, label_smoothing=0.0, ema_decay=None, grad_clip=None, augmentation=None,
    ),
    # The shipped model: wider, and trained on digits warped the way people draw them.
    "default": dict(
        architecture=ArchitectureConfig(hidden_size=128, num_layers=2, dropout=0.1),
        mean=0.1307, std=0.3081, epochs=18, batch_size=128, lr=2e-3, one_cycle=True,
        weight_decay=1e-4, label_smoothing=0.1, ema_decay=0.999, grad_clip=1.0,
        augmentation=Augmentation(
            rotate_degrees=12, shear=0.3, scale=0.12, aspect=0.15, shift=2.0,
            elastic=1.2, thickness=0.7,
        ),
    ),
}


def train(preset: str, data_dir: str, epochs: int | None, seed: int, out: str) -> ModelConfig:
    recipe = dict(PRESETS[preset], epochs=epochs or PRESETS[preset]["epochs"])
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    preprocess = replace(PreprocessConfig(), mean=recipe["mean"], std=recipe["std"])
    train_images, train_labels = load_mnist(data_dir, train=True)
    test_images, test_labels = load_mnist(data_dir, train=False)
    test_inputs = normalize(test_images, preprocess)

    model = BiLSTMClassifier(recipe["architecture"])
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=recipe["lr"], weight_decay=recipe["weight_decay"]
    )
    steps_per_epoch = -(-len(train_images) // recipe["batch_size"])
    scheduler = (
        torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=recipe["lr"], total_steps=recipe["epochs"] * steps_per_epoch
        )
        if recipe["one_cycle"]
        else None
    )
    ema = (
        AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(recipe["ema_decay"]))
        if recipe["ema_decay"]
        else None
    )
    print(f"{preset} preset: {count_parameters(model):,} parameters, {recipe['epochs']} epochs")

    started = time.time()
    for epoch in range(1, recipe["epochs"] + 1):
        model.train()
        order = torch.randperm(len(train_images), generator=generator)
        correct = 0
        batches = tqdm(order.split(recipe["batch_size"]), desc=f"epoch {epoch}", leave=False)
        for index in batches:
            images, labels = train_images[index], train_labels[index]
            if recipe["augmentation"]:
                images = augment(images, recipe["augmentation"], generator)
            logits = model(normalize(images, preprocess))
            loss = F.cross_entropy(logits, labels, label_smoothing=recipe["label_smoothing"])
            optimizer.zero_grad()
            loss.backward()
            if recipe["grad_clip"]:
                torch.nn.utils.clip_grad_norm_(model.parameters(), recipe["grad_clip"])
            optimizer.step()
            if scheduler:
                scheduler.step()
            if ema:
                ema.update_parameters(model)
            correct += (logits.argmax(1) == labels).sum().item()
            batches.set_postfix(loss=f"{loss.item():.3f}")
        final = ema.module if ema else model
        test_accuracy = (predict_labels(final, test_inputs) == test_labels).float().mean().item()
        print(
            f"epoch {epoch:2d}  train {correct / len(train_images):.4f}  "
            f"test {test_accuracy:.4f}  {time.time() - started:.0f} s",
            flush=True,
        )

    final = ema.module if ema else model
    config = ModelConfig(
        architecture=recipe["architecture"],
        preprocess=preprocess,
        training={
            "preset": preset,
            "seed": seed,
            **{k: v for k, v in recipe.items() if k not in ("architecture", "augmentation")},
            "augmentation": asdict(recipe["augmentation"]) if recipe["augmentation"] else None,
        },
        metrics={
            "test_accuracy": test_accuracy,
            "train_accuracy": correct / len(train_images),
            "epochs": recipe["epochs"],
            "train_seconds": round(time.time() - started, 1),
            "parameters": count_parameters(final),
        },
    )
    config = save_model(final, config, out)
    print(f"wrote {out}: test accuracy {test_accuracy:.4f}")
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--preset", choices=PRESETS, default="default", help="training recipe")
    parser.add_argument("--data-dir", default="../shared/data", help="where MNIST is, or goes")
    parser.add_argument("--epochs", type=int, help="override the preset's number of epochs")
    parser.add_argument("--seed", type=int, default=0, help="seed for repeatable runs")
    parser.add_argument("--out", default="weights/bilstm.safetensors", help="weights file to write")
    parser.add_argument("--threads", type=int, help="CPU threads for PyTorch")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    train(args.preset, args.data_dir, args.epochs, args.seed, args.out)


if __name__ == "__main__":
    main()
