"""Saving and loading round trips; bad files are covered by test_weights_integrity.py."""

import json

import pytest
import torch

from model.config import ArchitectureConfig, ModelConfig
from model.network import BiLSTMClassifier
from model.weights import WeightsError, config_path, load_model, save_model


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    network = BiLSTMClassifier(ArchitectureConfig(hidden_size=8, num_layers=2))
    path = tmp_path / "tiny.safetensors"
    save_model(network, ModelConfig(architecture=network.config), path)
    return network, path


def test_round_trip_gives_the_same_network(saved):
    network, path = saved
    loaded, config = load_model(path)
    images = torch.rand(3, 28, 28)
    assert torch.equal(loaded(images), network.eval()(images))
    assert config.architecture == network.config
    assert len(config.sha256) == 64


def assert_refused(path, *expected):
    with pytest.raises(WeightsError) as error:
        load_model(path)
    message = str(error.value)
    assert str(path) in message and "python train.py" in message
    for text in expected:
        assert text in message


def test_architecture_mismatch_is_refused(saved):
    _, path = saved
    config = json.loads(config_path(path).read_text())
    config["architecture"]["hidden_size"] = 16
    config_path(path).write_text(json.dumps(config))
    assert_refused(path, "does not match the architecture")


