// The documented API of @verdant/energy, by job (docs/architecture.md). Internals (procfs readers, each
// sensor source's class and parsers, the integrator) are imported by relative path where needed.

// `verdant run` as one library call
export { measureCommand, type MeasureSpec, type Measured } from './run/measure-command.js';
export { parseRunSpec, RUN_OUTPUT_FILES, type RunSpec, type RunSpecInput, type CarbonAwareSpec } from './run/spec.js';
export { runGroupOf, type RunGroupMembership } from './run/group.js';

// Sensors: the contract, discovery and the registry of sensor sources
export {
  defineSensorSource,
  RAM_ATTRIBUTIONS,
  type DiscoveryContext,
  type EnergySensor,
  type RamAttribution,
  type SensorKind,
  type SensorReading,
  type SensorSource,
  type SensorSourceDescriptor,
  type SensorSourceOptions,
} from './sensors/sensor.js';
export { discoverSensors, type DiscoverOptions } from './sensors/index.js';
export {
  SENSOR_SOURCES,
  SENSOR_FAMILIES,
  registerSensorSource,
  sensorSources,
  sensorFamilies,
  type SensorFamily,
  type SensorSourceName,
} from './sensors/registry.js';

// Measurement: the tracker, track(), progress and predictions
export { Tracker, type TrackerOptions, type TrackerSnapshot, type TrackerEvents, type SensorState } from './measurement/tracker.js';
export { track, sensorsForThisProcess, type TrackOptions, type Tracked } from './measurement/track.js';
export { sensorsForTree, type TreeSensorOptions } from './measurement/tree-sensors.js';
export { reportProgress, PROGRESS_ENV, type ProgressUpdate } from './measurement/progress.js';
export type { Prediction } from './measurement/predict.js';
export {
  defineRunChannel,
  registerRunChannel,
  runChannels,
  openRunChannels,
  type RunChannel,
  type RunChannelContext,
  type RunChannelDescriptor,
  type OpenRunChannel,
} from './measurement/channels.js';

// Process control: spawn and measure a command, signal its tree, resume a paused run
export { runCommand, type RunCommandOptions, type CommandRun, type CommandResult, type IntensityCoverage, type PauseController, type PausePeriod } from './process/run-command.js';
export { resolveCommand } from './process/resolve-command.js';
export { signalTree } from './process/tree-signals.js';
export { resumeRun } from './process/resume.js';

// Run-time policy: budgets
export type { Budget, BudgetBreach, OnExceed } from './policy/budget.js';

// Outputs: summaries, CodeCarbon CSV, Prometheus metrics, the HTML report
export {
  summarizeRun,
  summarizeRow,
  summarizeGroup,
  runListItem,
  type RunSummary,
  type SensorSummary,
  type GroupSummary,
  type GroupHostSummary,
  type GroupMemberSummary,
} from './outputs/summary.js';
export { CODECARBON_COLUMNS } from './outputs/codecarbon-csv.js';
export { samplesView, samplesCsv, SAMPLE_CSV_COLUMNS, MAX_VIEW_POINTS, type SamplesView, type SamplesViewOptions, type SampleWithTotals } from './outputs/samples-view.js';
export { liveRuns, runsOverview, watchRun, watchLiveRuns, type LiveRun, type RunListItem, type RunsOverview, type WindowTotals, type ZoneTotals, type HostTotals, type RunEvent, type WatchOptions } from './outputs/overview.js';
export { collectStoreMetrics, type StoreMetricsOptions } from './outputs/metrics.js';
export { renderRunReport } from './outputs/report-html.js';
export { renderSvg } from './outputs/chart.js';

