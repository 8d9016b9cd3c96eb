/** Stage `bmt`: training binarized Transformers (FP32 → ternary → TWS/WTWS → W1A1 with distillation) and export. */
export { initEngine, type EngineBackend } from './engine.ts';
export { BmtConfigSchema, parseBmtConfig, ActBitsSchema, type BmtConfig, type BmtConfigInput, type ActBits } from './config.ts';
export { presets, resolvePreset } from './presets.ts';
export { getQuantizer, QuantizerConfigSchema, type Quantizer, type QuantizerConfig, type WeightQuantizer, type ActivationQuantizer } from './quantizers.ts';
export { bwnRef, twnRef, elasticSignedRef, elasticUnsignedRef, lsqRef, signRef, roundHalfEven } from './quantizers-ref.ts';
export { FP32, forward, initParams, paramSpecs, type ModelVariant, type Params, type ForwardCtx, type BitFlipNoise } from './model.ts';
export { ternaryWeightSplit, splitModel } from './tws.ts';
export { trainStage, evaluate, scorePredictions, type EncodedSplit, type EvalResult, type StageOptions } from './train.ts';
export { trainRecipe, planRecipe, RECIPES, type RecipeName, type RecipeMetrics, type RecipeOptions, type RecipeResult, type EncodedDataset, type StageMetrics } from './recipe.ts';
export { readCheckpoint, writeCheckpoint, encodeCheckpoint, decodeCheckpoint, type StageState } from './checkpoint.ts';
export { prepareData, encodeSplit, type DataSource, type PreparedData } from './data.ts';
export { runTraining, loadRun, buildConfig, type RunOptions, type LoadedRun } from './run.ts';
export { toDeployModel, toFloatModel, packSigns, foldThreshold } from './export.ts';
export { robustness, perturbTokens, spreadOverRuns, TOKEN_RATES, FLIP_RATES, type RobustnessRow } from './robustness.ts';
