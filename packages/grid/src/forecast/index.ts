export { forecast, SEASONAL_SOURCE, type ForecastOptions } from './seasonal.js';
export { persistenceForecast, seasonalNaiveForecast } from './baselines.js';
export { evaluateForecasts, DEFAULT_MODELS, type EvaluationOptions, type Forecaster, type HorizonScore } from './evaluate.js';
