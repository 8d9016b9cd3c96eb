/** Stage `runtime`: the 1-bit WebAssembly runtime (kernels, engine, reference forward, Node runtime). */
export { createRuntime, type Runtime, type RuntimeOptions, type SequenceInput } from './runtime.ts';
export { createEngine, type Engine } from './engine.ts';
export { referenceForward } from './reference/forward.ts';
export { foldThresholds, exactThreshold } from './fold.ts';
export { forwardSequence, checkInput, type IntegerOps } from './forward.ts';
export { referenceOps, xnorGemmRef, bitsGemmRef, bitSerialGemmRef, thresholdGemmRef } from './reference/kernels.ts';
export { instantiateKernels, WasmOps, WasmHeap } from './kernels.ts';
export { loadKernels, readKernelsWasm, KERNELS_PATH } from './kernels-node.ts';
export { classification, modelTokenizer, type Classification, type EncodedText } from './classify.ts';
