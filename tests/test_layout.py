"""Who may import whom: model/ works without the page and without training/, and tests and
benchmarks share only harness/. Checked by walking every import statement, so it stays true as
files are added."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    """The absolute names of the modules a file imports, relative imports resolved."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            names |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return names


def top_level(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", files("model"), ids=lambda path: path.name)
def test_model_imports_nothing_from_the_page_or_from_training(path):
    """model/ is what reading a drawing needs: the app and `python -m model` run without training/."""
    assert top_level(imported_modules(path)) & {"ui", "app", "harness", "benchmarks", "tests", "training", "train",
                                                "tqdm"} == set()


@pytest.mark.parametrize("path", files("ui") + [ROOT / "app.py"], ids=lambda path: str(path.relative_to(ROOT)))
def test_the_app_imports_nothing_from_training(path):
    """The app runs on requirements.txt alone, which leaves out what only training uses."""
    assert top_level(imported_modules(path)) & {"training", "train", "tqdm"} == set()


@pytest.mark.parametrize("path", files("training") + files("harness") + files("benchmarks") + files("tests"),
                         ids=lambda path: str(path.relative_to(ROOT)))
def test_nothing_imports_the_training_command_line(path):
    """train.py is a command line; what it runs lives in training/, which others import."""
    assert "train" not in top_level(imported_modules(path))


@pytest.mark.parametrize("path", files("training"), ids=lambda path: path.name)
def test_training_imports_nothing_from_the_page(path):
    assert top_level(imported_modules(path)) & {"ui", "app", "harness", "benchmarks", "tests"} == set()


@pytest.mark.parametrize("path", files("tests"), ids=lambda path: path.name)
def test_no_test_imports_a_benchmark(path):
    assert "benchmarks" not in top_level(imported_modules(path))


@pytest.mark.parametrize("path", files("benchmarks") + files("harness"), ids=lambda path: path.name)
def test_benchmarks_and_harness_use_nothing_under_tests(path):
    assert "tests" not in top_level(imported_modules(path))
    # A path into tests/ is spelled with "tests" as its first part: ROOT / "tests", "tests/data".
    strings = {node.value for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Constant)}
    assert {text for text in strings if isinstance(text, str) and text.split("/")[0] == "tests"} == set()


def test_the_walk_sees_relative_imports():
    """The checks above must see `from .canvas import ...` in model/ as model.canvas."""
    assert "model.canvas" in imported_modules(ROOT / "model" / "classifier.py")
    assert "training.sources" in imported_modules(ROOT / "training" / "loop.py")
