import { afterEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { register } from '../../cli/src/commands/agent.js';
import { setExitCode, takeExitCode } from '../../cli/src/options/action.js';

/** Runs `verdant <args>` in-process with only the agent command registered; returns stdout and stderr. */
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

afterEach(() => vi.restoreAllMocks());

describe('verdant agent demo', () => {
  it('--json prints one object with the critical path and each mode', async () => {
    const { stdout, code } = await cli(['agent', 'demo', '--mode', 'plan', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.critical_path_ms).toBeGreaterThan(0);
    expect(report.modes).toHaveLength(1);
    expect(report.modes[0]).toMatchObject({ mode: 'plan', tool_calls: 7, answer: expect.stringContaining('606 gCO2e/kWh') });
    expect(report.modes[0].wall_ms).toBeGreaterThanOrEqual(report.critical_path_ms);
  });

  it('prints a line per mode for humans', async () => {
    const { stdout, code } = await cli(['agent', 'demo', '--mode', 'plan']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^plan +\d+ ms {2}\d+\.\d\dx critical path {2}7 calls/m);
    expect(stdout).toMatch(/^critical path \(tools only\): \d+ ms/m);
  });

  it('rejects an unknown mode with the usage exit code, naming the option', async () => {
    const { stderr, code } = await cli(['agent', 'demo', '--mode', 'warp']);
    expect(code).toBe(2);
    expect(stderr).toContain('--mode: unknown mode "warp"');
  });
});
