"""Runs app.py, saving each sketchpad value its page handler is given, and the status it answers.

    python -m harness.record_values FOLDER app.py [ARGS...]

Each call goes to FOLDER/N.npz, N counting the calls from 0: the value's background,
composite and layers (layer_0, layer_1, ...) as arrays, and the status line's Markdown.
tests/test_browser.py compares a value the real page sent with what
`harness.drawing.as_sketchpad` builds, and waits for the page to show a drawing's answer.
"""

import itertools
import os
import runpy
import sys
from pathlib import Path

import numpy as np

from ui.views import Views


def record_into(folder: Path) -> None:
    render, numbers = Views.render, itertools.count()

    def recording_render(self, value, *args, **kwargs):
        number = next(numbers)
        view = render(self, value, *args, **kwargs)
        if isinstance(value, dict):
            images = {key: value[key] for key in ("background", "composite") if value[key] is not None}
            layers = {f"layer_{index}": layer for index, layer in enumerate(value["layers"])}
            part = folder / f"{number}.part"  # renamed once whole, so a reader never sees half a file
            with part.open("wb") as file:
                np.savez(file, status=np.array(view.status), **images, **layers)
            os.replace(part, folder / f"{number}.npz")
        return view

    Views.render = recording_render


def main() -> None:
    folder, script, *script_args = sys.argv[1:]
    record_into(Path(folder))
    sys.argv = [script, *script_args]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
