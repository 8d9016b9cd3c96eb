/** The .bmt packed model format, its loader, the float model's ONNX export, and random models for tests. */
export * from './model.ts';
export { encodeBmt, decodeBmt, readBmtLayout, packCodes, unpackCodes, narrowestIntDtype, tensorByteLength, BMT_MAGIC, BMT_VERSION, type TensorEntry, type BmtDtype, type DecodeOptions } from './bmt.ts';
export { quantizeStorage, quantizeRows, parseStoragePlan, storableMatrix, STORABLE_MATRICES, STORAGE_BITS, type StoragePlan } from './quantize.ts';
export { type BmtHeader } from './header.ts';
export { crc32 } from './crc32.ts';
export { deployModelIssues, validateDeployModel, floatModelIssues, validateFloatModel, firstRowWithPaddingBits, siteChannels } from './validate.ts';
export { writeBmtFile, readBmtFile, readBmtBytes, writeOnnxFile } from './file.ts';
export { randomDeployModel, randomFloatModel, randomPackedBits, TINY_SHAPE, type RandomDeployOptions } from './random.ts';
export { describeBmt, formatDescription, fp32PartBytes, siteBits, type BmtDescription, type LinearRow, type SiteRow, type PartRow } from './describe.ts';
export { exportOnnx, ONNX_IR_VERSION, ONNX_OPSET } from './onnx.ts';
export { floatReferenceForward, gelu, erf } from './float-forward.ts';
