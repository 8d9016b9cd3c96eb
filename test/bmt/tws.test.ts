import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/bmt/engine.ts';
import { ternaryWeightSplit, splitModel } from '../../src/bmt/tws.ts';
import { bwnRef, twnRef } from '../../src/bmt/quantizers-ref.ts';
import { resolvePreset } from '../../src/bmt/presets.ts';
import { initParams, forward, paramSpecs, embedTokens, type ModelVariant, type Params } from '../../src/bmt/model.ts';
import type { BmtConfig } from '../../src/bmt/config.ts';
import { createRng } from '../../src/common/rng.ts';

before(async () => { await initEngine('wasm'); });

test('TWS operator: w1 + w2 = w and bin(w1) + bin(w2) = ternary(w) (float64), per tensor and per channel', () => {
  const r = createRng('tws');
  for (const [rows, cols] of [[16, 48], [3, 7], [64, 32]]) {
    const w = Float32Array.from({ length: rows * cols }, () => 0.04 * r.normal() + 0.003);
    for (const pc of [false, true]) {
      const { w1, w2 } = ternaryWeightSplit(w, rows, cols, pc);
      const t = twnRef(w, rows, cols, pc).y;
      const b1 = bwnRef(w1, rows, cols, pc, false), b2 = bwnRef(w2, rows, cols, pc, false);
      let nonzero = 0;
      for (let i = 0; i < w.length; i++) {
        assert.ok(Math.abs(w1[i] + w2[i] - w[i]) < 1e-7, `sum at ${i}`);
        assert.ok(Math.abs(b1[i] + b2[i] - t[i]) < 1e-8, `bin sum at ${i}: ${b1[i] + b2[i]} vs ${t[i]}`);
        if (t[i] !== 0) nonzero++;
      }
      assert.ok(nonzero > 0 && nonzero < w.length, 'the ternary weights have both zeros and non-zeros');
    }
  }
});

function randomTernaryModel(c: BmtConfig, seed: string): Params {
  const v: ModelVariant = { weights: 'ternary', parts: 1, acts: true, wtws: false };
  const p = initParams(c, v, 3, createRng(seed));
  const r = createRng(seed + 'acts');
  for (const s of paramSpecs(c, v, 3)) {
    if (s.name.endsWith('.alpha')) p[s.name][0] = 0.5 + r.next();
    if (s.name.endsWith('.beta') || s.name.endsWith('.b')) p[s.name] = p[s.name].map(() => 0.05 * r.normal());
  }
  return p;
}

function outputs(c: BmtConfig, v: ModelVariant, p: Params, ids: Int32Array, B: number): Float32Array[] {
  return tf.tidy(() => {
    const pt: Record<string, tf.Tensor> = {};
    for (const s of paramSpecs(c, v, 3)) pt[s.name] = tf.tensor(p[s.name], s.shape);
    const mask = tf.tensor(Float32Array.from(ids, (x) => (x === 0 ? 0 : 1)), [B, c.seqLen]);
    const out = forward({ config: c, variant: v, p: pt }, tf.tensor(embedTokens(p['emb.tok'], c.hidden, ids), [B, c.seqLen, c.hidden]), mask);
    return [out.logits.dataSync() as Float32Array, ...out.hiddens.map((h) => h.dataSync() as Float32Array)];
  });
}

test('the split model computes the ternary model\'s function before fine-tuning (TWS and WTWS, per tensor / per channel, pow2)', () => {
  for (const opts of [{}, { weightScale: 'per-channel' as const }, { pow2Scales: true }, { attention: 'threshold' as const, bits: { qkvOut: 4 as const } }]) {
    const c = resolvePreset('tiny', { ...opts, layers: 2 });
    const p = randomTernaryModel(c, JSON.stringify(opts));
    const B = 4, r = createRng('ids');
    const ids = Int32Array.from({ length: B * c.seqLen }, (_, i) => (i % c.seqLen > 10 ? 0 : 3 + r.int(c.vocabSize - 3)));
    const ref = outputs(c, { weights: 'ternary', parts: 1, acts: true, wtws: false }, p, ids, B);
    for (const wtws of [false, true]) {
      const sp = splitModel(c, p, wtws);
      const got = outputs(c, sp.variant, sp.params, ids, B);
      ref.forEach((a, k) => {
        let maxErr = 0;
        for (let i = 0; i < a.length; i++) maxErr = Math.max(maxErr, Math.abs(a[i] - got[k][i]));
        assert.ok(maxErr < 1e-4, `${JSON.stringify(opts)} wtws=${wtws} output ${k}: max |Δ| ${maxErr}`);
      });
    }
  }
});
