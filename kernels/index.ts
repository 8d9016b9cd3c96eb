// Entry of the kernel module (build/kernels.wasm): the exports the runtime calls (src/runtime/kernels.ts).
export { xnorGemm, rowPopcounts } from './xnor';
export { bitsGemm } from './attention';
export { bitSerialGemm } from './bitserial';
export { xnorThreshold, bitsThreshold } from './threshold';

/** First free byte after the module's static data: the runtime's allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}
export { residualNorm, embedSum } from './norm';
export { scoreHistograms, packAtLeast, packProbBits, scaleInto, packSiteBits, sliceBits, transposeBits, rowSearch } from './softmax';
export { combineParts } from './linear';
