"""Runs a Python script while recording every file it writes and every address it reaches.

    python -m harness.write_audit LOG SCRIPT [ARGS...]

Python's audit hooks (PEP 578) see each file opened for writing, each file or folder created,
renamed or removed, and each DNS lookup and socket connection, whichever library makes them.
Each goes to LOG as one JSON line {"time", "event", "args"}. tests/test_load.py
uses this to show that the app writes only into its cache folder and calls no one.
"""

import json
import os
import runpy
import sys
import threading
import time

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
FILE_CHANGES = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.link", "os.truncate",
                "shutil.copyfile", "shutil.rmtree"}
NETWORK = {"socket.connect", "socket.getaddrinfo"}


def opens_for_writing(mode, flags) -> bool:
    if isinstance(mode, str):
        return any(letter in mode for letter in "wax+")
    return bool(flags and flags & WRITE_FLAGS)


def plain(value):
    """Audit arguments -> JSON: paths and addresses as text, sockets and the like as their type."""
    if isinstance(value, (str, int, float, type(None))):
        return value
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, tuple):
        return [plain(item) for item in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return type(value).__name__


def install(log_path: str) -> None:
    log = open(log_path, "a", buffering=1)  # opened before the hook, so not recorded itself
    lock = threading.Lock()

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            if isinstance(path, int) or not opens_for_writing(mode, flags):
                return
        elif event not in FILE_CHANGES and event not in NETWORK:
            return
        line = json.dumps({"time": time.time(), "event": event, "args": plain(args)})
        with lock:
            log.write(line + "\n")

    sys.addaudithook(hook)


def main() -> None:
    log_path, script, *script_args = sys.argv[1:]
    install(log_path)
    sys.argv = [script, *script_args]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
