"""Each row's forward and backward contributions add up exactly to the class's logit."""

import numpy as np
import torch

from harness.drawing import render_strokes
from model.canvas import normalize
from model.config import ArchitectureConfig
from model.explain import explain
from model.network import BiLSTMClassifier


def test_row_contributions_add_up_to_the_logit():
    torch.manual_seed(0)
    network = BiLSTMClassifier(ArchitectureConfig(hidden_size=6, num_layers=3)).eval()
    image = torch.rand(1, 28, 28)
    logits, states = network.forward_with_states(image)
    assert [s.shape for s in states] == [(1, 28, 2, 6)] * 3
    for label in range(10):
        explanation = explain(network.head, [s[0].detach() for s in states], label)
        assert explanation.contributions.shape == (28, 2)
        total = explanation.bias + explanation.contributions.sum()
        assert np.isclose(total, logits[0, label].item(), atol=1e-4)
        assert np.isclose(explanation.logit, logits[0, label].item(), atol=1e-4)


def test_states_are_the_lstm_outputs():
    network = BiLSTMClassifier(ArchitectureConfig(hidden_size=5, num_layers=1)).eval()
    image = torch.rand(1, 28, 28)
    _, states = network.forward_with_states(image)
    outputs, _ = network.lstms[0](image)
    assert torch.equal(states[0][0, :, 0], outputs[0, :, :5])  # forward direction
    assert torch.equal(states[0][0, :, 1], outputs[0, :, 5:])  # backward direction


def test_classifier_explains_its_prediction_with_the_networks_logits(classifier):
    prediction = classifier.predict(render_strokes(7), with_explanation=True)
    explanation = prediction.explanation
    assert explanation.label == prediction.label == 7
    inputs = normalize(torch.from_numpy(prediction.pixels), classifier.config.preprocess)[None]
    with torch.inference_mode():
        logits = classifier.network(inputs)[0]  # (10,)
    hidden = classifier.config.architecture.hidden_size
    assert [s.shape for s in explanation.states] == [(28, 2, hidden)] * classifier.config.architecture.num_layers
    assert np.isclose(explanation.logit, logits[7].item(), atol=1e-4)
    assert np.isclose(explanation.bias + explanation.contributions.sum(), logits[7].item(), atol=1e-4)
    assert logits.argmax().item() == 7


def test_running_evidence_ends_at_the_logits_minus_the_biases():
    torch.manual_seed(1)
    network = BiLSTMClassifier(ArchitectureConfig(hidden_size=7, num_layers=2)).eval()
    logits, states = network.forward_with_states(torch.rand(1, 28, 28))
    explanation = explain(network.head, [s[0].detach() for s in states], label=3)
    evidence = explanation.evidence
    assert evidence.shape == (28, 10)
    expected = (logits[0] - network.head.bias).detach().numpy()
    assert np.abs(evidence[-1] - expected).max() < 1e-4
    # Each step adds one row's contributions: the explained class's matches its bars.
    steps = np.diff(evidence[:, 3], prepend=0.0)
    assert np.abs(steps - explanation.contributions.sum(1)).max() < 1e-4


def test_the_classifier_gives_its_running_evidence(classifier):
    prediction = classifier.predict(render_strokes(7), with_explanation=True)
    inputs = normalize(torch.from_numpy(prediction.pixels), classifier.config.preprocess)[None]
    with torch.no_grad():
        logits = classifier.network(inputs)[0] - classifier.network.head.bias
    assert np.abs(prediction.explanation.evidence[-1] - logits.numpy()).max() < 1e-4
    assert np.argmax(prediction.explanation.evidence[-1] + classifier.network.head.bias.detach().numpy()) == 7
