export { nsga2, fastNonDominatedSort, assignCrowding, selectSurvivors, paretoFront, dominates } from './nsga2.ts';
export type { Gene, Problem, Individual, Nsga2Options } from './nsga2.ts';
export { hypervolume, hypervolume2d } from './hypervolume.ts';
export { zdtProblem, zdtTrueFront, type ZdtName } from './zdt.ts';
