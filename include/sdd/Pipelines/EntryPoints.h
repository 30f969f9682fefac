//===- EntryPoints.h - the artifact's C entry points ------------*- C++ -*-===//

#ifndef SDD_PIPELINES_ENTRYPOINTS_H
#define SDD_PIPELINES_ENTRYPOINTS_H

#include "mlir/IR/BuiltinOps.h"

#include <utility>

namespace mlir {
namespace sdd {

/// (entry point symbol, lowered function) pairs of docs/ARTIFACT.md.
ArrayRef<std::pair<StringRef, StringRef>> artifactEntryPoints();

/// After `sdd-lower-to-cpu{c-abi}`, wraps each listed function in
/// `void ENTRY(void **args)`, which loads every bare-pointer argument from
/// the array and calls the function. Fails if a function is missing or does
/// not take bare pointers.
LogicalResult addEntryPoints(ModuleOp module,
                             ArrayRef<std::pair<StringRef, StringRef>> entries);

} // namespace sdd
} // namespace mlir

#endif // SDD_PIPELINES_ENTRYPOINTS_H
