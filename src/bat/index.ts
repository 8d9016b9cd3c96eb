/** Stage `bat`: the BAT accelerator — hardware description, engines, compiler, simulator, analytical model, resources, energy. */
export { HardwareSchema, parseHardware, loadHardware, ddrBytesPerCycle, ddrLatencyCycles, type Hardware } from './hw.ts';
export { BOARDS, UTILISATION_CEILINGS, RESOURCE_KINDS, addResources, type Board, type Resources } from './boards.ts';
export { PRESETS } from './presets.ts';
export { WorkloadSchema, parseWorkload, workloadFromShape, workloadFromModel, SHAPES, W1A1, type Workload, type SiteBits } from './workload.ts';
export { ENGINES, ACTION_KINDS, opsCount, type EngineName, type Op, type Actions } from './ops.ts';
export { bmu, atu, sfu, memory, opCycles, opActions, engineResources } from './engines/index.ts';
export {
  compile, fitIssues, chooseBlockTokens, layerWeightBytes, activationBytes, linearBytes, MIN_BLOCKS,
  type Schedule, type Phase, type Stage, type StageName, type WeightPlacement, type CompileOptions,
} from './compiler.ts';
export { simulate, type SimResult, type SimOptions, type EngineCycles, type Interval, type PhaseTiming, type Datapath } from './sim.ts';
export { createDatapath } from './datapath.ts';
export { estimate, estimateSchedule, phaseCycles, type Estimate } from './analytical.ts';
export { resourceReport, budgetIssues, type ResourceReport } from './resources.ts';
export { energyReport, ENERGY_TABLES, ASIC_45NM, FPGA_ULTRASCALE, type EnergyTable, type EnergyReport } from './energy.ts';
export { validateHardware, paddingNotes, type Validation } from './validate.ts';
export { randomDesignPoint } from './space.ts';
export { evaluateDesign, type DesignEvaluation } from './evaluate.ts';
