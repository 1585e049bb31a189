;; Dot product of float64 filter taps with float32 samples in f64x2 SIMD.
;; dot(kp, xp, n) = sum_{j<n} f64[kp + 8j] * f32[xp + 4j]
;; dotRun(kp, xp, n, xStride, count, op, oStride): `count` such dots with the same taps, the samples advancing
;; xStride bytes and the results stored as float32 at op, advancing oStride bytes (one call per run of outputs).
(module
  (memory (export "memory") 1)
  (func (export "dotRun") (param $kp i32) (param $xp i32) (param $n i32) (param $xStride i32) (param $count i32)
        (param $op i32) (param $oStride i32)
    (local $i i32)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (f32.store (local.get $op) (f32.demote_f64 (call $dot (local.get $kp) (local.get $xp) (local.get $n))))
        (local.set $xp (i32.add (local.get $xp) (local.get $xStride)))
        (local.set $op (i32.add (local.get $op) (local.get $oStride)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each))))
;; Four f64x2 accumulators, 8 taps per iteration (independent add chains: the adds' latency is the limit), then
;; pairs into the first, then a last odd tap.
  (func $dot (export "dot") (param $kp i32) (param $xp i32) (param $n i32) (result f64)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f64) (local $end i32)
    (local.set $end (i32.add (local.get $kp) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 3))))
    (block $done
      (loop $oct
        (br_if $done (i32.ge_u (local.get $kp) (local.get $end)))
        (local.set $a0 (f64x2.add (local.get $a0)
          (f64x2.mul (v128.load (local.get $kp)) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $xp))))))
        (local.set $a1 (f64x2.add (local.get $a1)
          (f64x2.mul (v128.load offset=16 (local.get $kp)) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $xp))))))
        (local.set $a2 (f64x2.add (local.get $a2)
          (f64x2.mul (v128.load offset=32 (local.get $kp)) (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $xp))))))
        (local.set $a3 (f64x2.add (local.get $a3)
          (f64x2.mul (v128.load offset=48 (local.get $kp)) (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $xp))))))
        (local.set $kp (i32.add (local.get $kp) (i32.const 64)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 32)))
        (br $oct)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 6)) (i32.const 3))))
    (block $pdone
      (loop $pair
        (br_if $pdone (i32.ge_u (local.get $kp) (local.get $end)))
        (local.set $a0 (f64x2.add (local.get $a0)
          (f64x2.mul (v128.load (local.get $kp)) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $xp))))))
        (local.set $kp (i32.add (local.get $kp) (i32.const 16)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 8)))
        (br $pair)))
    (local.set $a0 (f64x2.add (f64x2.add (local.get $a0) (local.get $a1)) (f64x2.add (local.get $a2) (local.get $a3))))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (local.set $s (f64.add (local.get $s) (f64.mul (f64.load (local.get $kp)) (f64.promote_f32 (f32.load (local.get $xp))))))))
    (local.get $s)))
