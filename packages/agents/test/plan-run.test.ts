import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VerdantError } from '@verdant/core';
import { openaiCompatible } from '../src/models/openai.js';
import { tool } from '../src/tool.js';
import { runPlan, type PlanEvent } from '../src/plan/run-plan.js';
import { startScriptedServer, type Script, type ScriptedRequest, type ScriptedServer } from '../src/demo/scripted-server.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const isPlanner = (r: ScriptedRequest) => String(r.messages[0]?.content).startsWith('You are a planner');
const lastUser = (r: ScriptedRequest) => String(r.messages.filter((m) => m.role === 'user').at(-1)?.content);

function tools(log: string[]) {
  return [
    tool({
      name: 'search',
      description: 'Web search; returns the best URL.',
      input: z.object({ q: z.string() }),
      execute: async ({ q }) => {
        log.push(`search:${q}`);
        return `https://example.test/${q.replace(/\s+/g, '-')}`;
      },
    }),
    tool({
      name: 'fetch',
      description: 'Fetches a page.',
      input: z.object({ url: z.string() }),
      execute: async ({ url }) => {
        log.push(`fetch:${url}`);
        if (url.includes('broken')) throw new Error('HTTP 404');
        return { url, text: `contents of ${url}` };
      },
    }),
  ];
}

async function model(script: Script) {
  server = await startScriptedServer(script);
  return openaiCompatible({ baseUrl: server.baseUrl, model: 'scripted-planner' });
}

describe('runPlan over the OpenAI streaming protocol', () => {
  it('starts a task while the plan is still streaming and substitutes $N results', async () => {
    const log: string[] = [];
    const events: PlanEvent[] = [];
    const m = await model((request) =>
      isPlanner(request)
        ? {
            pieces: [
              { text: 'Thought: search, then read it.\n1. search({"q": "heat pumps"})\n' },
              // The rest of the plan arrives later, as a slow model would write it.
              { text: '2. fetch({"url": "$1"})\n', delayMs: 150 },
              { text: '3. join()\n', delayMs: 50 },
            ],
            usage: { promptTokens: 100, completionTokens: 30 },
          }
        : { pieces: [{ text: 'Thought: enough.\nAction: Finish(Heat pumps move heat.)' }], usage: { promptTokens: 200, completionTokens: 10 } },
    );

    const run = runPlan({ model: m, tools: tools(log), messages: [{ role: 'user', content: 'What do heat pumps do?' }] });
    for await (const event of run) events.push(event);
    const result = await run.result;
    expect(events.at(-1)).toEqual({ type: 'finish', result });

    expect(result.finishReason).toBe('answer');
    expect(result.text).toBe('Heat pumps move heat.');
    expect(log).toEqual(['search:heat pumps', 'fetch:https://example.test/heat-pumps']);
    const firstStart = events.findIndex((e) => e.type === 'task-start' && e.id === 1);
    const lastDelta = events.findLastIndex((e) => e.type === 'plan-delta');
    expect(firstStart).toBeGreaterThan(-1);
    expect(firstStart).toBeLessThan(lastDelta);
    const fetchEnd = events.find((e) => e.type === 'task-end' && e.outcome.id === 2);
    expect(fetchEnd).toMatchObject({ outcome: { ok: true, args: { url: 'https://example.test/heat-pumps' }, result: { text: 'contents of https://example.test/heat-pumps' } } });
    expect(result.usage).toEqual({ inputTokens: 300, outputTokens: 40 });
    // The joiner saw the observations.
    expect(lastUser(server!.requests[1]!)).toContain('Observation: {"url":"https://example.test/heat-pumps"');
    // The planner was told the tools and their schemas, and no tools were offered as function calls.
    expect(String(server!.requests[0]!.messages[0]!.content)).toContain('- fetch({"type":"object"');
    expect(server!.requests[0]!.tools).toBeUndefined();
    expect(result.messages.at(-1)).toEqual({ role: 'assistant', content: 'Heat pumps move heat.' });
  });

  it('replans with earlier results, and the new plan may reference them', async () => {
    const log: string[] = [];
    const m = await model((request, index) => {
      if (index === 0) return { pieces: [{ text: '1. search({"q": "a"})\n2. fetch({"url": "$1/broken"})\n3. join()\n' }] };
      if (index === 1) return { pieces: [{ text: 'Thought: the fetch failed.\nAction: Replan(fetch the page without /broken)' }] };
      if (index === 2) {
        expect(isPlanner(request)).toBe(true);
        expect(lastUser(request)).toContain('Results so far:');
        expect(lastUser(request)).toContain('Error: execution: HTTP 404');
        return { pieces: [{ text: '3. fetch({"url": "$1"})\n4. join()\n' }] };
      }
      return { pieces: [{ text: 'Action: Finish(Got it: contents of https://example.test/a)' }] };
    });

    const seen: string[] = [];
    const result = await runPlan({ model: m, tools: tools(log), messages: [{ role: 'user', content: 'Read a' }], maxReplans: 1, onEvent: (e) => seen.push(e.type) }).result;
    expect(seen.filter((t) => t === 'round-start' || t === 'join' || t === 'finish')).toEqual(['round-start', 'join', 'round-start', 'join', 'finish']);

    expect(result.finishReason).toBe('answer');
    expect(result.rounds.map((r) => r.decision)).toEqual(['replan', 'finish']);
    expect(result.rounds[0]!.tasks.map((t) => [t.id, t.ok])).toEqual([[1, true], [2, false]]);
    expect(result.rounds[1]!.tasks).toMatchObject([{ id: 3, ok: true, args: { url: 'https://example.test/a' } }]);
    expect(log).toEqual(['search:a', 'fetch:https://example.test/a/broken', 'fetch:https://example.test/a']);
    expect(String(server!.requests[2]!.messages[0]!.content)).toContain('Number the first task 3.');
    expect(String(server!.requests[3]!.messages[0]!.content)).toContain('Replanning is not available');
  });

  it('stops after maxReplans and reports it', async () => {
    const m = await model((request) =>
      isPlanner(request) ? { pieces: [{ text: '1. search({"q": "x"})\njoin()\n' }] } : { pieces: [{ text: 'Action: Replan(need more)' }] },
    );
    const result = await runPlan({
      model: m,
      tools: tools([]),
      messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'x' }],
      maxReplans: 0,
    }).result;
    expect(result.finishReason).toBe('max-replans');
    // The caller's system message reaches planner and joiner after their own instructions, once.
    for (const request of server!.requests) {
      expect(request.messages.filter((msg) => msg.role === 'system')).toHaveLength(1);
      expect(String(request.messages[0]!.content)).toMatch(/\n\nAnswer in French\.$/);
    }
    expect(result.text).toBe('need more');
    expect(result.rounds).toHaveLength(1);
  });

  it('reports invalid tool arguments as a failed task and fails its dependents', async () => {
    const m = await model((request) =>
      isPlanner(request)
        ? { pieces: [{ text: '1. search({"query": "wrong field"})\n2. fetch({"url": "$1"})\n3. nosuchtool({})\n4. join()\n' }] }
        : { pieces: [{ text: 'Action: Finish(could not search)' }] },
    );
    const result = await runPlan({ model: m, tools: tools([]), messages: [{ role: 'user', content: 'x' }], maxReplans: 0 }).result;
    const [search, fetch, unknown] = result.rounds[0]!.tasks;
    expect(search).toMatchObject({ ok: false, error: expect.stringMatching(/^validation: invalid arguments for search/) });
    expect(fetch).toMatchObject({ ok: false, error: expect.stringMatching(/^dependency \$1 \(search\) failed/) });
    expect(unknown).toMatchObject({ ok: false, error: expect.stringMatching(/^unknown-tool/) });
    expect(result.text).toBe('could not search');
  });

  it('on abort, stops the model stream and running tools and resolves as cancelled', async () => {
    let toolSawAbort = false;
    const slow = tool({
      name: 'slow',
      description: 'waits until cancelled',
      input: z.object({}),
      execute: (_args, ctx) =>
        new Promise((_resolve, reject) =>
          ctx.signal.addEventListener('abort', () => {
            toolSawAbort = true;
            reject(ctx.signal.reason as Error);
          }),
        ),
    });
    const m = await model(() => ({ pieces: [{ text: '1. slow({})\n' }, { text: '2. slow({})\njoin()\n', delayMs: 5_000 }] }));
    const controller = new AbortController();
    const run = runPlan({
      model: m,
      tools: [slow],
      messages: [{ role: 'user', content: 'x' }],
      signal: controller.signal,
      onEvent: (e) => {
        // Abort once the tool is running (the event fires just before it is invoked).
        if (e.type === 'task-start') setTimeout(() => controller.abort(new Error('user cancelled')), 20);
      },
    });
    const result = await run.result;
    expect(result.finishReason).toBe('cancelled');
    expect(result.rounds).toEqual([]);
    expect(toolSawAbort).toBe(true);
    // The model request was the first and only one: no joiner after cancellation.
    expect(server!.requests).toHaveLength(1);
  });

  it('throws at once for bad options, naming the field', async () => {
    const m = await model(() => ({ pieces: [] }));
    const user = [{ role: 'user' as const, content: 'x' }];
    expect(() => runPlan({ model: m, tools: [], messages: user, maxReplans: -1 })).toThrow(expect.objectContaining({ field: 'maxReplans' }));
    expect(() => runPlan({ model: m, tools: [], messages: user, maxReplans: 1.5 })).toThrow(VerdantError);
    expect(() => runPlan({ model: m, messages: user })).toThrow(expect.objectContaining({ field: 'tools' }));
    expect(() => runPlan({ model: m, tools: [], messages: [] })).toThrow(expect.objectContaining({ field: 'messages' }));
  });

  it('rejects the result and throws from the iterator when the model request fails', async () => {
    const m = openaiCompatible({ baseUrl: 'http://127.0.0.1:9/v1', model: 'nowhere', retries: { maxAttempts: 1 } });
    const run = runPlan({ model: m, tools: tools([]), messages: [{ role: 'user', content: 'x' }] });
    await expect(run.result).rejects.toThrow();
    await expect((async () => {
      for await (const _event of run) {
        // drain
      }
    })()).rejects.toThrow();
  });
});
