import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/common/rng.ts';
import { BitedgeError } from '../../src/common/errors.ts';
import { randomDeployModel, TINY_SHAPE, type DeployModel, type ActSite } from '../../src/format/index.ts';
import { referenceForward } from '../../src/runtime/index.ts';
import { softmaxRows } from '../../src/runtime/float.ts';
import { PRESETS, compile, simulate, createDatapath, workloadFromModel, type Hardware } from '../../src/bat/index.ts';
import { softmaxOfRows } from '../../src/runtime/float.ts';

function input(model: DeployModel, seed: string): { ids: Int32Array; mask: Uint8Array } {
  const rng = createRng(seed), T = model.shape.seqLen;
  const len = 2 + rng.int(T - 1);
  return {
    ids: Int32Array.from({ length: T }, (_, t) => (t < len ? rng.int(model.shape.vocabSize) : 0)),
    mask: Uint8Array.from({ length: T }, (_, t) => (t < len ? 1 : 0)),
  };
}

function simLogits(model: DeployModel, hw: Hardware, ids: Int32Array, mask: Uint8Array, blockTokens?: number): Float32Array {
  const s = compile(workloadFromModel(model), hw, blockTokens ? { blockTokens } : {});
  const dp = createDatapath(model, ids, mask);
  simulate(s, hw, { datapath: dp, keepIntervals: false });
  assert.ok(dp.logits);
  return dp.logits;
}

function assertBitIdentical(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}: logit ${i} ${a[i]} vs ${b[i]}`);
}

test('simulator logits are bit-identical to referenceForward: 1 and 2 weight parts, three attention variants, several block sizes', () => {
  for (const parts of [1, 2] as const) {
    for (const variant of ['softmax-binary', 'threshold', 'shift-softmax'] as const) {
      const model = randomDeployModel(TINY_SHAPE, `bat-fn-${parts}-${variant}`, { sites: 'binary', parts, variants: [variant] });
      for (const [i, block] of [1, 5, undefined].entries()) {
        const { ids, mask } = input(model, `in-${parts}-${variant}-${i}`);
        assertBitIdentical(simLogits(model, PRESETS.edge, ids, mask, block), referenceForward(model, ids, mask), `${parts} parts, ${variant}, block ${block}`);
      }
    }
  }
});

test('bit-serial passes: k-bit activation sites (2, 4, 8 bits) give the runtime\'s logits bit for bit', () => {
  for (const bits of [2, 4, 8] as const) {
    const model = randomDeployModel(TINY_SHAPE, `bat-kbit-${bits}`, { sites: 'binary', parts: 1, variants: ['softmax-binary'], thresholds: false });
    const kbit = (signed: boolean, step: number): ActSite => ({ kind: 'kbit', bits, signed, step });
    for (const L of model.layers) { L.ctxIn = kbit(true, 0.05); L.ffn2In = kbit(false, 0.1); L.qkvIn = kbit(true, 0.2); }
    const w = workloadFromModel(model);
    assert.equal(w.bits.ctxIn, bits);
    const { ids, mask } = input(model, `kbit-${bits}`);
    const ref = referenceForward(model, ids, mask);
    assertBitIdentical(simLogits(model, PRESETS.zcu102, ids, mask, 3), ref, `${bits}-bit sites`);
  }
});

test('the SFU softmax on a block of rows equals the runtime\'s softmax over all rows, bit for bit (float and integer scores)', () => {
  const rng = createRng('softmax');
  const T = 17, mask = Uint8Array.from({ length: T }, (_, j) => (j < 13 ? 1 : 0));
  const values = Float32Array.from({ length: T * T }, () => rng.normal() * 3);
  const dots = Int32Array.from({ length: T * T }, () => rng.int(33) - 16), scale = 0.37;
  const dotValues = Float32Array.from(dots, (d) => scale * d);
  for (const base2 of [false, true]) {
    const all = softmaxRows({ values }, T, mask, base2);
    const allDots = softmaxRows({ dots, scale, bound: 16 }, T, mask, base2);
    for (const [r0, rows] of [[0, 5], [5, 5], [10, 7]]) {
      const part = softmaxOfRows(values.subarray(r0 * T, (r0 + rows) * T), undefined, rows, T, mask, base2);
      assertBitIdentical(part, all.subarray(r0 * T, (r0 + rows) * T), `float scores, rows ${r0}+${rows}`);
      const partDots = softmaxOfRows(dotValues.subarray(r0 * T, (r0 + rows) * T), dots.subarray(r0 * T, (r0 + rows) * T), rows, T, mask, base2);
      assertBitIdentical(partDots, allDots.subarray(r0 * T, (r0 + rows) * T), `integer scores, rows ${r0}+${rows}`);
    }
  }
});

test('a model BAT cannot run is refused with every reason: float sites, GELU, mixed weight parts', () => {
  const model = randomDeployModel(TINY_SHAPE, 'bat-refuse', { sites: 'binary', parts: 'mixed', activation: 'gelu', variants: ['softmax-binary'] });
  model.layers[0].ctxIn = { kind: 'float' };
  assert.throws(() => workloadFromModel(model), (e: unknown) => {
    assert.ok(e instanceof BitedgeError);
    const codes = new Set(e.issues.map((i) => i.code));
    for (const c of ['bat_float_site', 'bat_gelu', 'bat_weight_parts']) assert.ok(codes.has(c), `${c} in ${[...codes]}`);
    return true;
  });
});
