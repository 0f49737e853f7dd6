"""What the Bi-LSTM does inside: its per-row hidden states and each row's share of a score.

The final layer is linear over every row's outputs, so a class's logit splits exactly:
    logit = bias + sum over rows r and directions d of W[r, d] . h[r, d]
"""

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class Explanation:
    label: int  # the class explained
    states: list[np.ndarray]  # one (rows, 2, hidden) array per layer: [forward, backward]
    contributions: np.ndarray  # (rows, 2): each row's forward and backward share of the logit
    bias: float  # the head's bias for `label`
    logit: float  # bias + contributions.sum()
    evidence: np.ndarray | None = None  # (rows, classes): running_evidence, every class's running sum


def row_contributions(head: torch.nn.Linear, last_states: torch.Tensor, label: int) -> torch.Tensor:
    """last_states (rows, 2, hidden) of the last layer -> (rows, 2) contributions to `label`'s logit."""
    weights = head.weight[label].view(last_states.shape)  # (rows, 2, hidden), same order as flatten
    return (weights * last_states).sum(-1)


def running_evidence(head: torch.nn.Linear, last_states: torch.Tensor) -> torch.Tensor:
    """last_states (rows, 2, hidden) -> (rows, classes): each class's evidence from rows 0..r.

    Row r's entry is the sum of rows 0..r's contributions (both directions) to the class's logit,
    so the last row's entries are the logits minus the biases, exactly. The backward direction's
    state at row r has read rows r..end, so this is the head's tally row by row, not what a
    one-way reader knew at row r.
    """
    weights = head.weight.view(-1, *last_states.shape)  # (classes, rows, 2, hidden)
    per_row = (weights * last_states).sum((-1, -2))  # (classes, rows)
    return per_row.T.cumsum(0)


@torch.no_grad()
def explain(head: torch.nn.Linear, states: list[torch.Tensor], label: int) -> Explanation:
    """states: the per-layer (rows, 2, hidden) hidden states of one image."""
    contributions = row_contributions(head, states[-1], label)
    bias = float(head.bias[label])
    return Explanation(
        label=label,
        states=[s.numpy() for s in states],
        contributions=contributions.numpy(),
        bias=bias,
        logit=bias + float(contributions.sum()),
        evidence=running_evidence(head, states[-1]).numpy(),
    )
