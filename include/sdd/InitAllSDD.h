//===- InitAllSDD.h - register every sdd dialect and pass -------*- C++ -*-===//
//
// One registration point shared by sdd-opt, sdd-compile and the unit tests,
// so that every tool sees the same dialects, passes and pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef SDD_INITALLSDD_H
#define SDD_INITALLSDD_H

#include "mlir/IR/DialectRegistry.h"

namespace mlir {
namespace sdd {

/// Adds the sdd dialect and every upstream dialect and extension.
void registerAllSDDDialects(DialectRegistry &registry);

/// Registers the sdd passes, the named pipelines and every upstream pass.
void registerAllSDDPasses();

} // namespace sdd
} // namespace mlir

#endif // SDD_INITALLSDD_H
