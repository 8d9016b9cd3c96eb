/** Stage `dse`: NSGA-II, the joint model × hardware search space, objectives, the journaled search, Pareto outputs, the codesign flow. */
export { nsga2, nsga2Batch, fastNonDominatedSort, assignCrowding, selectSurvivors, paretoFront, dominates } from './nsga2.ts';
export type { Gene, Problem, BatchProblem, Evaluated, Individual, Nsga2Options, Nsga2BatchOptions } from './nsga2.ts';
export { hypervolume, hypervolume2d } from './hypervolume.ts';
export { zdtProblem, zdtTrueFront, type ZdtName } from './zdt.ts';
export {
  SpaceSchema, SPACES, MODEL_FIELDS, HARDWARE_FIELDS, parseSpace, loadSpace, spaceGenes, geneNames, spaceSize,
  decodeModel, decodeHardware, decodePoint, encodePoint, modelConfig, workloadOfConfig,
  type Space, type Scope, type ModelChoice, type DesignPoint, type ModelField, type HardwareField,
} from './space.ts';
export {
  OBJECTIVES, UNRUNNABLE_VIOLATION, hardwareMetrics, violation, objectiveVector,
  type HardwareMetrics, type AccuracyMetrics, type DesignMetrics, type Constraints,
} from './objectives.ts';
export { trainedModel, cachedModel, modelKey, dataIdentity, BITFLIP_RATE, BITFLIP_TRIALS, CACHE_VERSION, type TrainJob, type TrainedModel } from './trainer.ts';
export { explore, genomeKey, JOURNAL_FILE, type ExploreOptions, type ExploreResult, type EvaluatedPoint, type FixedModel, type JointTraining, type ExploreStats } from './explore.ts';
export { openJournal, readJournal, JOURNAL_VERSION, type Journal, type JournalRecord } from './journal.ts';
export { paretoOf, chooseDesign, type ChoiceRule } from './front.ts';
export { scatterSvg, linearTicks, logTicks, type PlotPoint, type PlotSpec } from './plots.ts';
export { writeExploreOutputs, writeBatReport, pointsCsv, type FrontDocument } from './outputs.ts';
export { fixedModelFromFile, restrictBoard, exploreAndReport } from './setup.ts';
export { codesign, CODESIGN_SIZES, type CodesignOptions, type CodesignState, type RuntimeCheck } from './codesign.ts';
