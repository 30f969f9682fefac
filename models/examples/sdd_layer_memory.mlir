// One SDD layer fused (sdd.linear) and eager (matmul, rms_normalize, scale):
// `sdd-opt FILE --sdd-autodiff` reports sdd.saved_activation_elements of each.
func.func @fused(%x: tensor<16x128x128xf32> {sdd.param}, %v: tensor<688x128xf32> {sdd.param}, %a: tensor<688xf32> {sdd.param}, %t: tensor<16x128xi32>) -> tensor<f32> {
  %y = sdd.linear %x, %v, %a : (tensor<16x128x128xf32>, tensor<688x128xf32>, tensor<688xf32>) -> tensor<16x128x688xf32>
  %l = sdd.cross_entropy %y, %t : (tensor<16x128x688xf32>, tensor<16x128xi32>) -> tensor<f32>
  return %l : tensor<f32>
}
func.func @eager(%x: tensor<16x128x128xf32> {sdd.param}, %v: tensor<688x128xf32> {sdd.param}, %a: tensor<688xf32> {sdd.param}, %t: tensor<16x128xi32>) -> tensor<f32> {
  %z = sdd.matmul %x, %v : (tensor<16x128x128xf32>, tensor<688x128xf32>) -> tensor<16x128x688xf32>
  %n = sdd.rms_normalize %z : tensor<16x128x688xf32>
  %y = sdd.scale %n, %a : tensor<16x128x688xf32>, tensor<688xf32>
  %l = sdd.cross_entropy %y, %t : (tensor<16x128x688xf32>, tensor<16x128xi32>) -> tensor<f32>
  return %l : tensor<f32>
}
