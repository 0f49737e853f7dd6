"""Saving and loading: safetensors plus a JSON config, and one clear message for a bad file."""

import json
import shutil

import pytest
import torch

from model.config import ArchitectureConfig, ModelConfig
from model.network import BiLSTMClassifier
from model.weights import WeightsError, config_path, load_model, save_model, sha256_of


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


def test_missing_weights_name_the_file_and_the_rebuild_command(tmp_path):
    assert_refused(tmp_path / "absent.safetensors", "missing")


def test_missing_config_is_refused(saved):
    _, path = saved
    config_path(path).unlink()
    assert_refused(path, "tiny.json is missing")


def test_corrupt_weights_are_refused(saved):
    _, path = saved
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    assert_refused(path, "sha256")


def test_swapped_weights_are_refused(saved, tmp_path):
    _, path = saved
    other = BiLSTMClassifier(ArchitectureConfig(hidden_size=8, num_layers=2))
    save_model(other, ModelConfig(architecture=other.config), tmp_path / "other.safetensors")
    shutil.copy(tmp_path / "other.safetensors", path)
    assert_refused(path, "sha256")


def test_architecture_mismatch_is_refused(saved):
    _, path = saved
    config = json.loads(config_path(path).read_text())
    config["architecture"]["hidden_size"] = 16
    config_path(path).write_text(json.dumps(config))
    assert_refused(path, "does not match the architecture")


def test_invalid_config_is_refused(saved):
    _, path = saved
    config_path(path).write_text("{not json")
    assert_refused(path, "not a valid config")


def test_pickle_is_not_safetensors(saved):
    _, path = saved
    torch.save({"weights": torch.zeros(3)}, path)  # a pickle in disguise
    config = json.loads(config_path(path).read_text())
    config["sha256"] = sha256_of(path)
    config_path(path).write_text(json.dumps(config))
    assert_refused(path, "not a readable safetensors file")
