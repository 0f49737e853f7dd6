"""A corrupt, truncated or swapped weights file is refused with a message naming the file.

Every test works on a copy of the shipped weights in tmp_path; weights/ is never touched.
"""

import io
import json
import shutil
import struct
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

import model.weights
from harness.server import serve_app
from model.classifier import DigitClassifier
from model.config import ArchitectureConfig, ModelConfig
from model.network import BiLSTMClassifier
from model.weights import WeightsError, config_path, load_model, save_model, sha256_of

@pytest.fixture
def weights(tmp_path) -> Path:
    """A copy of the shipped weights and their config."""
    shipped = model.weights.DEFAULT_WEIGHTS
    copy = tmp_path / shipped.name
    shutil.copy(shipped, copy)
    shutil.copy(config_path(shipped), config_path(copy))
    return copy


def refusal(path: Path) -> str:
    """The message DigitClassifier gives for `path`, checked to name the file and its remedy."""
    with pytest.raises(WeightsError) as refused:
        DigitClassifier(path)
    message = str(refused.value)
    assert str(path) in message
    assert "python train.py --out" in message
    return message


def edit_config(path: Path, **changes) -> None:
    config = json.loads(config_path(path).read_text())
    config_path(path).write_text(json.dumps(config | changes))


def record_checksum(path: Path) -> None:
    """Makes the config vouch for the file as it now is, as a careless rebuild might."""
    edit_config(path, sha256=sha256_of(path))


def test_the_intact_copy_loads(weights):
    network, config = load_model(weights)
    assert config.sha256 == sha256_of(weights)
    assert not network.training


@pytest.mark.parametrize("where", [0, 8, -1], ids=["header length", "header", "last tensor byte"])
def test_a_flipped_byte_is_refused(weights, where):
    data = bytearray(weights.read_bytes())
    data[where] ^= 0x01
    weights.write_bytes(bytes(data))
    assert "sha256 does not match" in refusal(weights)


def test_a_truncated_file_is_refused(weights):
    weights.write_bytes(weights.read_bytes()[:-100])
    assert "sha256 does not match" in refusal(weights)


def test_another_models_file_under_this_name_is_refused(weights, tmp_path):
    other = tmp_path / "other" / "small.safetensors"
    small = ModelConfig(architecture=ArchitectureConfig(hidden_size=3, num_layers=1))
    save_model(BiLSTMClassifier(small.architecture), small, other)
    shutil.copy(other, weights)
    assert "sha256 does not match" in refusal(weights)
    record_checksum(weights)  # even when the config is made to vouch for it
    assert "does not match the architecture" in refusal(weights)


def test_weights_missing_a_tensor_are_refused(weights):
    tensors = BiLSTMClassifier(load_model(weights)[1].architecture).state_dict()
    del tensors["head.bias"]
    save_file(tensors, str(weights))
    record_checksum(weights)
    assert "does not match the architecture" in refusal(weights)


def safetensors_header(path: Path) -> tuple[dict, bytes]:
    """The JSON header of a safetensors file and the tensor bytes after it."""
    data = path.read_bytes()
    length = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8 : 8 + length]), data[8 + length :]


def with_header(header: dict, body: bytes) -> bytes:
    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + body


def first_tensor(header: dict) -> str:
    return next(name for name in header if name != "__metadata__")


def shrunk_tensor(path: Path) -> bytes:
    header, body = safetensors_header(path)
    header[first_tensor(header)]["shape"] = [1]
    return with_header(header, body)


def offsets_past_the_end(path: Path) -> bytes:
    header, body = safetensors_header(path)
    header[first_tensor(header)]["data_offsets"] = [0, 10**12]
    return with_header(header, body)


def pickled_tensors(path: Path) -> bytes:
    """What torch.save writes: the format safetensors exists to avoid."""
    buffer = io.BytesIO()
    torch.save(load_model(path)[0].state_dict(), buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda path: b"",
        lambda path: bytes(range(256)) * 40,
        lambda path: struct.pack("<Q", 2**60) + path.read_bytes()[8:],
        lambda path: path.read_bytes()[: path.stat().st_size // 2],
        lambda path: struct.pack("<Q", 5) + b"{{{{{" + safetensors_header(path)[1],
        shrunk_tensor,
        offsets_past_the_end,
        pickled_tensors,
    ],
    ids=["empty", "random bytes", "huge header length", "half the file", "header not JSON",
         "shape that does not fit", "offsets past the end", "a torch.save pickle"],
)
def test_an_unreadable_file_is_refused_even_with_a_matching_checksum(weights, corrupt):
    weights.write_bytes(corrupt(weights))
    record_checksum(weights)
    assert "not a readable safetensors file" in refusal(weights)


@pytest.mark.parametrize(
    "config_text",
    ["", "[]", "\x00\x01", "{}", '{"sha256": "0"}'],
    ids=["empty", "a list", "binary", "no fields", "only a checksum"],
)
def test_an_unreadable_config_is_refused(weights, config_text):
    config_path(weights).write_text(config_text)
    assert "is not a valid config" in refusal(weights)


def test_a_config_with_an_unknown_setting_is_refused(weights):
    architecture = json.loads(config_path(weights).read_text())["architecture"]
    edit_config(weights, architecture=architecture | {"colour": "blue"})
    assert "colour" in refusal(weights)


def test_a_config_with_an_impossible_architecture_is_refused(weights):
    architecture = json.loads(config_path(weights).read_text())["architecture"]
    edit_config(weights, architecture=architecture | {"hidden_size": -1})
    refusal(weights)


@pytest.mark.parametrize(
    "section, field, value",
    [(None, "temperature", 0), (None, "temperature", -1.0), (None, "temperature", "NaN"),
     (None, "unsure_below", 1.5), (None, "unsure_below", -0.1), ("preprocess", "std", 0),
     ("preprocess", "box_size", 0), ("preprocess", "stroke_width", -2.3), ("preprocess", "box_size", 40),
     ("preprocess", "scans_keep_levels", 1),
     ("architecture", "num_layers", 0), ("architecture", "dropout", 1.0), ("architecture", "hidden_size", 1.5),
     ("recipe", "batch_size", 0), ("recipe", "lr", float("inf"))],
)
def test_a_config_with_an_impossible_value_is_refused_by_name(weights, section, field, value):
    """Caught at load: a temperature of 0, say, would otherwise give NaN probabilities."""
    config = json.loads(config_path(weights).read_text())
    if section:
        config[section][field] = value
    else:
        config[field] = value
    config_path(weights).write_text(json.dumps(config))
    message = refusal(weights)
    assert "is not a valid config" in message and f".{field} must be" in message


@pytest.mark.parametrize("missing", ["weights", "config"])
def test_a_missing_file_is_named(weights, missing):
    gone = weights if missing == "weights" else config_path(weights)
    gone.unlink()
    assert f"{gone.name} is missing" in refusal(weights)


def test_the_app_will_not_start_on_corrupt_weights(weights, tmp_path):
    weights.write_bytes(weights.read_bytes()[:-1])
    with pytest.raises(RuntimeError, match="The app exited") as refused:
        with serve_app(tmp_path / "server", weights):
            pass
    assert str(weights) in str(refused.value) and "sha256 does not match" in str(refused.value)
