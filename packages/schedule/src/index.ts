export * from './planner/index.js';
export * from './carbon-aware-run.js';
