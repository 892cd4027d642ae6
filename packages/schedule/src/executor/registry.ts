import { ExitCode, VerdantError } from '@verdant/core';
import { localExecutor } from './local-executor.js';
import { slurmExecutor } from './slurm/slurm-executor.js';
import type { Executor, ExecutorContext, ExecutorDescriptor } from './types.js';

/** The executors Verdant ships, one line each; the first is the default. */
export const EXECUTORS = [
  localExecutor,
  slurmExecutor,
] as const;

/** An executor's name: the shipped ones ("local" | "slurm") or any registered later. */
export type ExecutorName = (typeof EXECUTORS)[number]['name'] | (string & {});

const registered: ExecutorDescriptor[] = [...EXECUTORS];

/**
 * Adds an executor (a plugin, or a test's stand-in): from this call on, job requests accept its name and
 * submit, cancel and the scheduler's passes go through it. Returns a function that removes it again. A
 * name already registered is refused.
 */
export function registerExecutor(descriptor: ExecutorDescriptor): () => void {
  if (registered.some((d) => d.name === descriptor.name)) {
    throw new VerdantError(`an executor named "${descriptor.name}" is already registered`, { field: 'executor', fix: 'give the executor another name', exitCode: ExitCode.usage });
  }
  registered.push(descriptor);
  return () => {
    const i = registered.indexOf(descriptor);
    if (i > 0) registered.splice(i, 1); // the default stays
  };
}

/** The registered executors, the default first. */
export function executorDescriptors(): readonly ExecutorDescriptor[] {
  return [...registered];
}

export function executorNames(): string[] {
  return registered.map((d) => d.name);
}

/** The executor a request without one gets (the local scheduler). */
export function defaultExecutorName(): string {
  return registered[0]!.name;
}

/** The descriptor of a registered executor; an unknown name is bad input naming `field` and the known names. */
export function executorDescriptor(name: string, field = 'executor'): ExecutorDescriptor {
  const d = registered.find((x) => x.name === name);
  if (!d) throw new VerdantError(`unknown executor "${name}"`, { field, fix: `use one of: ${executorNames().join(', ')}`, exitCode: ExitCode.usage });
  return d;
}

/** Builds the named executor. */
export function createExecutor(name: string, context: ExecutorContext): Executor {
  return executorDescriptor(name).create(context);
}
