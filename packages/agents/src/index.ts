export type {
  // Tools
  Tool,
  ToolCall,
  ToolContext,
  ToolDefinition,
  ToolErrorKind,
  ToolLimits,
  ToolResult,
  RateLimitStore,
  // Messages
  Message,
  SystemMessage,
  UserMessage,
  AssistantMessage,
  ToolResultsMessage,
  ToolResultContent,
  // Model adapters (one per vendor)
  ModelAdapter,
  ModelRequest,
  ModelEvent,
  FinishReason,
  Usage,
  PricingTable,
  // The agent loop
  AgentEvent,
  AgentFinishReason,
  AgentResult,
  StepResult,
} from './types.js';
export { tool, toToolDefinition, type ToolSpec, type ZodInputSchemaToolSpec, type JsonSchemaToolSpec, type JsonSchemaObject } from './tool.js';
export type { ParsedArgs } from './types.js';
export type { UnknownArgsPolicy } from './schema/args.js';
export { repairWithModel, type RepairToolCall, type RepairRequest, type RepairedCall, type RepairWithModelOptions, type RepairableErrorKind } from './repair.js';
export { ToolExecutor, type PendingToolCall, type RunCallOptions, type ToolExecutorOptions } from './executor/executor.js';
export { runAgent, toResultContent, type AgentRun, type RunAgentOptions } from './agent.js';
export { openaiCompatible, type OpenAICompatibleOptions } from './models/openai.js';
export { anthropic, type AnthropicOptions } from './models/anthropic.js';
export { modelRetryPolicy, type HttpModelOptions, type ModelRetryOptions } from './models/http.js';
export { ModelHttpError, ModelStreamError, ToolUnavailableError, isRetryableModelError } from './errors.js';
export { addUsage, costUsd } from './usage.js';
export { anySignal } from './abort.js';
export { runPlan, executorInvoker, type RunPlanOptions, type PlanEvent, type PlanResult, type PlanRound, type PlanFinishReason, type PlanRun } from './plan/run-plan.js';
export { PlanStreamParser, parsePlanLine, substituteReferences, JOIN_TOOL, type PlanTask } from './plan/parse.js';
export { PlanScheduler, type PlanSchedulerOptions, type SchedulerEvent, type TaskInvoker, type TaskOutcome, type TaskSuccess, type TaskFailure } from './plan/scheduler.js';
export { criticalPathMs, type TimedTask } from './plan/critical-path.js';
export { RedisRateLimiter, type RedisRateLimiterOptions, type RateGrant, type RateQuota } from './redis/rate-limiter.js';
export { createAgentMetrics, BREAKER_STATE_VALUE, type AgentMetrics } from './metrics/prometheus.js';
export type { ToolCallObserver, BreakerState, CallOutcome } from './metrics/observer.js';
export { TRACER_NAME, ATTR as TRACE_ATTRIBUTES } from './tracing.js';
export { listAgentRuns, getAgentRun, agentRunListItem, agentRunDocument, type AgentRunSummary, type AgentRunDetail, type AgentTurnRecord, type AgentCallRecord, type AgentRunStatus } from './record/store.js';
export type { RecordOptions } from './record/recorder.js';
