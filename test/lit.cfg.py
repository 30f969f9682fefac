# -*- Python -*-
# lit configuration of the sdd test suite.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "SDD"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.sdd_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))

# Shared libraries that mlir-runner loads for the integration tests.
runner_libs = ",".join(
    os.path.join(config.mlir_lib_dir, "libmlir_" + name + "_utils" + ".so")
    for name in ("runner", "c_runner")
)
config.substitutions.append(("%mlir_runner_libs", runner_libs))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
# `not`, `count` and `split-file` at the start of a RUN line.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.sdd_tools_dir, config.llvm_tools_dir]
tools = [
    "sdd-opt",
    "sdd-compile",
    "sdd-train",
    "sdd-sample",
    ToolSubst("mlir-runner", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)

config.substitutions.append(("%sdd_src_root", config.sdd_src_root))
config.substitutions.append(("%sdd_obj_root", config.sdd_obj_root))

# The runtime tests' stand-in artifact (unittests/Runtime/FakeModel.cpp).
config.substitutions.append(
    ("%fake_artifact",
     os.path.join(config.sdd_obj_root, "unittests", "Runtime", "fake-model.so")))

# The GPU pipeline finds libdevice, ptxas and fatbinary through CUDA_HOME
# (DESIGN.md); tests that run them require the `ptxas` feature.
cuda_home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH")
if not cuda_home and os.path.isdir("/usr/local/cuda"):
    cuda_home = "/usr/local/cuda"
if cuda_home:
    config.environment["CUDA_HOME"] = cuda_home
    if os.access(os.path.join(cuda_home, "bin", "ptxas"), os.X_OK) and \
            os.access(os.path.join(cuda_home, "bin", "fatbinary"), os.X_OK):
        config.available_features.add("ptxas")
# A stand-in for libcuda.so.1 (unittests/Runtime/FakeCudaDriver.cpp).
config.substitutions.append(
    ("%fake_cuda_driver",
     os.path.join(config.sdd_obj_root, "unittests", "Runtime",
                  "fake-cuda-driver.so")))
