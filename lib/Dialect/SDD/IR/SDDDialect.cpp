//===- SDDDialect.cpp - sdd dialect registration --------------------------===//

#include "sdd/Dialect/SDD/IR/SDDDialect.h"
#include "sdd/Dialect/SDD/IR/SDDOps.h"

using namespace mlir;
using namespace mlir::sdd;

#include "sdd/Dialect/SDD/IR/SDDOpsDialect.cpp.inc"

void SDDDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "sdd/Dialect/SDD/IR/SDDOps.cpp.inc"
      >();
}
