import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { ToolExecutor } from '../src/executor/executor.js';
import { createAgentMetrics } from '../src/metrics/prometheus.js';
import { tool } from '../src/tool.js';
import { runPlan } from '../src/plan/run-plan.js';
import { openaiCompatible } from '../src/models/openai.js';
import { startScriptedServer } from '../src/demo/scripted-server.js';

/** The value of one series in the exposition text, e.g. series(text, 'x_total{tool="a"}'). */
function series(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

function tools() {
  let release: (() => void) | undefined;
  const echo = tool({ name: 'echo', description: 'echo', input: z.object({ text: z.string() }), execute: ({ text }) => text });
  const flaky = tool({
    name: 'flaky',
    description: 'always fails',
    input: z.object({}),
    limits: { circuitBreaker: { threshold: 2, halfOpenAfterMs: 60_000 } },
    execute: () => {
      throw new Error('upstream 500');
    },
  });
  const limited = tool({ name: 'limited', description: 'rate limited', input: z.object({}), limits: { rate: { limit: 1, intervalMs: 120 } }, execute: () => 'ok' });
  const blocking = tool({
    name: 'blocking',
    description: 'waits for the test',
    input: z.object({}),
    execute: () => new Promise<string>((resolve) => (release = () => resolve('done'))),
  });
  return { list: [echo, flaky, limited, blocking], release: () => release?.() };
}

describe('createAgentMetrics', () => {
  it('exposes latency, outcomes, errors, rate-limit waits, breaker state and in-flight calls per tool', async () => {
    const metrics = createAgentMetrics();
    const t = tools();
    const executor = new ToolExecutor(t.list, { observer: metrics.observer });
    let n = 0;
    const call = (name: string, args: unknown) => executor.run({ id: `c${n++}`, name, args });

    await call('echo', { text: 'a' });
    await call('echo', { text: 'b' });
    await call('echo', { text: 42 }); // validation error: never started
    await call('nosuch', {});
    await call('flaky', {});
    await call('flaky', {});
    const open = await call('flaky', {}); // breaker open now: fails fast
    expect(open).toMatchObject({ ok: false, error: { kind: 'circuit-open' } });
    await Promise.all([call('limited', {}), call('limited', {})]);

    const blocked = call('blocking', {});
    await new Promise((r) => setTimeout(r, 10));
    let text = await metrics.registry.metrics();
    expect(series(text, 'verdant_agent_tool_calls_in_flight{tool="blocking"}')).toBe(1);
    t.release();
    await blocked;
    text = await metrics.registry.metrics();

    expect(series(text, 'verdant_agent_tool_calls_total{tool="echo",outcome="ok"}')).toBe(2);
    expect(series(text, 'verdant_agent_tool_calls_total{tool="echo",outcome="validation"}')).toBe(1);
    expect(series(text, 'verdant_agent_tool_calls_total{tool="nosuch",outcome="unknown-tool"}')).toBe(1);
    expect(series(text, 'verdant_agent_tool_calls_total{tool="flaky",outcome="execution"}')).toBe(2);
    expect(series(text, 'verdant_agent_tool_calls_total{tool="flaky",outcome="circuit-open"}')).toBe(1);
    expect(series(text, 'verdant_agent_tool_errors_total{tool="flaky",kind="execution"}')).toBe(2);
    expect(series(text, 'verdant_agent_tool_errors_total{tool="echo",kind="validation"}')).toBe(1);
    expect(series(text, 'verdant_agent_tool_errors_total{tool="echo",kind="ok"}')).toBeUndefined();

    // Latency is observed for calls that ran; the validation failure is counted but not timed.
    expect(series(text, 'verdant_agent_tool_call_duration_seconds_count{tool="echo",outcome="ok"}')).toBe(2);
    expect(series(text, 'verdant_agent_tool_call_duration_seconds_bucket{le="+Inf",tool="echo",outcome="ok"}')).toBe(2);
    expect(series(text, 'verdant_agent_tool_call_duration_seconds_count{tool="echo",outcome="validation"}')).toBeUndefined();
    expect(series(text, 'verdant_agent_tool_call_duration_seconds_count{tool="blocking",outcome="ok"}')).toBe(1);
    expect(series(text, 'verdant_agent_tool_call_duration_seconds_sum{tool="blocking",outcome="ok"}')).toBeGreaterThan(0.005);

    // Two starts with a limit of 1 per 120 ms: the first passes the gate at once, the second is held back by
    // the window. Only a call the gate held back counts as a wait, however slow the machine.
    expect(series(text, 'verdant_agent_tool_rate_limit_waits_total{tool="limited"}')).toBe(1);
    expect(series(text, 'verdant_agent_tool_rate_limit_wait_seconds_total{tool="limited"}')).toBeGreaterThan(0.05);

    expect(series(text, 'verdant_agent_tool_circuit_breaker_state{tool="flaky"}')).toBe(2);
    expect(series(text, 'verdant_agent_tool_calls_in_flight{tool="blocking"}')).toBe(0);
    expect(series(text, 'verdant_agent_tool_calls_in_flight{tool="echo"}')).toBe(0);
    expect(text).toContain('# TYPE verdant_agent_tool_call_duration_seconds histogram');
  });

  it('registers on a given registry so a server can merge it, and two instances do not collide', async () => {
    const a = createAgentMetrics(new Registry());
    const b = createAgentMetrics();
    a.observer.callStarted('x');
    a.observer.callFinished('x', 'ok', 0.2, true);
    a.observer.breakerStateChanged('x', 'half-open');
    const merged = Registry.merge([a.registry, new Registry()]);
    const text = await merged.metrics();
    expect(series(text, 'verdant_agent_tool_calls_total{tool="x",outcome="ok"}')).toBe(1);
    expect(series(text, 'verdant_agent_tool_call_duration_seconds_bucket{le="0.25",tool="x",outcome="ok"}')).toBe(1);
    expect(series(text, 'verdant_agent_tool_call_duration_seconds_bucket{le="0.1",tool="x",outcome="ok"}')).toBe(0);
    expect(series(text, 'verdant_agent_tool_circuit_breaker_state{tool="x"}')).toBe(1);
    expect(series(await b.registry.metrics(), 'verdant_agent_tool_calls_total{tool="x",outcome="ok"}')).toBeUndefined();
  });

  it('counts plan-mode tasks when runPlan is given the observer', async () => {
    const metrics = createAgentMetrics();
    const server = await startScriptedServer((request) =>
      String(request.messages[0]?.content).startsWith('You are a planner')
        ? { pieces: [{ text: '1. echo({"text": "a"})\n2. echo({"text": "$1b"})\n3. echo({"text": 7})\njoin()\n' }] }
        : { pieces: [{ text: 'Action: Finish(ab)' }] },
    );
    try {
      const model = openaiCompatible({ baseUrl: server.baseUrl, model: 'scripted' });
      const result = await runPlan({ model, tools: tools().list, messages: [{ role: 'user', content: 'x' }], observer: metrics.observer }).result;
      expect(result.text).toBe('ab');
    } finally {
      await server.close();
    }
    const text = await metrics.registry.metrics();
    expect(series(text, 'verdant_agent_tool_calls_total{tool="echo",outcome="ok"}')).toBe(2);
    expect(series(text, 'verdant_agent_tool_calls_total{tool="echo",outcome="validation"}')).toBe(1);
  });
});
