// The study of docs/moe.md at a tiny size, trained in this process: every arm trained on the same tokens, the dense
// arm with the MoE arms' active parameters, a table row per arm, and SVG charts with a series per arm (SQLite and
// PostgreSQL).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '@verdant/core';
import { rejection, testStores, thrown } from '@verdant/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfigInput } from '../src/lab/config.js';
import { MoeStore } from '../src/lab/store.js';
import { STUDY_ARMS, runStudy, studyConfigs } from '../src/lab/study.js';

const TINY: TrainConfigInput = {
  corpus: 'synthetic', tokenizer: 'char',
  model: { layers: 2, dModel: 16, heads: 2, seqLen: 16, experts: 4, dHidden: 8 },
  batch: 2, steps: 6, evalInterval: 3, evalBatches: 1, seed: 4,
};
const LABELS = ['Switch top-1', 'GShard top-2', 'Expert Choice', 'aux-loss-free', 'noisy top-2', 'dense (equal active)'];

/** Well-formed SVG: an <svg> root in the SVG namespace, and every element closed in order. */
function checkSvg(text: string): void {
  expect(text.trimStart().startsWith('<svg')).toBe(true);
  expect(text).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const stack: string[] = [];
  for (const m of text.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else if (!m[3]) stack.push(m[2]!);
  }
  expect(stack).toEqual([]);
}

/** The texts of an SVG's <text> elements. */
const texts = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));

describe('study configs', () => {
  it('sets the router per arm, matches the active FFN width and refuses a base that sets the router', () => {
    const c = studyConfigs(TINY, STUDY_ARMS, '/');
    expect(c.map((a) => a.arm)).toEqual([...STUDY_ARMS]);
    const byArm = Object.fromEntries(c.map((a) => [a.arm, a.config])) as Record<string, TrainConfigInput>;
    expect(byArm.switch).toMatchObject({ router: { kind: 'switch' }, model: { dHidden: 16 } }); // top-1: twice as wide
    expect(byArm.gshard).toMatchObject({ router: { kind: 'gshard' }, model: { dHidden: 8 } });
    expect(byArm.dense).toMatchObject({ model: { dense: 'active', dHidden: 8 } });
    for (const a of c) expect(a.config).toMatchObject({ seed: 4, steps: 6, batch: 2 });
    expect(thrown(() => studyConfigs({ ...TINY, router: { kind: 'switch' } }, ['gshard'], '/')).field).toBe('router');
    expect(thrown(() => studyConfigs(TINY, ['nope' as never], '/')).field).toBe('arms');
    expect(thrown(() => studyConfigs(TINY, [], '/')).field).toBe('arms');
    // The base config's errors keep their own field and fix.
    expect(thrown(() => studyConfigs({ ...TINY, model: { heads: 3 } }, ['gshard'], '/'))).toMatchObject({ field: 'model.heads', fix: expect.any(String) });
    expect(thrown(() => studyConfigs({ ...TINY, steps: 'abc' as never }, ['gshard', 'dense'], '/'))).toMatchObject({ field: 'steps', fix: expect.any(String) });
    expect(thrown(() => studyConfigs({ ...TINY, model: 5 as never }, ['gshard'], '/'))).toMatchObject({ field: 'model', fix: expect.any(String) });
  });
});

for (const [backend, url] of testStores('verdant-moe-study-')) {
  describe.skipIf(!url)(`the study on ${backend}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await Store.open({ url: url! });
    });
    afterAll(async () => {
      await store?.close();
    });

    it('refuses an out folder it cannot write before any arm trains', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'verdant-moe-study-')), 'a-file');
      writeFileSync(file, 'x');
      const before = (await MoeStore.of(store).list(1000)).length;
      expect(await rejection(runStudy({ base: TINY, arms: ['gshard'], outDir: join(file, 'study'), cwd: '/', store }))).toMatchObject({ field: 'outDir', fix: expect.any(String) });
      expect((await MoeStore.of(store).list(1000)).length).toBe(before);
    });

    it('trains every arm on the same tokens, with equal active parameters, and writes the table and charts', async () => {
      const outDir = mkdtempSync(join(tmpdir(), 'verdant-moe-study-'));
      const r = await runStudy({ base: TINY, arms: STUDY_ARMS, outDir, cwd: '/', store });
      expect(r.rows.map((x) => x.arm)).toEqual([...STUDY_ARMS]);
      expect(r.files.sort()).toEqual(['load.svg', 'loss.svg', 'maxvio.svg', 'study.json', 'study.md']); // unmeasured: no energy chart

      // Same tokens: the same count, and the same batches (same seed); every arm stored its 6 steps.
      for (const row of r.rows) expect(row).toMatchObject({ tokens: 6 * 2 * 16, steps: 6 });
      const moe = MoeStore.of(store);
      for (const row of r.rows) expect((await moe.steps(row.trainingId)).map((s) => s.tokens)).toEqual([1, 2, 3, 4, 5, 6].map((n) => n * 32));

      // Equal active parameters: the FFN weights a token uses are the same; a MoE arm has its router's d·E weights
      // more (twice for noisy top-k) and, for k experts, k − 1 more output biases per MoE layer.
      const dense = r.rows.find((x) => x.arm === 'dense')!;
      expect(dense.parameters!.active).toBe(dense.parameters!.total);
      const extraBiases: Record<string, number> = { switch: 0, gshard: 1, 'expert-choice': 1, 'aux-free': 1, 'noisy-topk': 1 };
      for (const row of r.rows.filter((x) => x.arm !== 'dense')) {
        const routers = 2 * 16 * 4 * (row.arm === 'noisy-topk' ? 2 : 1);
        expect(row.parameters!.active - routers).toBe(row.activeWithoutRouter);
        expect(row.activeWithoutRouter! - 2 * 16 * extraBiases[row.arm]!).toBe(dense.parameters!.active);
        expect(row.parameters!.total).toBeGreaterThan(row.parameters!.active);
        expect(row.maxVio).not.toBeNull();
        expect(row.globalMaxVioFirst).not.toBeNull();
      }
      expect(r.rows.find((x) => x.arm === 'expert-choice')!.maxDroppedFraction).toBe(0);
      expect(dense.maxVio).toBeNull();

      // The table: a header, a row per arm, the Expert Choice caveat.
      const table = readFileSync(join(outDir, 'study.md'), 'utf8');
      expect(table).toBe(r.table);
      const lines = table.split('\n').filter((l) => l.startsWith('| '));
      expect(lines).toHaveLength(1 + STUDY_ARMS.length);
      LABELS.forEach((label, i) => expect(lines[i + 1]!.startsWith(`| ${label}`)).toBe(true));
      expect(table).toMatch(/Expert Choice sees every token of a batch, the future included/);
      expect(JSON.parse(readFileSync(join(outDir, 'study.json'), 'utf8')).rows).toHaveLength(STUDY_ARMS.length);

      // The charts: well-formed SVG, a legend entry per series.
      const svg = (name: string) => readFileSync(join(outDir, name), 'utf8');
      for (const name of ['loss.svg', 'maxvio.svg', 'load.svg']) checkSvg(svg(name));
      const loss = texts(svg('loss.svg'));
      for (const label of LABELS) expect(loss).toContain(label);
      expect(loss).toContain('held-out loss');
      const maxvio = texts(svg('maxvio.svg'));
      for (const label of LABELS.slice(0, 5)) expect(maxvio).toContain(label);
      expect(maxvio).not.toContain('dense (equal active)');
      expect(maxvio).toEqual(expect.arrayContaining(['layer 0', 'layer 1']));
      const load = texts(svg('load.svg'));
      for (const label of LABELS.slice(0, 5)) expect(load).toContain(label);
      expect(load).toContain('load share');

      // Redrawn from the stored trainings, without training: the same table; another arm's training is refused.
      const again = mkdtempSync(join(tmpdir(), 'verdant-moe-study-'));
      const ids = r.rows.map((x) => x.trainingId);
      const redrawn = await runStudy({ base: TINY, arms: STUDY_ARMS, outDir: again, cwd: '/', store, trainings: ids });
      expect(redrawn.table).toBe(r.table);
      expect(readFileSync(join(again, 'loss.svg'), 'utf8')).toBe(svg('loss.svg'));
      expect((await rejection(runStudy({ base: TINY, arms: STUDY_ARMS, outDir: again, cwd: '/', store, trainings: [ids[1]!, ...ids.slice(1)] }))).field).toBe('trainings[0]');
      expect((await rejection(runStudy({ base: TINY, arms: STUDY_ARMS, outDir: again, cwd: '/', store, trainings: ids.slice(1) }))).field).toBe('trainings');
    }, 300_000);
  });
}
