// The documented API of @verdant/schedule (docs/planning.md, simulation.md, scheduling.md). Internals (the
// batch model and solvers, Slurm's command helpers, queue row mapping) are imported by relative path.

// Planner
export { planJob, planJobOnCurve } from './planner/single.js';
export { planAcrossZones, type ZonePlans } from './planner/zones.js';
export { planBatch, type BatchOptions, type BatchPlan } from './planner/batch.js';
export { intensityCurve, StepCurve } from './planner/series.js';
export type { Chunk, Interruptible, IntensityPoint, JobPlan, JobSpec, Objective, PlanOptions, PricePoint } from './planner/types.js';

// Carbon-aware `verdant run` (pause above, resume below)
export { carbonAwareController, type CarbonAwareOptions } from './carbon-aware-run.js';

// Plans over a provider's intensity, shared by the CLI and the server
export { planFromProvider, type PlanRequest, type PlanResult, type ZonePlan, type PlanFromProviderOptions } from './service/plan-request.js';
export { planResultJson, zonePlanJson } from './service/plan-json.js';
export { loadPriceFile } from './service/price-file.js';

// Simulator
export { simulate, type Scenario, type SimulationOptions, type SimulationResult, type SimulationRow, type SimulationTrace } from './simulator/simulate.js';
export { runSimulation, type SimulationRequest } from './simulator/study.js';
export { replay, type ReplayTotals, type JobDecision } from './simulator/replay.js';
export { periodicJobs, mlJobs, DEFAULT_ML, DEFAULT_PERIODIC, type SimJob, type PeriodicWorkload, type MlWorkload } from './simulator/workloads.js';
export { deadlineFor, DEFAULT_OFFICE_HOURS, type DeadlinePolicy, type OfficeHours } from './simulator/deadlines.js';
export { LocalCalendar } from './simulator/calendar.js';
export { noisyForecast } from './simulator/noise.js';
export { createRng, type Rng } from './simulator/prng.js';
export { formatTable, toCsv, savingsSeries, type SavingsSeries } from './simulator/report.js';
export { renderSavingsSvg, savingsChartSpec } from './simulator/chart.js';
export { SHIPPED_YEARS, SHIPPED_ZONES } from './simulator/zones.js';
export { loadShippedTrace, loadSimulationTrace, type TraceFileOptions } from './simulator/traces.js';

// Carbon policy
export { decide, decideWithReason, checkThresholds, type PauseThresholds, type PolicyAction, type PolicyDecision, type PolicyReason, type PolicyState } from './policy/decide.js';

// The job queue
export { JobQueue, type JobEvent } from './queue/job-queue.js';
export { jobToJson, ranSoFar, remainingS, type JobPlanSummary, type JobRecord, type PendingRequest } from './queue/record.js';
export type { JobRequest, JobRequestInput } from './queue/request.js';

// Executors: the registry, submit and cancel, the local scheduler, Slurm
export { defineExecutor, type Executor, type ExecutorContext, type ExecutorDescriptor, type JobHandle, type JobStatus } from './executor/types.js';
export { registerExecutor, executorDescriptor, executorDescriptors, executorNames, createExecutor, type ExecutorName } from './executor/registry.js';
export { parseJobRequest, assertJobRunnable } from './executor/job-request.js';
export { submitJob, type SubmitOptions } from './executor/submit.js';
export { cancelJob, pauseJob, resumeJob } from './executor/cancel.js';
export { pointsSource, providerSource, type IntensitySource } from './executor/intensity-source.js';
export { JobScheduler, type JobSchedulerOptions } from './executor/job-scheduler.js';
export { createServeScheduler, type ServeSchedulerOptions } from './executor/serve-scheduler.js';
export { createSchedulerMetrics, type SchedulerMetrics } from './executor/scheduler-metrics.js';
export { collectQueueMetrics } from './queue/queue-metrics.js';
export { LocalExecutor } from './executor/local-executor.js';
export { SlurmExecutor } from './executor/slurm/slurm-executor.js';
export type { JobRunner, RunnableJob, RunningJob, RunExit } from './executor/runner.js';
export { ProcessRunner } from './executor/process-runner.js';
export { TrackedRunner, type TrackedRunnerOptions } from './executor/tracked-runner.js';

// What if: a run's own power profile at its cleanest start within ±24 h, and in the user's other zones
export { runWhatIf, summarizeRunWithWhatIf, powerProfile, profileEmissionsG, WHAT_IF_WINDOW_S, WHAT_IF_STEP_S, type WhatIf, type WhatIfCase, type WhatIfOptions, type WhatIfSource, type PowerProfile } from './what-if/what-if.js';
