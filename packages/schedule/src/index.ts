export * from './planner/index.js';
export * from './carbon-aware-run.js';
export * from './simulator/index.js';
export * from './policy/index.js';
export * from './queue/index.js';
export * from './executor/index.js';
export * from './service/index.js';
