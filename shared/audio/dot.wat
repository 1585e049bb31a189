;; Dot product of float64 filter taps with float32 samples, two f64x2 accumulators (4 taps per iteration).
;; dot(kp, xp, n) = sum_{j<n} f64[kp + 8j] * f32[xp + 4j]
(module
  (memory (export "memory") 1)
  (func (export "dot") (param $kp i32) (param $xp i32) (param $n i32) (result f64)
    (local $a0 v128) (local $a1 v128) (local $s f64) (local $end i32)
    (local.set $end (i32.add (local.get $kp) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 3))))
    (block $done
      (loop $quad
        (br_if $done (i32.ge_u (local.get $kp) (local.get $end)))
        (local.set $a0 (f64x2.add (local.get $a0)
          (f64x2.mul (v128.load (local.get $kp)) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $xp))))))
        (local.set $a1 (f64x2.add (local.get $a1)
          (f64x2.mul (v128.load offset=16 (local.get $kp)) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $xp))))))
        (local.set $kp (i32.add (local.get $kp) (i32.const 32)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
        (br $quad)))
    (local.set $a0 (f64x2.add (local.get $a0) (local.get $a1)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 3))))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $kp) (local.get $end)))
        (local.set $s (f64.add (local.get $s) (f64.mul (f64.load (local.get $kp)) (f64.promote_f32 (f32.load (local.get $xp))))))
        (local.set $kp (i32.add (local.get $kp) (i32.const 8)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
        (br $tail)))
    (local.get $s)))
