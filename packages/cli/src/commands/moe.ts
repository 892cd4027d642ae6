import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { action, setExitCode } from '../options/action.js';
import { printJson } from '../options/print.js';
import { withStore } from '../options/store.js';

// `verdant moe`: the MoE lab (@verdant/moe). Each subcommand checks its flags, calls one library function, renders.

interface TrainFlags {
  config?: string;
  name?: string;
  corpus?: string;
  data?: string;
  tokenizer?: string;
  size?: string;
  layers?: string;
  dModel?: string;
  heads?: string;
  seqLen?: string;
  experts?: string;
  expertHidden?: string;
  every?: string;
  dense?: string;
  router?: string;
  k?: string;
  capacityFactor?: string;
  dropPolicy?: string;
  softmax?: string;
  auxLoss?: string;
  zLoss?: string;
  biasRate?: string;
  seqAuxLoss?: string;
  lr?: string;
  warmup?: string;
  minLrRatio?: string;
  weightDecay?: string;
  clipNorm?: string;
  batch?: string;
  steps?: string;
  evalInterval?: string;
  evalBatches?: string;
  seed?: string;
  checkpointDir?: string;
  checkpointInterval?: string;
  region?: string;
  interval?: string;
  pue?: string;
  json?: boolean;
}

const num = (v: string | undefined): number | string | undefined => (v === undefined ? undefined : v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);

/** A JSON config file (flags override it). */
async function readConfigFile(path: string, field: string): Promise<Record<string, unknown>> {
  const { invalidInput } = await import('@verdant/core');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalidInput(field, `cannot be read: ${(e as Error).message}`, 'give a readable JSON file');
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw invalidInput(field, `is not a JSON object: ${(e as Error).message}`, 'see docs/moe.md for the fields');
  }
}

async function trainInput(o: TrainFlags): Promise<Record<string, unknown>> {
  const base = o.config ? await readConfigFile(o.config, '--config') : {};
  const set = (obj: Record<string, unknown>, key: string, v: unknown) => {
    if (v !== undefined) obj[key] = v;
  };
  const model = { ...((base.model as Record<string, unknown> | undefined) ?? {}) };
  set(model, 'layers', num(o.layers));
  set(model, 'dModel', num(o.dModel));
  set(model, 'heads', num(o.heads));
  set(model, 'seqLen', num(o.seqLen));
  set(model, 'experts', num(o.experts));
  set(model, 'dHidden', num(o.expertHidden));
  set(model, 'every', num(o.every));
  set(model, 'dense', o.dense);
  const baseRouter = (base.router as Record<string, unknown> | undefined) ?? {};
  const router: Record<string, unknown> = o.router !== undefined && o.router !== baseRouter.kind ? { kind: o.router } : { ...baseRouter };
  set(router, 'k', num(o.k));
  set(router, 'capacityFactor', o.capacityFactor === 'none' ? null : num(o.capacityFactor));
  set(router, 'dropPolicy', o.dropPolicy);
  set(router, 'softmax', o.softmax);
  set(router, 'auxLossCoef', num(o.auxLoss));
  set(router, 'zLossCoef', num(o.zLoss));
  set(router, 'biasUpdateRate', num(o.biasRate));
  set(router, 'seqAuxLossCoef', num(o.seqAuxLoss));
  const optimizer = { ...((base.optimizer as Record<string, unknown> | undefined) ?? {}) };
  set(optimizer, 'lr', num(o.lr));
  set(optimizer, 'warmupSteps', num(o.warmup));
  set(optimizer, 'minLrRatio', num(o.minLrRatio));
  set(optimizer, 'weightDecay', num(o.weightDecay));
  set(optimizer, 'clipNorm', num(o.clipNorm));
  const input: Record<string, unknown> = { ...base };
  if (Object.keys(model).length) input.model = model;
  if (Object.keys(router).length) input.router = router;
  if (Object.keys(optimizer).length) input.optimizer = optimizer;
  set(input, 'name', o.name);
  if (o.corpus !== undefined) {
    input.corpus = o.corpus;
    delete input.dataFile;
  }
  if (o.data !== undefined) {
    input.dataFile = o.data;
    delete input.corpus;
  }
  set(input, 'tokenizer', o.tokenizer);
  set(input, 'size', o.size);
  set(input, 'batch', num(o.batch));
  set(input, 'steps', num(o.steps));
  set(input, 'evalInterval', num(o.evalInterval));
  set(input, 'evalBatches', num(o.evalBatches));
  set(input, 'seed', num(o.seed));
  set(input, 'checkpointDir', o.checkpointDir);
  set(input, 'checkpointInterval', num(o.checkpointInterval));
  return input;
}

const fmt = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

function renderTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

type Summary = import('@verdant/moe').TrainSummary;

function renderSummary(s: Summary): string {
  const lines = [
    `training ${s.training_id} (${s.name}, ${s.router}) ${s.status}: ${s.steps}/${s.total_steps ?? '?'} steps, ${s.tokens} tokens`,
    `  loss ${fmt(s.final_loss)}, held-out loss ${fmt(s.eval_loss)}, ${fmt(s.tokens_per_s, 0)} tokens/s, ${fmt(s.energy_j, 1)} J, ${fmt(s.j_per_token === null ? null : s.j_per_token * 1000, 3)} mJ/token`,
    `  runs: ${s.run_ids.join(', ')}`,
  ];
  if (s.layers.length > 0) {
    lines.push(renderTable([
      ['layer', 'cv', 'maxvio', 'global', 'H(token)', 'H(marg)', 'dropped', 'dead', 'aux', 'z', 'top1chg', 'load'],
      ...s.layers.map((l) => [
        String(l.layer), fmt(l.cv, 3), fmt(l.maxVio, 3), fmt(l.globalMaxVio, 3), fmt(l.tokenEntropy, 3), fmt(l.marginalEntropy, 3),
        fmt(l.droppedFraction, 3), String(l.dead.length), fmt(l.auxLoss, 3), fmt(l.zLoss, 3), fmt(l.top1Change, 3), l.loadBefore.join(' '),
      ]),
    ]).replace(/^/gm, '  '));
  }
  for (const l of s.layers) {
    const extra = [
      `share ${l.share.map((v) => v.toFixed(3)).join(' ')}`,
      `load after capacity ${l.loadAfter.join(' ')}`,
      `unrouted ${fmt(l.unroutedFraction, 3)}`,
      `dead [${l.dead.join(' ')}] near-dead [${l.nearDead.join(' ')}]`,
      ...(l.seqAuxLoss !== null ? [`seq aux ${fmt(l.seqAuxLoss, 3)}`] : []),
      ...(l.bias ? [`bias ${l.bias.map((v) => v.toFixed(4)).join(' ')}`] : []),
      ...(l.expertsPerToken !== null ? [`experts/token ${fmt(l.expertsPerToken, 3)}`] : []),
    ];
    lines.push(`  layer ${l.layer}: ${extra.join(', ')}`);
  }
  for (const n of s.notes) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n`;
}

function writeCsv(target: string, text: string): void {
  if (target === '-') process.stdout.write(text);
  else writeFileSync(target, text);
}

export function register(program: Command): void {
  const moe = program.command('moe').description('The MoE lab: train Mixture-of-Experts models, watch their routers, measure their energy');

  moe
    .command('train')
    .description('Train a MoE (or dense) language model as a measured Verdant run; checkpoints and resumes (docs/moe.md)')
    .option('--config <file>', 'JSON training config (docs/moe.md); flags override it')
    .option('--name <name>', 'a name for the training')
    .option('--corpus <name>', 'bundled corpus: moby-dick (default) or synthetic (a fast deterministic task)')
    .option('--data <file>', 'train on this UTF-8 text file instead')
    .addOption(new Option('--tokenizer <kind>', 'byte (default) or char').choices(['byte', 'char']))
    .addOption(new Option('--size <size>', 'model size preset (default tiny)').choices(['tiny', 'small', 'reference']))
    .option('--layers <n>', 'blocks')
    .option('--d-model <n>', 'model width')
    .option('--heads <n>', 'attention heads')
    .option('--seq-len <n>', 'sequence length')
    .option('--experts <n>', 'experts per MoE layer')
    .option('--expert-hidden <n>', 'hidden width of each expert')
    .option('--every <n>', '1: MoE FFN in every block, 2: every other block')
    .addOption(new Option('--dense <match>', 'train the dense baseline instead: equal active or total parameters').choices(['active', 'total']))
    .option('--router <kind>', 'switch (default), topk, gshard, expert-choice, aux-free, noisy-topk')
    .option('--k <n>', 'experts per token (topk, aux-free, noisy-topk)')
    .option('--capacity-factor <f>', 'capacity factor, or "none" for dropless')
    .addOption(new Option('--drop-policy <policy>', 'which assignments an over-full expert keeps').choices(['position', 'probability']))
    .addOption(new Option('--softmax <when>', 'topk: softmax before or after the top-k').choices(['pre', 'post']))
    .option('--aux-loss <alpha>', 'Switch load-balancing loss coefficient')
    .option('--z-loss <beta>', 'router z-loss coefficient')
    .option('--bias-rate <gamma>', 'aux-free bias update rate')
    .option('--seq-aux-loss <alpha>', 'aux-free sequence-wise balance loss coefficient')
    .option('--lr <lr>', 'AdamW peak learning rate (default 1e-3)')
    .option('--warmup <steps>', 'linear warm-up steps (default steps/10), then cosine decay')
    .option('--min-lr-ratio <r>', 'the cosine ends at r × lr (default 0.1)')
    .option('--weight-decay <wd>', 'decoupled weight decay (default 0.1)')
    .option('--clip-norm <n>', 'global gradient-norm clip (default 1, 0: none)')
    .option('--batch <n>', 'sequences per step (default 8)')
    .option('--steps <n>', 'training steps (default 100)')
    .option('--eval-interval <n>', 'steps between held-out evaluations (default steps/10)')
    .option('--eval-batches <n>', 'batches of the fixed held-out set (default 2)')
    .option('--seed <n>', 'seed of weights, batches and router noise (default 1): same seed, same result')
    .option('--checkpoint-dir <dir>', 'save checkpoints here and resume from the one found there')
    .option('--checkpoint-interval <n>', 'save every n steps (default: only on the checkpoint signal and at the end)')
    .option('--region <zone>', 'grid zone or cloud region the measured run is charged in')
    .option('--interval <duration>', 'sampling interval of the measurement', '1s')
    .option('--pue <n>', 'power usage effectiveness', '1.0')
    .option('--json', "print the training's summary as JSON")
    .action(
      action(async (o: TrainFlags) => {
        const [{ parseTrainConfig, moeTrain, MOE_CHILD_ENV }, { runIntensity }] = await Promise.all([import('@verdant/moe'), import('../options/intensity.js')]);
        const config = parseTrainConfig(await trainInput(o), process.cwd());
        const child = process.env[MOE_CHILD_ENV] === '1';
        const measured = Boolean(process.env.VERDANT_RUN_ID);
        const { summary, exitCode } = await moeTrain({
          config,
          ...(measured ? {} : { childArgv: [process.execPath, ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], lookup: await runIntensity(o), intervalS: o.interval ?? '1s', pue: o.pue ?? '1.0' }),
          onNotice: (m) => process.stderr.write(`verdant: ${m}\n`),
        });
        if (!child) {
          if (o.json) printJson(summary);
          else process.stderr.write(renderSummary(summary));
        }
        setExitCode(exitCode);
      }),
    );

  moe
    .command('list')
    .description('MoE trainings in the store, newest first')
    .option('--json', 'print them as JSON')
    .action(
      action(async (o: { json?: boolean }) => {
        const { MoeStore } = await import('@verdant/moe');
        await withStore(async (store) => {
          const list = await MoeStore.of(store).list();
          if (o.json) return printJson({ trainings: list });
          process.stdout.write(`${renderTable([
            ['id', 'name', 'source', 'status', 'steps', 'loss'],
            ...list.map((t) => [t.id, t.name, t.source, t.status, `${t.stepsDone}/${t.totalSteps ?? '?'}`, fmt(t.finalLoss)]),
          ])}\n`);
        });
      }),
    );

  moe
    .command('show')
    .description("A training's loss and every router metric per layer (id, run id or prefix)")
    .argument('<run>', 'training id, the id of one of its runs, or a unique prefix')
    .option('--json', 'print everything as JSON (summary, config, steps, layer metrics)')
    .option('--csv <file>', "write one row per step and layer ('-' for stdout)")
    .action(
      action(async (id: string, o: { json?: boolean; csv?: string }) => {
        const { trainingReport, reportCsv } = await import('@verdant/moe');
        await withStore(async (store) => {
          const r = await trainingReport(store, id);
          if (o.csv !== undefined) writeCsv(o.csv, reportCsv(r));
          if (o.json) printJson(r);
          else if (o.csv !== '-') {
            const every = Math.max(1, Math.ceil(r.steps.length / 10));
            const shown = r.steps.filter((s, i) => s.step % every === 0 || i === 0 || i === r.steps.length - 1);
            process.stdout.write(renderSummary(r.summary));
            process.stdout.write(`${renderTable([
              ['step', 'tokens', 'wall s', 'energy J', 'loss', 'held-out'],
              ...shown.map((s) => [String(s.step), String(s.tokens), fmt(s.wallS, 1), fmt(s.energyJ, 1), fmt(s.loss), fmt(s.evalLoss)]),
            ])}\n`);
          }
        });
      }),
    );

  moe
    .command('compare')
    .description('Loss against tokens, wall time and joules of several trainings, and a final table')
    .argument('<runs...>', 'training ids, run ids or prefixes')
    .option('--json', 'print the curves and summaries as JSON')
    .option('--csv <file>', "write one row per training and step ('-' for stdout)")
    .action(
      action(async (ids: string[], o: { json?: boolean; csv?: string }) => {
        const { compareTrainings, comparisonCsv } = await import('@verdant/moe');
        await withStore(async (store) => {
          const c = await compareTrainings(store, ids);
          if (o.csv !== undefined) writeCsv(o.csv, comparisonCsv(c));
          if (o.json) printJson(c);
          else if (o.csv !== '-') {
            process.stdout.write(`${renderTable([
              ['training', 'name', 'router', 'steps', 'tokens', 'loss', 'held-out', 'tokens/s', 'energy J', 'mJ/token', 'maxvio', 'dropped'],
              ...c.trainings.map(({ summary: s }) => {
                const mean = (f: (l: Summary['layers'][number]) => number) => (s.layers.length ? s.layers.reduce((a, l) => a + f(l), 0) / s.layers.length : null);
                return [
                  s.training_id, s.name, s.router, String(s.steps), String(s.tokens), fmt(s.final_loss), fmt(s.eval_loss), fmt(s.tokens_per_s, 0),
                  fmt(s.energy_j, 1), fmt(s.j_per_token === null ? null : s.j_per_token * 1000, 3), fmt(mean((l) => l.maxVio), 3), fmt(mean((l) => l.droppedFraction), 3),
                ];
              }),
            ])}\n`);
            for (const { summary: s } of c.trainings) for (const n of s.notes) process.stdout.write(`note (${s.training_id}): ${n}\n`);
          }
        });
      }),
    );

  moe
    .command('sweep')
    .description('Train every combination of a grid of configs, two processes at once, each a measured run')
    .requiredOption('--grid <json>', 'JSON object of dotted config fields to lists, e.g. \'{"router.kind":["switch","gshard"],"seed":[1,2]}\'')
    .option('--config <file>', 'base JSON training config')
    .option('--parallel <n>', 'trainings at once (default 2: one per core)', '2')
    .option('--json', 'print the summaries as JSON')
    .action(
      action(async (o: { grid: string; config?: string; parallel: string; json?: boolean }) => {
        const [{ expandGrid, runSweep }, { invalidInput }] = await Promise.all([import('@verdant/moe'), import('@verdant/core')]);
        let grid: Record<string, unknown>;
        try {
          grid = JSON.parse(o.grid) as Record<string, unknown>;
        } catch (e) {
          throw invalidInput('--grid', `is not JSON: ${(e as Error).message}`, 'e.g. \'{"router.kind":["switch","gshard"]}\'');
        }
        const base = o.config ? await readConfigFile(o.config, '--config') : {};
        const parallel = Number(o.parallel);
        if (!Number.isInteger(parallel) || parallel < 1) throw invalidInput('--parallel', `must be a whole number >= 1, got ${o.parallel}`, 'give how many trainings run at once, e.g. 2 (one per core)');
        const configs = expandGrid(base, grid, process.cwd());
        const results = await runSweep({
          configs,
          parallel,
          argvFor: (file) => [process.execPath, ...process.execArgv, process.argv[1]!, 'moe', 'train', '--config', file, '--json'],
          onNotice: (m) => process.stderr.write(`verdant: ${m}\n`),
        });
        if (o.json) printJson({ trainings: results.map((r) => ({ config: r.config, exit_code: r.exitCode, summary: r.summary })) });
        else {
          process.stdout.write(`${renderTable([
            ['name', 'training', 'exit', 'loss', 'held-out', 'energy J', 'mJ/token'],
            ...results.map((r) => [String(r.config.name), r.summary?.training_id ?? '-', String(r.exitCode), fmt(r.summary?.final_loss), fmt(r.summary?.eval_loss), fmt(r.summary?.energy_j, 1), fmt(r.summary?.j_per_token ? r.summary.j_per_token * 1000 : null, 3)]),
          ])}\n`);
        }
        if (results.some((r) => r.exitCode !== 0)) setExitCode(1);
      }),
    );

  moe
    .command('study')
    .description('Train the routers and the dense baseline of equal active parameters on the same tokens; write a table and SVG charts (docs/moe.md)')
    .option('--config <file>', 'base JSON training config (default: the study of docs/moe.md); the arms set the router')
    .option('--arms <list>', 'comma-separated: switch, gshard, expert-choice, aux-free, noisy-topk, dense', 'switch,gshard,expert-choice,aux-free,noisy-topk,dense')
    .option('--out <dir>', 'where study.md, study.json and the charts go', 'moe-study')
    .option('--steps <n>', 'training steps of every arm (overrides the config)')
    .option('--seed <n>', 'the seed of every arm (overrides the config)')
    .option('--parallel <n>', 'trainings at once (default 2: one per core)', '2')
    .option('--from <ids>', 'comma-separated stored trainings, one per arm: redraw the table and charts without training')
    .option('--json', 'print the rows as JSON')
    .action(
      action(async (o: { config?: string; arms: string; out: string; steps?: string; seed?: string; parallel: string; from?: string; json?: boolean }) => {
        const [{ runStudy, STUDY_BASE }, { invalidInput }] = await Promise.all([import('@verdant/moe'), import('@verdant/core')]);
        const base: Record<string, unknown> = o.config ? await readConfigFile(o.config, '--config') : { ...STUDY_BASE };
        if (o.steps !== undefined) base.steps = num(o.steps);
        if (o.seed !== undefined) base.seed = num(o.seed);
        const parallel = Number(o.parallel);
        if (!Number.isInteger(parallel) || parallel < 1) throw invalidInput('--parallel', `must be a whole number >= 1, got ${o.parallel}`, 'give how many trainings run at once, e.g. 2 (one per core)');
        const arms = o.arms.split(',').map((a) => a.trim()).filter(Boolean);
        await withStore(async (store) => {
          const r = await runStudy({
            base, arms: arms as import('@verdant/moe').StudyArm[], outDir: o.out, cwd: process.cwd(), store, parallel,
            ...(o.from !== undefined ? { trainings: o.from.split(',').map((x) => x.trim()) } : {}),
            argvFor: (file) => [process.execPath, ...process.execArgv, process.argv[1]!, 'moe', 'train', '--config', file, '--json'],
            onNotice: (m) => process.stderr.write(`verdant: ${m}\n`),
          });
          if (o.json) printJson({ rows: r.rows, files: r.files.map((f) => join(o.out, f)) });
          else process.stdout.write(`${r.table}\nwrote ${r.files.map((f) => join(o.out, f)).join(', ')}\n`);
        });
      }),
    );
}
