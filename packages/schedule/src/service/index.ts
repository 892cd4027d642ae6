export { planFromProvider, DEFAULT_LOOKAHEAD_S, type PlanRequest, type PlanResult, type ZonePlan, type PlanFromProviderOptions } from './plan-request.js';
export { loadPriceFile } from './price-file.js';
export { zonePlanJson, planResultJson } from './plan-json.js';
