//===- InitAllSDD.cpp - register every sdd dialect and pass ---------------===//

#include "sdd/InitAllSDD.h"

#include "sdd/CPU/Passes.h"
#include "sdd/Conversion/Passes.h"
#include "sdd/Dialect/SDD/IR/AutoDiffOpInterface.h"
#include "sdd/Dialect/SDD/IR/SDDDialect.h"
#include "sdd/Dialect/SDD/Transforms/Passes.h"
#include "sdd/GPU/Passes.h"
#include "sdd/Pipelines/Pipelines.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::sdd::registerAllSDDDialects(DialectRegistry &registry) {
  registry.insert<SDDDialect>();
  registerTensorAutoDiffModels(registry);
  registerAllDialects(registry);
  registerAllExtensions(registry);
  // gpu.module and the LLVM dialect translate to LLVM IR only with these.
  registerAllToLLVMIRTranslations(registry);
}

void mlir::sdd::registerAllSDDPasses() {
  registerAllPasses();
  registerSDDPasses();
  registerSDDConversionPasses();
  registerSDDCPUPasses();
  registerLowerToCPUPipeline();
  registerSDDGPUPasses();
  registerLowerToNVVMPipeline();
}
