// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.matmul: y = x W^T with W in the [out, in] layout.

// CHECK-LABEL: func @matmul_2d
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x32xf32>, %[[W:[^:]+]]: tensor<64x32xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.matmul %[[X]], %[[W]] : (tensor<4x32xf32>, tensor<64x32xf32>) -> tensor<4x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<4x64xf32>
func.func @matmul_2d(%x: tensor<4x32xf32>, %w: tensor<64x32xf32>) -> tensor<4x64xf32> {
  %y = sdd.matmul %x, %w : (tensor<4x32xf32>, tensor<64x32xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// CHECK-LABEL: func @matmul_batched
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x4x32xf32>, %[[W:[^:]+]]: tensor<64x32xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.matmul %[[X]], %[[W]] : (tensor<2x4x32xf32>, tensor<64x32xf32>) -> tensor<2x4x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x4x64xf32>
func.func @matmul_batched(%x: tensor<2x4x32xf32>, %w: tensor<64x32xf32>) -> tensor<2x4x64xf32> {
  %y = sdd.matmul %x, %w : (tensor<2x4x32xf32>, tensor<64x32xf32>) -> tensor<2x4x64xf32>
  return %y : tensor<2x4x64xf32>
}

// A projection to fewer features (N < K), e.g. an output head.
// CHECK-LABEL: func @matmul_down_projection
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x3x5x128xf32>, %[[W:[^:]+]]: tensor<7x128xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.matmul %[[X]], %[[W]] : (tensor<2x3x5x128xf32>, tensor<7x128xf32>) -> tensor<2x3x5x7xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x3x5x7xf32>
func.func @matmul_down_projection(%x: tensor<2x3x5x128xf32>, %w: tensor<7x128xf32>) -> tensor<2x3x5x7xf32> {
  %y = sdd.matmul %x, %w : (tensor<2x3x5x128xf32>, tensor<7x128xf32>) -> tensor<2x3x5x7xf32>
  return %y : tensor<2x3x5x7xf32>
}

// CHECK-LABEL: func @matmul_f64
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x32xf64>, %[[W:[^:]+]]: tensor<64x32xf64>)
// CHECK-NEXT: %[[Y:.+]] = sdd.matmul %[[X]], %[[W]] : (tensor<4x32xf64>, tensor<64x32xf64>) -> tensor<4x64xf64>
// CHECK-NEXT: return %[[Y]] : tensor<4x64xf64>
func.func @matmul_f64(%x: tensor<4x32xf64>, %w: tensor<64x32xf64>) -> tensor<4x64xf64> {
  %y = sdd.matmul %x, %w : (tensor<4x32xf64>, tensor<64x32xf64>) -> tensor<4x64xf64>
  return %y : tensor<4x64xf64>
}

// CHECK-LABEL: func @matmul_f16
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x32xf16>, %[[W:[^:]+]]: tensor<64x32xf16>)
// CHECK-NEXT: %[[Y:.+]] = sdd.matmul %[[X]], %[[W]] : (tensor<4x32xf16>, tensor<64x32xf16>) -> tensor<4x64xf16>
// CHECK-NEXT: return %[[Y]] : tensor<4x64xf16>
func.func @matmul_f16(%x: tensor<4x32xf16>, %w: tensor<64x32xf16>) -> tensor<4x64xf16> {
  %y = sdd.matmul %x, %w : (tensor<4x32xf16>, tensor<64x32xf16>) -> tensor<4x64xf16>
  return %y : tensor<4x64xf16>
}
