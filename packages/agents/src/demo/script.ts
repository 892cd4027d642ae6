import type { Script, ScriptedPiece, ScriptedReply } from './scripted-server.js';
import { DEMO_REGIONS } from './simulated-tools.js';

export const DEMO_QUESTION =
  'How far apart are the 2024 average carbon intensities of electricity in France, Germany and Poland? Give the spread in gCO2e/kWh.';

/** Simulated model timing: time to first token, the tokens of one tool call or plan line, and the final answer. */
export const DEMO_MODEL_MS = { firstToken: 200, perCall: 60, answer: 150 } as const;

const spread = Math.max(...DEMO_REGIONS.map((r) => r.gco2PerKwh)) - Math.min(...DEMO_REGIONS.map((r) => r.gco2PerKwh));
export const DEMO_ANSWER = `The spread is ${spread} gCO2e/kWh: ${DEMO_REGIONS.map((r) => `${r.name} ${r.gco2PerKwh}`).join(', ')}.`;

/**
 * The scripted model behind the demo. As an agent it asks for three searches, then three page fetches (using
 * the URLs the searches returned), then the calculator, then answers. As a planner it writes the same work
 * as one numbered plan; as the joiner it finishes.
 */
export function demoScript(timeScale: number): Script {
  const ms = (v: number) => v * timeScale;
  const calls = (list: Array<{ name: string; arguments: Record<string, unknown> }>): ScriptedReply => ({
    pieces: list.map((toolCall, i) => ({ toolCall, delayMs: ms(i === 0 ? DEMO_MODEL_MS.firstToken + DEMO_MODEL_MS.perCall : DEMO_MODEL_MS.perCall) })),
    usage: { promptTokens: 400, completionTokens: 40 * list.length },
  });
  const text = (body: string): ScriptedReply => ({
    pieces: [{ text: body, delayMs: ms(DEMO_MODEL_MS.firstToken + DEMO_MODEL_MS.answer) }],
    usage: { promptTokens: 900, completionTokens: 40 },
  });

  return (request) => {
    const system = String(request.messages[0]?.content ?? '');
    if (system.startsWith('You are a planner')) return plan(ms);
    if (system.startsWith('You are given a question')) return text(`Thought: the calculator gave the spread.\nAction: Finish(${DEMO_ANSWER})`);
    const toolResults = request.messages.filter((m) => m.role === 'tool').map((m) => String(m.content));
    const step = request.messages.filter((m) => m.role === 'assistant' && m.tool_calls?.length).length;
    if (step === 0) return calls(DEMO_REGIONS.map((r) => ({ name: 'web_search', arguments: { query: `${r.name} electricity carbon intensity 2024` } })));
    if (step === 1) return calls(toolResults.slice(-3).map((url) => ({ name: 'fetch_page', arguments: { url } })));
    if (step === 2) return calls([{ name: 'calculator', arguments: { op: 'spread', values: toolResults.slice(-3).map(readNumber) } }]);
    return text(DEMO_ANSWER);
  };
}

function plan(ms: (v: number) => number): ScriptedReply {
  const lines = [
    ...DEMO_REGIONS.map((r, i) => `${i + 1}. web_search(${JSON.stringify({ query: `${r.name} electricity carbon intensity 2024` })})`),
    ...DEMO_REGIONS.map((_r, i) => `${i + 4}. fetch_page({"url": "$${i + 1}"})`),
    '7. calculator({"op": "spread", "values": ["$4", "$5", "$6"]})',
    '8. join()',
  ];
  const pieces: ScriptedPiece[] = lines.map((line, i) => ({
    text: `${line}\n`,
    delayMs: ms(i === 0 ? DEMO_MODEL_MS.firstToken + DEMO_MODEL_MS.perCall : DEMO_MODEL_MS.perCall),
  }));
  return { pieces, usage: { promptTokens: 500, completionTokens: 40 * lines.length } };
}

function readNumber(page: string): number {
  return Number(/-?\d+(?:\.\d+)?/.exec(page)?.[0] ?? Number.NaN);
}
