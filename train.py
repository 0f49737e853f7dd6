"""Trains the Bi-LSTM and writes its weights, config and metrics (training/loop.py).

    python train.py                       # the shipped model: MNIST, other people's handwriting and its variants
    python train.py --preset mnist-only   # the previous shipped model's recipe: MNIST alone
    python train.py --preset seed         # the tutorial's exact recipe, as a baseline
    python train.py --corrections DIR     # also learn from the corrections the app saved
    python train.py --final-test          # and then, once, MNIST's test split, for the model card
    python train.py --watch               # validate after every epoch, not only the last
    python train.py --device cuda         # train on a GPU: minutes, not most of an hour

The last epoch (with --watch, each) prints the accuracy on every validation source
(training/sources.py); the recipe and the epoch count are chosen on those alone. MNIST's test
split is read only with --final-test.
"""

import argparse
from pathlib import Path

import torch

from model.paths import DATA_DIR, DEFAULT_WEIGHTS
from training.loop import train
from training.recipe import PRESETS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--preset", choices=PRESETS, default="default", help="training recipe")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST and handwriting/ are")
    parser.add_argument("--epochs", type=int, help="override the preset's number of epochs")
    parser.add_argument("--seed", type=int, default=0, help="seed for repeatable runs")
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS, help="weights file to write")
    parser.add_argument("--corrections", type=Path,
                        help="a folder of corrections saved by the app (app.py --corrections) to train on too")
    parser.add_argument("--final-test", action="store_true",
                        help="measure the finished model on MNIST's test split; only for a model already chosen")
    parser.add_argument("--threads", type=int, help="CPU threads for PyTorch")
    parser.add_argument("--watch", action="store_true",
                        help="validate after every epoch, to choose the epoch count")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="where the network trains; the data and its augmentation stay on the CPU")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: PyTorch finds no CUDA GPU here")
    if args.threads:
        torch.set_num_threads(args.threads)
    train(args.preset, args.data_dir, args.epochs, args.seed, args.out, args.corrections, args.final_test, args.watch,
          args.device)


if __name__ == "__main__":
    main()
