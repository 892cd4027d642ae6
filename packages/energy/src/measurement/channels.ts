import type { Store } from '@verdant/core';

/**
 * Run channels: side channels through which a measured command reports more than its energy (router metrics of
 * a MoE training from PyTorch: @verdant/moe's `moeRunChannel`). A channel gives the command environment variables
 * (a file to write to), reads what it wrote with each of the tracker's store writes, and stores the rest once the
 * run has ended. Every measured command (`verdant run`'s `measureCommand`, the scheduler's tracked runner: both
 * go through `runCommand`) opens every registered channel, so a channel added here reaches all of them.
 *
 * This package knows no channel: the packages that provide one export its descriptor, and the composition root
 * (the CLI) registers it (docs/decisions.md, "Run channels").
 */
export interface RunChannelContext {
  /** The run's id, known before the command starts (it is given VERDANT_RUN_ID). */
  runId: string;
  /** The run's name. */
  name: string;
  /** Where the run is recorded; undefined when it is measured without a store (then nothing is stored). */
  store: Store | undefined;
}

/** One channel of one measured command. */
export interface RunChannel {
  /** Variables added to the command's environment (where it writes). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Stores what the command wrote since the last call. Called after each of the tracker's writes, once the run is
   * recorded, never twice at a time; a rejection is reported as a warning and the next call tries again.
   */
  poll?(): Promise<void>;
  /**
   * The run has ended and is written with its final status: store the rest and release what the channel holds
   * (its file). Called once, also when the command failed to start; a rejection is reported as a warning.
   */
  finish(): Promise<void>;
}

export interface RunChannelDescriptor {
  /** A short name, in warnings ("moe: cannot store …"). */
  name: string;
  /** Opens the channel of one command, before it starts. Throwing refuses the run (a VerdantError naming a field and a fix). */
  open(ctx: RunChannelContext): RunChannel | Promise<RunChannel>;
}

/** Identity, for a descriptor's type to be checked where it is written. */
export function defineRunChannel(descriptor: RunChannelDescriptor): RunChannelDescriptor {
  return descriptor;
}

const registered: RunChannelDescriptor[] = [];

/**
 * Adds a channel for every later measured command in this process (the same descriptor twice counts once); returns
 * a function that removes it.
 */
export function registerRunChannel(descriptor: RunChannelDescriptor): () => void {
  if (!registered.includes(descriptor)) registered.push(descriptor);
  return () => {
    const i = registered.indexOf(descriptor);
    if (i >= 0) registered.splice(i, 1);
  };
}

/** The registered channels, in the order they were registered. */
export function runChannels(): readonly RunChannelDescriptor[] {
  return [...registered];
}

/** A channel that is open, with the name of its kind (for warnings). */
export interface OpenRunChannel {
  name: string;
  channel: RunChannel;
}

/**
 * Opens `descriptors` for one command. When one throws, those already open are finished (their files removed)
 * and the error goes on.
 */
export async function openRunChannels(descriptors: readonly RunChannelDescriptor[], ctx: RunChannelContext): Promise<OpenRunChannel[]> {
  const open: OpenRunChannel[] = [];
  try {
    for (const d of descriptors) open.push({ name: d.name, channel: await d.open(ctx) });
  } catch (e) {
    await Promise.all(open.map((c) => c.channel.finish().catch(() => undefined)));
    throw e;
  }
  return open;
}
