import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { z } from 'zod';
import { Store } from '@verdant/core';
import { register } from '../../cli/src/commands/agent.js';
import { setExitCode, takeExitCode } from '../../cli/src/options/action.js';
import { runAgent, tool, type ModelAdapter, type ModelEvent } from '../src/index.js';

const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-agent-runs-cli-')), 'v.db')}`;

/** Runs `verdant <args>` in-process with only the agent command registered. */
async function cli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const program = new Command('verdant').exitOverride();
  register(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    await program.parseAsync(['node', 'verdant', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = takeExitCode();
  setExitCode(0);
  return { stdout, stderr, code };
}

function scripted(): ModelAdapter {
  let turn = 0;
  return {
    vendor: 'scripted',
    modelId: 'm1',
    async *stream(): AsyncIterable<ModelEvent> {
      if (++turn === 1) {
        yield { type: 'tool-call-complete', index: 0, id: 'c1', name: 'echo', args: { text: 'hi' }, rawArgs: '{"text":"hi"}' };
        yield { type: 'tool-call-complete', index: 1, id: 'c2', name: 'ghost', args: {}, rawArgs: '{}' };
        yield { type: 'usage', usage: { inputTokens: 7, outputTokens: 3 } };
        yield { type: 'finish', reason: 'tool-calls' };
      } else {
        yield { type: 'text-delta', text: 'done' };
        yield { type: 'finish', reason: 'stop' };
      }
    },
  };
}

let runId: string;
beforeAll(async () => {
  vi.stubEnv('VERDANT_DATABASE_URL', url);
  const store = await Store.open({ url });
  try {
    const echo = tool({ name: 'echo', description: '', input: z.object({ text: z.string() }), execute: ({ text }) => text });
    const run = runAgent({ model: scripted(), tools: [echo], messages: [{ role: 'user', content: 'x' }], record: { store, name: 'cli test' } });
    await run.result;
    runId = run.runId!;
  } finally {
    await store.close();
  }
});
afterAll(() => vi.unstubAllEnvs());

describe('verdant agent runs', () => {
  it('list prints the recorded run; --json as the API', async () => {
    const human = await cli(['agent', 'runs', 'list']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`${runId}\\s+finished .* 2\\s+7/3\\s+cli test`));
    const json = JSON.parse((await cli(['agent', 'runs', 'list', '--json'])).stdout) as { runs: Array<Record<string, unknown>> };
    expect(json.runs[0]).toMatchObject({ id: runId, status: 'finished', steps: 2, input_tokens: 7, output_tokens: 3 });
  });

  it('show prints each turn and call with its times and marks the critical path; --json the API document', async () => {
    const human = await cli(['agent', 'runs', 'show', runId]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('turn 1: model +');
    expect(human.stdout).toMatch(/echo c1: ok, dispatched \+\d+\.\d{3} s, started \+\d+\.\d{3} s, ended \+\d+\.\d{3} s/);
    expect(human.stdout).toMatch(/ghost c2: unknown-tool, .*started - s.*unknown tool "ghost"/);
    expect(human.stdout).toContain('* the call on the critical path of its turn');
    const doc = JSON.parse((await cli(['agent', 'runs', 'show', runId, '--json'])).stdout) as { calls: unknown[]; turns: unknown[] };
    expect(doc.calls).toHaveLength(2);
    expect(doc.turns).toHaveLength(2);
  });

  it('an unknown id and a bad --limit are errors naming the field, with no stack trace', async () => {
    const missing = await cli(['agent', 'runs', 'show', 'arun_nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no agent run "arun_nope"');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const bad = await cli(['agent', 'runs', 'list', '--limit', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--limit');
  });
});
