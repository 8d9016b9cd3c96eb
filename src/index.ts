/** bitedge library entry point: one re-export per stage of the flow. */
export * from './common/index.ts';
export * from './data/index.ts';
export * from './format/index.ts';
export * from './runtime/index.ts';
export * from './dse/index.ts';
export * from './bat/index.ts';
export * from './report/index.ts';
export * from './bmt/index.ts';
