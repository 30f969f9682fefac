"""The output folder of the bad-input tests: fill it with the files of an
earlier run, and list it so that a failed run is seen to leave it untouched.

    out_folder.py fill DIR    (keep.txt; metrics.jsonl, ckpt-10.safetensors,
                               model.so and model.json unless there)
    out_folder.py list DIR    (every file and folder below DIR, hidden ones
                               too, with its size, inode, mtime and SHA-256)

`list DIR > before` ahead of the run and `list DIR | diff before -` after it
fail on any new, removed, rewritten, replaced or touched file.
"""

import hashlib
import json
import os
import struct
import sys


def safetensors(metadata):
    header = json.dumps({"__metadata__": metadata}).encode()
    header += b" " * ((8 - len(header) % 8) % 8)
    return struct.pack("<Q", len(header)) + header


def fill(folder):
    os.makedirs(folder, exist_ok=True)
    files = {
        "keep.txt": b"notes of an earlier run: a failed run must not touch them\n",
        "metrics.jsonl": b'{"step": 1, "loss": 5.5}\n{"step": 2, "loss": 5.4}\n',
        "ckpt-10.safetensors": safetensors({"format": "an earlier run"}),
        "model.so": b"the artifact of an earlier run\n",
        "model.json": b'{"format": "an earlier run"}\n',
    }
    for name, contents in files.items():
        path = os.path.join(folder, name)
        if name == "keep.txt" or not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(contents)


def listing(folder):
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(dirs + files):
            path = os.path.join(root, name)
            info = os.lstat(path)
            line = "%s %o size=%d inode=%d mtime=%d" % (
                os.path.relpath(path, folder),
                info.st_mode,
                info.st_size,
                info.st_ino,
                info.st_mtime_ns,
            )
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    line += " sha256=" + hashlib.sha256(f.read()).hexdigest()
            print(line)


if __name__ == "__main__":
    command, folder = sys.argv[1:]
    {"fill": fill, "list": listing}[command](folder)
