import type { Command } from 'commander';
import type { DemoMode } from '@verdant/agents/demo';
import { action } from '../options/action.js';
import { printJson } from '../options/print.js';
import { withStore } from '../options/store.js';

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

  const runs = agent.command('runs').description('Agent runs recorded in the store (runAgent with `record`)');
  runs
    .command('list')
    .description('List recorded agent runs, newest first')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON (as GET /api/agent-runs)')
    .action(
      action(async (o: { limit: string; json?: boolean }) => {
        const [{ parseWholeNumber, toIso }, { listAgentRuns, agentRunListItem }] = await Promise.all([import('@verdant/core'), import('@verdant/agents')]);
        const limit = parseWholeNumber(o.limit, '--limit', 1);
        await withStore(async (store) => {
          const rows = await listAgentRuns(store, { limit });
          if (o.json) return printJson({ runs: rows.map(agentRunListItem) });
          if (rows.length === 0) return void process.stderr.write(`verdant: no agent runs yet in ${store.location}\n`);
          const idWidth = Math.max('run_id'.length, ...rows.map((r) => r.id.length));
          process.stdout.write(`${'run_id'.padEnd(idWidth)}  ${'status'.padEnd(9)}  ${'started (UTC)'.padEnd(19)}  ${'duration'.padStart(9)}  steps  ${'tokens in/out'.padStart(15)}  name\n`);
          for (const r of rows) {
            const duration = r.endedAt === null ? '-' : `${(r.endedAt - r.startedAt).toFixed(2)} s`;
            process.stdout.write(
              `${r.id.padEnd(idWidth)}  ${r.status.padEnd(9)}  ${toIso(r.startedAt).slice(0, 19)}  ${duration.padStart(9)}  ${String(r.steps).padStart(5)}  ${`${r.inputTokens}/${r.outputTokens}`.padStart(15)}  ${r.name}\n`,
            );
          }
        });
      }),
    );
  runs
    .command('show')
    .description('Show one recorded agent run: its turns and each call with its waits and times')
    .argument('<id>', 'agent run id (from `verdant agent runs list`)')
    .option('--json', 'print JSON (as GET /api/agent-runs/:id)')
    .action(
      action(async (id: string, o: { json?: boolean }) => {
        const [{ toIso }, { getAgentRun, agentRunDocument }] = await Promise.all([import('@verdant/core'), import('@verdant/agents')]);
        await withStore(async (store) => {
          const r = await getAgentRun(store, id);
          if (o.json) return printJson(agentRunDocument(r));
          const out = (line: string) => process.stdout.write(`${line}\n`);
          out(`${r.id}  ${r.name}  ${r.vendor}/${r.model}  ${r.status}${r.finishReason ? ` (${r.finishReason})` : ''}`);
          out(`started ${toIso(r.startedAt)}${r.endedAt === null ? '' : `, ${(r.endedAt - r.startedAt).toFixed(3)} s`}; ${r.steps} steps; tokens ${r.inputTokens} in / ${r.outputTokens} out${r.costUsd === null ? '' : `; $${r.costUsd.toFixed(6)}`}`);
          if (r.error) out(`error: ${r.error}`);
          const rel = (t: number | null) => (t === null ? '-' : `+${(t - r.startedAt).toFixed(3)}`);
          for (const t of r.turns) {
            out(`turn ${t.step}: model ${rel(t.startedAt)} → ${rel(t.endedAt)} s, first token ${rel(t.firstTokenAt)} s, ${t.finishReason ?? t.error ?? 'running'}, tokens ${t.inputTokens}/${t.outputTokens}`);
            const critical = r.criticalPath.find((p) => p.step === t.step);
            for (const c of r.calls.filter((c) => c.step === t.step)) {
              const mark = critical?.seq === c.seq ? ' *' : '';
              out(
                `  ${c.tool} ${c.callId}: ${c.status}, dispatched ${rel(c.dispatchedAt)} s, started ${rel(c.startedAt)} s, ended ${rel(c.endedAt)} s, queue ${c.queueWaitS === null ? '-' : c.queueWaitS.toFixed(3)} s (rate ${c.rateWaitS.toFixed(3)} s), attempts ${c.attempts}${c.error ? `, ${c.error.split('\n')[0]}` : ''}${mark}`,
              );
            }
          }
          if (r.criticalPath.length > 0) out('* the call on the critical path of its turn');
        });
      }),
    );
}
