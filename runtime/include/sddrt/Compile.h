//===- Compile.h - obtaining an artifact from sdd-compile -------*- C++ -*-===//
//
// sdd-train and sdd-sample run the compiler as a subprocess, so that they
// never link MLIR: `sdd-compile CONFIG.toml -o OUT.so [--set k=v]...`.
//
//===----------------------------------------------------------------------===//

#ifndef SDDRT_COMPILE_H
#define SDDRT_COMPILE_H

#include <string>
#include <vector>

namespace sddrt {

/// The compiler to run: $SDD_COMPILE when set, else sdd-compile beside the
/// running executable.
std::string compilerPath();

/// Runs the compiler with its standard output sent to standard error (the
/// tools' standard output is theirs), for `target` ("cpu" or "cuda"). Fails
/// with a message when the compiler is missing, cannot start or does not
/// exit 0.
bool compileModel(const std::string &configPath,
                  const std::vector<std::string> &overrides,
                  const std::string &soPath, std::string &error,
                  const std::string &target = "cpu");

/// A new folder `<parent>/<prefix>XXXXXX`; empty on failure.
std::string makeTempDir(const std::string &parent, const std::string &prefix,
                        std::string &error);

} // namespace sddrt

#endif // SDDRT_COMPILE_H
