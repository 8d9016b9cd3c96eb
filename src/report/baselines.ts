/**
 * Published accelerators to compare BAT against (../shared/spec/baselines.md). These are PUBLISHED FIGURES,
 * measured by their authors on their own workloads and platforms; bitedge never measured them.
 */

export interface PublishedAccelerator {
  design: string;
  platform: string;
  workload: string;
  /** GOPS as published, when the publication gives it in GOPS. */
  gops?: number;
  /** GOPS/W as published. */
  gopsPerW?: number;
  /** The figure in the publication's own terms when it is not GOPS (frames/s, ratios). */
  other?: string;
  source: string;
}

export const PUBLISHED: PublishedAccelerator[] = [
  { design: 'BETA (ISCAS 2024)', platform: 'Xilinx ZCU102', workload: 'binarized BERT, binary weights, 1–8-bit activations', gopsPerW: 174, other: '1.76×–21.92× energy efficiency over prior FPGA accelerators', source: 'arXiv 2401.11851' },
  { design: 'EfficientViT accelerator', platform: 'ZCU102, 200 MHz', workload: 'EfficientViT', gops: 780.2, gopsPerW: 105.1, source: 'arXiv 2403.20230' },
  { design: 'COBRA (ICCAD 2025)', platform: 'edge FPGA', workload: '1-bit binary Transformer', gops: 3894.7, gopsPerW: 448.7, source: 'arXiv 2504.16269' },
  { design: 'VAQF (2022)', platform: 'ZCU102, HLS', workload: 'W1A8 / W1A6 DeiT-B', other: '24 / 30 frames/s', source: 'arXiv 2201.06618' },
  { design: 'Auto-ViT-Acc (FPL 2022)', platform: 'ZCU102', workload: 'mixed-scheme DeiT-B', other: '56.8 frames/s (vs 10.0 fp32)', source: 'arXiv 2208.05163' },
  { design: 'FTRANS (ISLPED 2020)', platform: 'FPGA (VCU118)', workload: 'block-circulant Transformer', other: '27.07× a CPU; 81× CPU, 8.80× GPU energy efficiency', source: 'arXiv 2007.08563' },
  { design: 'FQ-BERT (DATE 2021)', platform: 'ZCU102 / ZCU111', workload: '4/8-bit BERT', other: '3.18 frames/s/W', source: 'DATE 2021' },
];

/** The paper's own claim (arXiv 2407.12070), platform and absolute figures not public. */
export const PAPER_CLAIM = 'BAT (the paper, arXiv 2407.12070): 2.14×–49.37× throughput and 3.72×–88.53× energy efficiency over state-of-the-art Transformer accelerators (published figure; platform and absolute numbers not public)';
