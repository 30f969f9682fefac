// Shared helpers of the integration tests in test/Integration: each test is
// concatenated with this file (`cat %s %S/Inputs/compare.mlir | sdd-opt ...`),
// so neither file may contain an explicit `module`.
//
// @check_close_f32(%out, %ref) and @check_close_f64(%out, %ref) compare a
// computed tensor with the reference computed by numpy (both flattened to
// rank 1) and print
//
//   rel_err = <||out - ref||_2 / ||ref||_2>
//   check_close: PASS            (or `check_close: FAIL`)
//
// The sums are accumulated in f64. The comparison is `rel_err < tol` with an
// ordered predicate, so a NaN anywhere in `out` (or an infinite error) fails.
// tol = 1e-5 for f32 and 1e-12 for f64. A size mismatch prints
// `check_close: FAIL (size mismatch)`.

func.func @check_close_f32(%out: tensor<?xf32>, %ref: tensor<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = tensor.dim %out, %c0 : tensor<?xf32>
  %m = tensor.dim %ref, %c0 : tensor<?xf32>
  %same = arith.cmpi eq, %n, %m : index
  scf.if %same {
    %sums:2 = scf.for %i = %c0 to %n step %c1
        iter_args(%num = %zero, %den = %zero) -> (f64, f64) {
      %o32 = tensor.extract %out[%i] : tensor<?xf32>
      %r32 = tensor.extract %ref[%i] : tensor<?xf32>
      %o = arith.extf %o32 : f32 to f64
      %r = arith.extf %r32 : f32 to f64
      %d = arith.subf %o, %r : f64
      %d2 = arith.mulf %d, %d : f64
      %r2 = arith.mulf %r, %r : f64
      %num1 = arith.addf %num, %d2 : f64
      %den1 = arith.addf %den, %r2 : f64
      scf.yield %num1, %den1 : f64, f64
    }
    %tol = arith.constant 1.0e-5 : f64
    func.call @report_rel_err(%sums#0, %sums#1, %tol) : (f64, f64, f64) -> ()
  } else {
    vector.print str "check_close: FAIL (size mismatch)\n"
  }
  return
}

func.func @check_close_f64(%out: tensor<?xf64>, %ref: tensor<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = tensor.dim %out, %c0 : tensor<?xf64>
  %m = tensor.dim %ref, %c0 : tensor<?xf64>
  %same = arith.cmpi eq, %n, %m : index
  scf.if %same {
    %sums:2 = scf.for %i = %c0 to %n step %c1
        iter_args(%num = %zero, %den = %zero) -> (f64, f64) {
      %o = tensor.extract %out[%i] : tensor<?xf64>
      %r = tensor.extract %ref[%i] : tensor<?xf64>
      %d = arith.subf %o, %r : f64
      %d2 = arith.mulf %d, %d : f64
      %r2 = arith.mulf %r, %r : f64
      %num1 = arith.addf %num, %d2 : f64
      %den1 = arith.addf %den, %r2 : f64
      scf.yield %num1, %den1 : f64, f64
    }
    %tol = arith.constant 1.0e-12 : f64
    func.call @report_rel_err(%sums#0, %sums#1, %tol) : (f64, f64, f64) -> ()
  } else {
    vector.print str "check_close: FAIL (size mismatch)\n"
  }
  return
}

// Prints sqrt(num / den) and whether it is below `tol`.
func.func @report_rel_err(%num: f64, %den: f64, %tol: f64) {
  %q = arith.divf %num, %den : f64
  %err = math.sqrt %q : f64
  vector.print str "rel_err = "
  vector.print %err : f64
  %ok = arith.cmpf olt, %err, %tol : f64
  scf.if %ok {
    vector.print str "check_close: PASS\n"
  } else {
    vector.print str "check_close: FAIL\n"
  }
  return
}
