"""Runs app.py, saving each sketchpad value its page handler is given.

    python -m harness.record_values FOLDER app.py [ARGS...]

Each value goes to FOLDER/N.npz, N counting from 0: its background, composite and layers
(layer_0, layer_1, ...) as arrays. tests/test_browser.py compares a value the real page sent
with what `harness.drawing.as_sketchpad` builds for the same layer.
"""

import itertools
import runpy
import sys
from pathlib import Path

import numpy as np

from ui.views import Views


def record_into(folder: Path) -> None:
    render, numbers = Views.render, itertools.count()

    def recording_render(self, value, *args, **kwargs):
        if isinstance(value, dict):
            layers = {f"layer_{index}": layer for index, layer in enumerate(value["layers"])}
            images = {key: value[key] for key in ("background", "composite") if value[key] is not None}
            np.savez(folder / f"{next(numbers)}.npz", **images, **layers)
        return render(self, value, *args, **kwargs)

    Views.render = recording_render


def main() -> None:
    folder, script, *script_args = sys.argv[1:]
    record_into(Path(folder))
    sys.argv = [script, *script_args]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
