#!/usr/bin/env python3
"""Checks that every kernel launch of a lowered module passes as many
arguments as the kernel takes.

    check_launch_args.py MODULE.ll

MODULE.ll is the LLVM IR of a module lowered by sdd-lower-to-nvvm with
format=isa (mlir-translate --mlir-to-llvmir): the host calls
`mgpuLaunchKernel(..., params, extra, paramsCount)` after
`mgpuModuleGetFunction(module, @<module>_<kernel>_name)`, and the PTX of the
kernels is a string constant in which each `.entry <kernel>(` lists its
`.param`s. The driver reads exactly that many pointers from `params`, so a
smaller count reads past the array. Prints one line per mismatch and a
summary; exits 1 on a mismatch or when nothing was found.
"""

import re
import sys


def main(path):
    text = open(path).read()
    # The PTX constant, with LLVM's \0A / \09 escapes.
    ptx = re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text)
    params = {m.group(1): m.group(2).count(".param")
              for m in re.finditer(r"\.entry (\w+)\((.*?)\)", ptx, re.S)}
    launches = re.findall(
        r"call ptr @mgpuModuleGetFunction\(ptr %\w+, ptr @(\w+)_name\)\n"
        r"(?:.*\n)*?\s*call void @mgpuLaunchKernel\([^\n]*, i64 (\d+)\)", text)
    bad = 0
    for symbol, count in launches:
        kernel = next((k for k in params if symbol.endswith("_" + k)), None)
        if kernel is None or params[kernel] != int(count):
            bad += 1
            print("%s: the host passes %s arguments, the kernel takes %s"
                  % (symbol, count, params.get(kernel, "?")))
    print("%d launches, %d kernels, %d mismatches"
          % (len(launches), len(params), bad))
    return 1 if bad or not launches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
