// An SDD feed-forward sub-layer of a Post-Norm model (MODEL_SPEC.md sections
// 3-5), written the way a naive front end would: the SDD linear layers are
// spelled out as matmul -> rms_normalize -> scale, and `sdd-lower-to-cpu`
// fuses them into sdd.linear before lowering. scripts/demo.sh compiles this
// file to CPU code, runs it and prints the layer output and the loss.
//
//   x      = embed.weight[tokens]                      [1, 4, 8]
//   x      = RMSNorm(x; ffn_norm.weight)               (post-norm wiring)
//   h      = SwiGLU(SDD(x; up.weight, up.alpha))       [1, 4, 8]
//   x      = x + SDD(h; down.weight, down.alpha)
//   loss   = cross_entropy(x @ embed.weight^T, targets)

func.func @sdd_ffn_block(%embed: tensor<6x8xf32>, %norm_w: tensor<8xf32>,
                         %up: tensor<16x8xf32>, %up_alpha: tensor<16xf32>,
                         %down: tensor<8x8xf32>, %down_alpha: tensor<8xf32>,
                         %tokens: tensor<1x4xi32>, %targets: tensor<1x4xi32>)
    -> (tensor<1x4x8xf32>, tensor<f32>) {
  %x0 = sdd.embedding %embed, %tokens : (tensor<6x8xf32>, tensor<1x4xi32>) -> tensor<1x4x8xf32>
  %x = sdd.rms_norm %x0, %norm_w : tensor<1x4x8xf32>, tensor<8xf32>
  %z = sdd.matmul %x, %up : (tensor<1x4x8xf32>, tensor<16x8xf32>) -> tensor<1x4x16xf32>
  %zn = sdd.rms_normalize %z : tensor<1x4x16xf32>
  %a = sdd.scale %zn, %up_alpha : tensor<1x4x16xf32>, tensor<16xf32>
  %h = sdd.swiglu %a : tensor<1x4x16xf32> -> tensor<1x4x8xf32>
  %o = sdd.matmul %h, %down : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
  %on = sdd.rms_normalize %o : tensor<1x4x8xf32>
  %ffn = sdd.scale %on, %down_alpha : tensor<1x4x8xf32>, tensor<8xf32>
  %y = sdd.residual_add %x, %ffn : tensor<1x4x8xf32>
  %logits = sdd.matmul %y, %embed : (tensor<1x4x8xf32>, tensor<6x8xf32>) -> tensor<1x4x6xf32>
  %loss = sdd.cross_entropy %logits, %targets : (tensor<1x4x6xf32>, tensor<1x4xi32>) -> tensor<f32>
  return %y, %loss : tensor<1x4x8xf32>, tensor<f32>
}

func.func @main() {
  %embed = arith.constant dense<[[0.3645, 0.4993, 0.3992, 0.1114, -0.2288, -0.4614, -0.4770, -0.2683], [0.4273, 0.1595, -0.1832, -0.4398, -0.4896, -0.3091, 0.0168, 0.3348], [-0.1359, -0.4139, -0.4973, -0.3468, -0.0332, 0.2960, 0.4860, 0.4474], [-0.5000, -0.3810, -0.0828, 0.2543, 0.4718, 0.4674, 0.2432, -0.0954], [-0.1316, 0.2101, 0.4530, 0.4828, 0.2856, -0.0460, -0.3559, -0.4985], [0.4296, 0.4934, 0.3251, 0.0040, -0.3191, -0.4920, -0.4336, -0.1712]]> : tensor<6x8xf32>
  %norm_w = arith.constant dense<[0.9584, 0.9010, 0.9346, 1.0284, 1.0960, 1.0754, 0.9854, 0.9089]> : tensor<8xf32>
  %up = arith.constant dense<[[0.3187, -0.0044, -0.3255, -0.4935, -0.4294, -0.1633, 0.1795, 0.4379], [-0.2860, -0.4829, -0.4528, -0.2097, 0.1320, 0.4117, 0.4977, 0.3496], [-0.4717, -0.2539, 0.0832, 0.3813, 0.5000, 0.3836, 0.0867, -0.2509], [0.0336, 0.3471, 0.4973, 0.4137, 0.1355, -0.2065, -0.4513, -0.4838], [0.4897, 0.4396, 0.1828, -0.1600, -0.4275, -0.4940, -0.3282, -0.0080], [0.2284, -0.1119, -0.3995, -0.4992, -0.3642, -0.0578, 0.2757, 0.4796], [-0.3675, -0.4995, -0.3966, -0.1071, 0.2327, 0.4631, 0.4757, 0.2645], [-0.4250, -0.1553, 0.1874, 0.4419, 0.4887, 0.3056, -0.0212, -0.3381], [0.1401, 0.4164, 0.4968, 0.3436, 0.0287, -0.2996, -0.4870, -0.4454], [0.5000, 0.3781, 0.0784, -0.2581, -0.4733, -0.4659, -0.2393, 0.0998], [0.1273, -0.2141, -0.4548, -0.4817, -0.2820, 0.0504, 0.3590, 0.4988], [-0.4318, -0.4926, -0.3218, 0.0004, 0.3224, 0.4928, 0.4314, 0.1671], [-0.3584, -0.0495, 0.2827, 0.4819, 0.4545, 0.2133, -0.1282, -0.4094], [0.2401, 0.4662, 0.4730, 0.2574, -0.0793, -0.3787, -0.5000, -0.3861], [0.4868, 0.2989, -0.0296, -0.3442, -0.4969, -0.4159, -0.1393, 0.2028], [0.0203, -0.3063, -0.4889, -0.4415, -0.1865, 0.1562, 0.4255, 0.4946]]> : tensor<16x8xf32>
  %up_alpha = arith.constant dense<[0.9346, 1.0284, 1.0960, 1.0754, 0.9854, 0.9089, 0.9161, 1.0004, 1.0844, 1.0907, 1.0137, 0.9240, 0.9042, 0.9725, 1.0660, 1.0989]> : tensor<16xf32>
  %down = arith.constant dense<[[-0.4045, -0.4987, -0.3584, -0.0495, 0.2827, 0.4819, 0.4545, 0.2133], [-0.3914, -0.0989, 0.2401, 0.4662, 0.4730, 0.2574, -0.0793, -0.3787], [0.1951, 0.4458, 0.4868, 0.2989, -0.0296, -0.3442, -0.4969, -0.4159], [0.4958, 0.3374, 0.0203, -0.3063, -0.4889, -0.4415, -0.1865, 0.1562], [0.0701, -0.2653, -0.4759, -0.4627, -0.2319, 0.1080, 0.3971, 0.4995], [-0.4583, -0.4793, -0.2750, 0.0587, 0.3648, 0.4993, 0.3990, 0.1110], [-0.3153, 0.0089, 0.3288, 0.4942, 0.4271, 0.1591, -0.1837, -0.4401], [0.2896, 0.4841, 0.4509, 0.2057, -0.1363, -0.4142, -0.4972, -0.3464]]> : tensor<8x8xf32>
  %down_alpha = arith.constant dense<[0.5960, 0.5754, 0.4854, 0.4089, 0.4161, 0.5004, 0.5844, 0.5907]> : tensor<8xf32>
  %tokens = arith.constant dense<[[1, 4, 2, 5]]> : tensor<1x4xi32>
  %targets = arith.constant dense<[[4, 2, 5, 0]]> : tensor<1x4xi32>
  %y, %loss = call @sdd_ffn_block(%embed, %norm_w, %up, %up_alpha, %down, %down_alpha, %tokens, %targets)
      : (tensor<6x8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<1x4xi32>, tensor<1x4xi32>) -> (tensor<1x4x8xf32>, tensor<f32>)
  %y_any = tensor.cast %y : tensor<1x4x8xf32> to tensor<*xf32>
  call @printMemrefF32(%y_any) : (tensor<*xf32>) -> ()
  %loss_any = tensor.cast %loss : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%loss_any) : (tensor<*xf32>) -> ()
  return
}

func.func private @printMemrefF32(tensor<*xf32>)
