// The API of @verdant/accel (docs/hardware.md): the device catalog, offers and their importers, the model,
// the Pareto recommendation, and the functions the CLI and the server call.
export { PRECISIONS, SPARSE_PRECISIONS, loadDevices, parseDevices, matchDevice, deviceById, type Device, type DeviceKind, type Precision } from './devices.js';
export { parseOffers, sampleOffers, regionZone, stalePriceWarning, OFFER_FORMATS, STALE_PRICE_S, type Offer, type OfferFormat, type ParsedOffers, type ImportIssue, type ParseOffersOptions } from './offers.js';
export { parsePythonLiteral, type PyValue } from './python-literal.js';
export { estimateOnDevice, checkJob, bestProfile, gemmProfile, profileKind, powerProvenance, scalingFactor, isExclusion, MODEL_DEFAULTS, type JobInput, type DeviceEstimate, type Exclusion } from './model.js';
export { paretoFront, dominates } from './pareto.js';
export { recommend, recommendFromProvider, type RecommendRequest, type RecommendInputs, type Recommendation, type Plan, type Excluded, type Pricing, type RecommendObjective } from './recommend.js';
export { saveImport, storedOffers, importHistory, saveProfile, storedProfiles, type ImportRecord, type Profile, type ProfileMeta } from './store.js';
export { addProfile, listProfiles, profileFromEntry, profileEntryFromFields, type ProfileEntry } from './profiles.js';
export { showDevice, listOffers, importOffers, importOffersText, estimateJob, compareDevices, recommendPlan, devices, type DeviceDetail, type OfferQuery, type OfferList, type ImportRequest, type EstimateRequest, type CompareRequest, type Comparison } from './service.js';
export type { Provenance, Sourced } from './provenance.js';
export { parseCount, jobFromFields, recommendFromFields, offerFormat, maxAgeFromField, timeFromField, type RawFields } from './request.js';
export { deviceJson, profileJson, offerJson, importJson, estimateJson, planJson, recommendationJson, recommendationTable, alignTable } from './json.js';
export { estimateRun, estimateRunWith, checkRunEstimate, powerProfile, runEstimateJson, RUN_ESTIMATE_UTILIZATION, RUN_ESTIMATE_MAX_HOURS, type RunEstimate, type RunEstimateInput } from './run-estimate.js';
export { compareRegions, instancesFor, regionComparisonTable, regionComparisonJson, markdownTable, type RegionComparisonRequest, type RegionComparison, type RegionComparisonRow } from './comparison.js';
export { benchCpu, saveTrainingProfile, windowEnergy, CPU_SENSOR_KINDS, type CpuBenchOptions, type CpuBenchResult, type GemmResult, type TrainingWorkload, type BenchWindow } from './bench.js';
export { benchTorch, shippedTorchBenchScript, TORCH_BENCH_DEVICES, TORCH_TRAIN_MODELS, type TorchBenchOptions, type TorchBenchDevice, type TorchBenchResult } from './bench-torch.js';
export { profilesFromTorchBench, catalogDeviceOf, checkDeviceForBackend, type TorchBenchProfiles } from './bench-profiles.js';
export { accelBenchChannel, accelRunChannel, ACCEL_FILE_ENV, type AccelChannelOptions } from './channel.js';
export { measurementsJson, type GemmPoint, type TrainingStepPoint, type ProfileMeasurements } from './measurements.js';
