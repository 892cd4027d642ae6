// The API of @verdant/core, named (no `export *`): what the other packages, the docs and users import.
export { invalidInput, isVerdantError, ExitCode, VerdantError, type ExitCodeValue, type VerdantErrorOptions } from './errors.js';
export { parseDuration, parseEnergy, parseMass, parsePower, parseIntensity, parseDeadline, parseNonNegative, parseWholeNumber, parsePositive, formatDuration, J_PER_KWH, J_PER_WH, joulesToKwh, kwhToJoules, joulesToWh, emissionsG, LB_PER_MWH_TO_G_PER_KWH } from './units.js';
export { parseTime, nowS, toIso } from './time.js';
export { stepLookup, constantLookup, type IntensitySignal, type IntensityPoint, type IntensityLookup } from './intensity.js';
export { readLogLevel, readPort, readEnv, readRegion, readZones, valueAtPath, parsePue, parseSamplingInterval, LOG_LEVELS, SAMPLING_INTERVAL_RANGE_S, type VerdantEnv, type LogLevel, type RegionSetting } from './config.js';
export { outputError, checkOutputFile, prepareOutputDirectory, writeOutputFile } from './output-files.js';
export { createLogger, REDACTED_KEYS, type Logger } from './logging.js';
export { newId } from './ids.js';
export type { RunStatus, RunsTable, RunSensorsTable, SamplesTable, IntensityPointsTable, RunTotalsTable, RunTotalsCountedTable, KvTable, JobState, JobsTable, JobEventsTable, RunWatchersTable, Database } from './store/schema.js';
// Types only: the drivers load with the first `Store.open` (connect and migrate are the store's own business).
export type { Connection, Dialect, OpenOptions } from './store/open.js';
export { pidAlive, WATCH_ALL_RUNS, HOST_NAME_ENV, checkGroupId, checkHostName, localHostName, Store, type RunRow, type NewRunRow, type SampleRow, type RunSensorRow, type RunTotalRow, type RunProgress, type AppendOptions, type SensorTotal, type SampleColumns, RUN_SORTS, RUN_STATUSES, decodeCursor, encodeCursor, type RunCursor, type RunFilter, type RunPage, type RunPageQuery, type RunSort, type SortOrder } from './store/store.js';
export { migrations } from './store/migrations.js';
