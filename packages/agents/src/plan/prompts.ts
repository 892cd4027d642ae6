import type { ToolDefinition } from '../types.js';
import type { TaskOutcome } from './scheduler.js';

/** The planner's instructions: the tools and the numbered-task format the streaming parser reads. */
export function plannerPrompt(tools: readonly ToolDefinition[], firstTaskId: number, replanning: boolean): string {
  const toolLines = tools.map((t) => `- ${t.name}(${JSON.stringify(t.inputSchema)}): ${t.description}`).join('\n');
  return [
    'You are a planner. Write a plan that answers the user with the tools below, as numbered tasks, one per line:',
    `${firstTaskId}. tool_name({"arg": "value"})`,
    'Arguments are one JSON object. To use the result of task N, write $N (or ${N}) as a whole value or inside a string.',
    'A task may only use results of tasks numbered before it. Tasks that do not depend on each other run in parallel,',
    'so prefer independent tasks. End the plan with a line `join()`. Write nothing else but optional "Thought:" lines.',
    `Number the first task ${firstTaskId}.`,
    replanning ? 'Earlier results are shown below; plan only what is still missing. You may reference earlier results by number.' : '',
    '',
    'Tools:',
    toolLines,
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
}

/** The joiner's instructions: finish with an answer, or ask for another plan. */
export function joinerPrompt(canReplan: boolean): string {
  return [
    'You are given a question, a plan that was executed for it and the results of its tasks.',
    'Decide whether the results answer the question. Reply with one "Thought:" line, then exactly one of:',
    'Action: Finish(<the final answer for the user>)',
    canReplan ? 'Action: Replan(<what is missing and why the next plan should get it>)' : 'Replanning is not available: you must Finish with the best answer the results allow.',
  ].join('\n');
}

/** The executed plan and its observations, as text for the joiner and for a replanner. */
export function describeResults(outcomes: readonly TaskOutcome[]): string {
  return outcomes
    .map((o) => {
      const call = `${o.id}. ${o.tool}(${JSON.stringify(o.args)})`;
      return o.ok ? `${call}\n   Observation: ${render(o.result)}` : `${call}\n   Error: ${o.error}`;
    })
    .join('\n');
}

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? 'undefined';
}

export type JoinDecision = { action: 'finish'; answer: string; thought: string } | { action: 'replan'; reason: string; thought: string };

const ACTION = /Action:\s*(Finish|Replan)\s*\(([\s\S]*)\)\s*$/i;
const THOUGHT = /Thought:\s*(.*)/i;

/** Reads the joiner's reply; text without an Action line is taken as the final answer. */
export function parseJoinDecision(text: string): JoinDecision {
  const thought = THOUGHT.exec(text)?.[1]?.trim() ?? '';
  const match = ACTION.exec(text.trim());
  if (!match) return { action: 'finish', answer: text.trim(), thought };
  const body = match[2]!.trim();
  return match[1]!.toLowerCase() === 'replan' ? { action: 'replan', reason: body, thought } : { action: 'finish', answer: body, thought };
}
