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
