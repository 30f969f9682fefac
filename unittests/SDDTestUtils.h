//===- SDDTestUtils.h - helpers shared by the sdd unit tests ----*- C++ -*-===//

#ifndef SDD_UNITTESTS_SDDTESTUTILS_H
#define SDD_UNITTESTS_SDDTESTUTILS_H

#include "sdd/Dialect/SDD/IR/SDDDialect.h"
#include "sdd/Dialect/SDD/IR/SDDOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace sdd_test {

/// Collects the text of every diagnostic emitted on a context while it is
/// alive, instead of letting them reach stderr.
class DiagnosticCapture {
public:
  explicit DiagnosticCapture(mlir::MLIRContext &context)
      : handler(&context, [this](mlir::Diagnostic &diag) {
          messages.push_back(diag.str());
          return mlir::success();
        }) {}

  const std::vector<std::string> &getMessages() const { return messages; }

  /// The single message emitted, or a description of what came instead.
  std::string only() const {
    if (messages.size() == 1)
      return messages.front();
    std::string text;
    llvm::raw_string_ostream os(text);
    os << messages.size() << " diagnostics:";
    for (const std::string &message : messages)
      os << " [" << message << "]";
    return text;
  }

private:
  std::vector<std::string> messages;
  mlir::ScopedDiagnosticHandler handler;
};

/// A context with the sdd and func dialects loaded.
inline void loadSDDAndFunc(mlir::MLIRContext &context) {
  context.loadDialect<mlir::sdd::SDDDialect, mlir::func::FuncDialect>();
}

/// Prints `op` in its custom assembly form, as sdd-opt does.
inline std::string printOp(mlir::Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  op->print(os);
  return text;
}

/// Counts the ops of type `OpTy` nested under `root`.
template <typename OpTy> unsigned countOps(mlir::Operation *root) {
  unsigned count = 0;
  root->walk([&](OpTy) { ++count; });
  return count;
}

} // namespace sdd_test

#endif // SDD_UNITTESTS_SDDTESTUTILS_H
