//===- sdd-opt.cpp - the sdd optimizer driver -----------------------------===//
//
// mlir-opt with the sdd dialect, passes and pipelines added to every upstream
// dialect, pass and LLVM IR translation.
//
//===----------------------------------------------------------------------===//

#include "sdd/InitAllSDD.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::sdd::registerAllSDDPasses();
  mlir::DialectRegistry registry;
  mlir::sdd::registerAllSDDDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "sdd optimizer driver\n", registry));
}
