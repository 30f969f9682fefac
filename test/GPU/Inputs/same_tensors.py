#!/usr/bin/env python3
"""Prints "same tensors" when two safetensors files hold the same tensor
names with bitwise equal contents, else the first difference.

    same_tensors.py A B
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "scripts"))
from compare_dumps import read_safetensors  # noqa: E402


def main(a, b):
    left, right = read_safetensors(a), read_safetensors(b)
    if sorted(left) != sorted(right):
        print("different names: %s" % sorted(set(left) ^ set(right)))
        return 1
    for name in sorted(left):
        if left[name].tobytes() != right[name].tobytes():
            print("%s differs" % name)
            return 1
    print("same tensors (%d)" % len(left))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
