/** The .bmt packed model format, its loader, the float model's ONNX export, and random models for tests. */
export * from './model.ts';
export { encodeBmt, decodeBmt, readBmtLayout, BMT_MAGIC, BMT_VERSION, type TensorEntry, type BmtDtype } from './bmt.ts';
export { type BmtHeader } from './header.ts';
export { crc32 } from './crc32.ts';
export { deployModelIssues, validateDeployModel, firstRowWithPaddingBits, siteChannels } from './validate.ts';
export { writeBmtFile, readBmtFile, readBmtBytes } from './file.ts';
export { randomDeployModel, randomFloatModel, randomPackedBits, TINY_SHAPE, type RandomDeployOptions } from './random.ts';
export { describeBmt, formatDescription, fp32PartBytes, siteBits, type BmtDescription, type LinearRow, type SiteRow, type PartRow } from './describe.ts';
