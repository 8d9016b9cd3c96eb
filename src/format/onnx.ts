/**
 * ONNX export of the FP32 model (the teacher): the encoder of docs/forward.md without quantizers, as an
 * ONNX ModelProto (IR version 8, default-domain opset 17), so that onnxruntime runs the same architecture.
 *
 * Inputs `input_ids`, `attention_mask`: int64 [batch, seqLen] (dynamic batch, seqLen fixed to the model's);
 * output `logits`: float [batch, numLabels]. Masked keys get −1e9 added before the softmax: the same
 * probabilities as leaving them out whenever a row has an unmasked key (it always has [CLS]).
 */
import { ProtoWriter } from './protobuf.ts';
import { validateFloatModel } from './validate.ts';
import type { DenseParams, FloatModel, LayerNormParams } from './model.ts';

// Field numbers and enum values of onnx/onnx.proto3.
const ELEM_FLOAT = 1;
const ELEM_INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

type Attr = { name: string; f?: number; i?: number; ints?: number[] };

interface Tensor {
  name: string;
  dims: number[];
  type: typeof ELEM_FLOAT | typeof ELEM_INT64;
  raw: Uint8Array;
}

function floatTensor(name: string, dims: number[], data: Float32Array): Tensor {
  return { name, dims, type: ELEM_FLOAT, raw: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

function int64Tensor(name: string, dims: number[], values: number[]): Tensor {
  return { name, dims, type: ELEM_INT64, raw: new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer) };
}

/** W (out × in, row-major) transposed to (in × out), the right operand of MatMul(x, ·). */
function transposed(p: DenseParams): Float32Array {
  const t = new Float32Array(p.weight.length);
  for (let o = 0; o < p.outFeatures; o++) for (let i = 0; i < p.inFeatures; i++) t[i * p.outFeatures + o] = p.weight[o * p.inFeatures + i];
  return t;
}

/** Builds the graph node by node; each helper returns the name of its output. */
class GraphBuilder {
  readonly nodes: ProtoWriter[] = [];
  readonly initializers: Tensor[] = [];
  private n = 0;

  op(opType: string, inputs: string[], attrs: Attr[] = [], name = `${opType.toLowerCase()}_${this.n}`): string {
    this.n++;
    const node = new ProtoWriter();
    for (const i of inputs) node.string(1, i);
    node.string(2, name).string(3, name).string(4, opType);
    for (const a of attrs) {
      const w = new ProtoWriter().string(1, a.name);
      if (a.f !== undefined) w.float(2, a.f).varint(20, ATTR_FLOAT);
      else if (a.i !== undefined) w.varint(3, a.i).varint(20, ATTR_INT);
      else if (a.ints) {
        for (const v of a.ints) w.varint(8, v);
        w.varint(20, ATTR_INTS);
      }
      node.message(5, w);
    }
    this.nodes.push(node);
    return name;
  }

  init(t: Tensor): string {
    this.initializers.push(t);
    return t.name;
  }

  /** x·Wᵀ + b for x (…, in) → (…, out). */
  linear(x: string, p: DenseParams, name: string): string {
    const w = this.init(floatTensor(`${name}.weight_t`, [p.inFeatures, p.outFeatures], transposed(p)));
    const b = this.init(floatTensor(`${name}.bias`, [p.outFeatures], p.bias));
    return this.op('Add', [this.op('MatMul', [x, w]), b], [], `${name}.out`);
  }

  layerNorm(x: string, p: LayerNormParams, name: string): string {
    const g = this.init(floatTensor(`${name}.gamma`, [p.gamma.length], p.gamma));
    const b = this.init(floatTensor(`${name}.beta`, [p.beta.length], p.beta));
    return this.op('LayerNormalization', [x, g, b], [{ name: 'axis', i: -1 }, { name: 'epsilon', f: p.eps }], `${name}.out`);
  }
}

function tensorProto(t: Tensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.varint(1, d);
  return w.varint(2, t.type).string(8, t.name).bytes(9, t.raw);
}

function valueInfo(name: string, elem: number, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().varint(1, elem).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/** The FP32 model as ONNX ModelProto bytes; an inconsistent model is a BitedgeError (`float_model`). */
export function exportOnnx(model: FloatModel): Uint8Array {
  validateFloatModel(model);
  const { seqLen: T, hidden: H, heads: A, numLabels: N } = model.shape;
  const d = H / A;
  const g = new GraphBuilder();
  const c = {
    one: g.init(floatTensor('const.one', [], Float32Array.of(1))),
    big: g.init(floatTensor('const.mask_penalty', [], Float32Array.of(1e9))),
    invSqrtD: g.init(floatTensor('const.inv_sqrt_d', [], Float32Array.of(1 / Math.sqrt(d)))),
    headsShape: g.init(int64Tensor('const.heads_shape', [4], [0, 0, A, d])),
    hiddenShape: g.init(int64Tensor('const.hidden_shape', [3], [0, 0, H])),
    axes12: g.init(int64Tensor('const.axes_1_2', [2], [1, 2])),
    zero: g.init(int64Tensor('const.index_0', [], [0])),
  };
  // h = LN_emb(tok[ids] + pos)                                                       (B, T, H)
  const tok = g.init(floatTensor('tokenEmbedding', [model.shape.vocabSize, H], model.tokenEmbedding));
  const pos = g.init(floatTensor('positionEmbedding', [T, H], model.positionEmbedding));
  let h = g.layerNorm(g.op('Add', [g.op('Gather', [tok, 'input_ids'], [{ name: 'axis', i: 0 }]), pos]), model.lnEmb, 'lnEmb');
  // additive mask (mask − 1)·1e9                                                      (B, 1, 1, T)
  const maskF = g.op('Cast', ['attention_mask'], [{ name: 'to', i: ELEM_FLOAT }]);
  const maskBias = g.op('Unsqueeze', [g.op('Mul', [g.op('Sub', [maskF, c.one]), c.big]), c.axes12]);
  const geluConst = model.layers.some((L) => L.activation === 'gelu')
    ? { half: g.init(floatTensor('const.half', [], Float32Array.of(0.5))), sqrt2: g.init(floatTensor('const.sqrt2', [], Float32Array.of(Math.SQRT2))) }
    : { half: '', sqrt2: '' };
  model.layers.forEach((L, l) => {
    const p = `layers.${l}`;
    const heads = (x: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [x, c.headsShape])], [{ name: 'perm', ints: perm }]);
    const q = heads(g.linear(h, L.q, `${p}.q`), [0, 2, 1, 3]); // (B, A, T, d)
    const k = heads(g.linear(h, L.k, `${p}.k`), [0, 2, 3, 1]); // (B, A, d, T)
    const v = heads(g.linear(h, L.v, `${p}.v`), [0, 2, 1, 3]); // (B, A, T, d)
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), c.invSqrtD]), maskBias]); // (B, A, T, T)
    const probs = g.op('Softmax', [scores], [{ name: 'axis', i: -1 }]);
    const ctxHeads = g.op('Transpose', [g.op('MatMul', [probs, v])], [{ name: 'perm', ints: [0, 2, 1, 3] }]); // (B, T, A, d)
    const ctx = g.op('Reshape', [ctxHeads, c.hiddenShape]); // (B, T, H)
    h = g.layerNorm(g.op('Add', [h, g.linear(ctx, L.o, `${p}.o`)]), L.ln1, `${p}.ln1`);
    const f = g.linear(h, L.ffn1, `${p}.ffn1`); // (B, T, F)
    const act =
      L.activation === 'relu'
        ? g.op('Relu', [f])
        : g.op('Mul', [g.op('Mul', [f, g.op('Add', [g.op('Erf', [g.op('Div', [f, geluConst.sqrt2])]), c.one])]), geluConst.half]); // ½x(1 + erf(x/√2))
    h = g.layerNorm(g.op('Add', [h, g.linear(act, L.ffn2, `${p}.ffn2`)]), L.ln2, `${p}.ln2`);
  });
  // logits = W_cls · tanh(W_pool · h[:, 0] + b_pool) + b_cls                          (B, N)
  const cls = g.op('Gather', [h, c.zero], [{ name: 'axis', i: 1 }]); // (B, H)
  const pooled = g.op('Tanh', [g.linear(cls, model.pooler, 'pooler')]);
  const logits = g.linear(pooled, model.classifier, 'classifier');
  g.op('Identity', [logits], [], 'logits');

  const graph = new ProtoWriter();
  for (const node of g.nodes) graph.message(1, node);
  graph.string(2, 'bitedge_fp32_encoder');
  for (const t of g.initializers) graph.message(5, tensorProto(t));
  graph.message(11, valueInfo('input_ids', ELEM_INT64, ['batch', T]));
  graph.message(11, valueInfo('attention_mask', ELEM_INT64, ['batch', T]));
  graph.message(12, valueInfo('logits', ELEM_FLOAT, ['batch', N]));
  return new ProtoWriter()
    .varint(1, ONNX_IR_VERSION)
    .string(2, 'bitedge')
    .string(3, '0.1.0')
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').varint(2, ONNX_OPSET))
    .finish();
}
