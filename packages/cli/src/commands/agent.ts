import type { Command } from 'commander';
import type { DemoMode } from '@verdant/agents/demo';
import { action } from '../options/action.js';
import { printJson } from '../options/print.js';

/** The demo's modes (as @verdant/agents' DEMO_MODES; listed here so `--help` does not load the library). */
const DEMO_MODES: readonly DemoMode[] = ['sequential', 'parallel', 'eager', 'plan'];

export function register(program: Command): void {
  const agent = program.command('agent').description('LLM tool-call orchestration');

  agent
    .command('demo')
    .description('Run one research task sequentially, in parallel, with eager dispatch and in plan mode against a bundled scripted model; print wall times and the critical-path bound')
    .option('--mode <mode>', `one of ${DEMO_MODES.join(', ')}, all`, 'all')
    .option('--seed <n>', 'seed of the simulated tool latencies', '1')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { mode: string; seed: string; json?: boolean }) => {
        const [{ invalidInput }, { runDemo }] = await Promise.all([import('@verdant/core'), import('@verdant/agents/demo')]);
        if (o.mode !== 'all' && !(DEMO_MODES as readonly string[]).includes(o.mode)) {
          throw invalidInput('--mode', `unknown mode "${o.mode}"`, `use one of: ${DEMO_MODES.join(', ')}, all`);
        }
        const seed = Number(o.seed);
        if (!Number.isInteger(seed)) throw invalidInput('--seed', `must be a whole number, got ${o.seed}`);
        const report = await runDemo({
          mode: o.mode as DemoMode | 'all',
          seed,
          ...(o.json ? {} : { print: (line: string) => process.stdout.write(`${line}\n`) }),
        });
        if (o.json) {
          printJson({
            question: report.question,
            critical_path_ms: report.criticalPathMs,
            serial_tool_ms: report.serialToolMs,
            modes: report.modes.map((m) => ({
              mode: m.mode,
              wall_ms: m.wallMs,
              ratio_to_critical_path: m.ratioToCriticalPath,
              tool_calls: m.toolCalls,
              max_concurrent_calls: m.maxConcurrentCalls,
              calls_overlapping_model: m.callsOverlappingModel,
              answer: m.answer,
            })),
          });
        }
      }),
    );
}
