// The shared float stages: the fused softmax → {0,1} bits path equals softmax then the site quantizer,
// element for element (per-tensor and per-key β, masked keys, rows whose keys are all masked).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/common/rng.ts';
import { emptyBits } from '../../src/runtime/bits.ts';
import { roundHalfEven, softmaxBitsFromDots, softmaxRows } from '../../src/runtime/float.ts';
import { encodeSite } from '../../src/runtime/operand.ts';

test('softmaxBitsFromDots equals softmaxRows + unsigned binarization', () => {
  const rng = createRng('softmax-bits');
  for (let c = 0; c < 40; c++) {
    const T = 1 + rng.int(40), d = 1 + rng.int(70), M = c % 4 === 1 ? 1 + rng.int(T) : T; // M query rows
    const dots = new Int32Array(M * T).map(() => 2 * rng.int(d + 1) - d);
    const mask = new Uint8Array(T).map(() => (rng.next() < 0.8 ? 1 : 0));
    if (c % 10 === 0) mask.fill(0); // rows without any key
    const scale = (0.2 + rng.next()) / Math.sqrt(d);
    const alpha = 0.01 + 0.3 * rng.next();
    const beta = Float32Array.from({ length: c % 2 ? T : 1 }, () => 0.05 * rng.normal());
    const base2 = c % 3 === 0;
    const site = { kind: 'binary-unsigned' as const, alpha, beta };
    const want = encodeSite(softmaxRows({ dots, scale, bound: d }, T, mask, base2, M), M, T, site);
    const got = emptyBits(M, T);
    softmaxBitsFromDots(dots, scale, M, T, mask, base2, alpha, beta, got.data, got.wordsPerRow, d);
    assert.deepEqual(got, want.kind === 'bits' ? want.bits : null, `case ${c}`);
  }
});

test('roundHalfEven rounds ties to even, as torch.round', () => {
  assert.deepEqual([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4, -2.6].map(roundHalfEven), [-2, -2, -0, 0, 2, 2, 2, -3]);
});
