/**
 * Shipped hardware presets (nanoGPT-style small named configs; the comments give the reasons).
 * `bitedge hw preset NAME` prints one as JSON, a starting point for a custom file.
 */
import type { Hardware } from './hw.ts';

/** ZCU102-sized: a 64 × 256 BMU (≈40% of the LUTs by the FINN-R formula), 4 head units, 200 MHz. */
const zcu102: Hardware = {
  format: 'bitedge-hw', version: 1, name: 'bat-zcu102', board: 'zcu102', clockMHz: 200,
  bmu: { pe: 64, simd: 256, accBits: 24 },
  atu: { headsParallel: 4, pe: 16, simd: 64 },
  sfu: { softmaxLanes: 32, layernormLanes: 32, thresholdLanes: 128 },
  // Weight buffer holds two BERT-base layers (2 × 957 KiB of 1-bit weights and constants): per-layer double buffering.
  memory: { weightBufferKiB: 2048, activationBufferKiB: 512, fifoKiB: 256, ram: 'bram', ddrBandwidthGBps: 12.8, ddrLatencyNs: 150 },
};

/** Small edge (Ultra96, ZU3EG): 16 × 64 BMU, 1 head unit, 150 MHz; double-buffers a 4 × 256 BMT layer; BERT-base does not fit. */
const edge: Hardware = {
  format: 'bitedge-hw', version: 1, name: 'bat-edge', board: 'ultra96', clockMHz: 150,
  bmu: { pe: 16, simd: 64, accBits: 20 },
  atu: { headsParallel: 1, pe: 8, simd: 64 },
  sfu: { softmaxLanes: 8, layernormLanes: 8, thresholdLanes: 32 },
  memory: { weightBufferKiB: 288, activationBufferKiB: 160, fifoKiB: 32, ram: 'bram', ddrBandwidthGBps: 4, ddrLatencyNs: 200 },
};

export const PRESETS: Record<string, Hardware> = { zcu102, edge };
