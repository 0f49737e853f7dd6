"""The Bi-LSTM that reads a digit row by row, as in the tutorial it started from."""

import torch
from torch import nn

from .config import ArchitectureConfig


class BiLSTMClassifier(nn.Module):
    """Rows are time steps; a linear layer reads every row's forward and backward outputs.

    The layers are separate single-layer LSTMs rather than one stacked `nn.LSTM`, so that a
    forward pass can return every layer's hidden states for the explanation heatmap.
    """

    def __init__(self, config: ArchitectureConfig):
        super().__init__()
        self.config = config
        sizes = [config.cols] + [2 * config.hidden_size] * (config.num_layers - 1)
        self.lstms = nn.ModuleList(
            nn.LSTM(size, config.hidden_size, batch_first=True, bidirectional=True)
            for size in sizes
        )
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.rows * 2 * config.hidden_size, config.num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images (B, rows, cols) or (B, 1, rows, cols) -> logits (B, num_classes)."""
        logits, _ = self.forward_with_states(images)
        return logits

    def forward_with_states(self, images: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Also returns each layer's hidden states, shaped (B, rows, 2, hidden): [forward, backward]."""
        x = images.reshape(-1, self.config.rows, self.config.cols)  # (B, T, cols)
        states = []
        for i, lstm in enumerate(self.lstms):
            if i > 0:
                x = self.dropout(x)
            x, _ = lstm(x)  # (B, T, 2 * hidden), forward half first
            states.append(x.unflatten(-1, (2, self.config.hidden_size)))
        logits = self.head(self.dropout(x).flatten(1))  # (B, num_classes)
        return logits, states


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def predict_logits(model: nn.Module, inputs: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Normalised images (N, rows, cols) -> logits (N, classes) on the CPU, in eval mode without
    gradients. Each batch goes to the model's device (training's, when it trains on a GPU)."""
    model.eval()
    device = next(model.parameters()).device
    with torch.inference_mode():
        return torch.cat([model(batch.to(device)).cpu() for batch in inputs.split(batch_size)])


def predict_labels(model: nn.Module, inputs: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Normalised images (N, rows, cols) -> predicted labels (N,)."""
    return predict_logits(model, inputs, batch_size).argmax(1)
