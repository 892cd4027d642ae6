import type { PricingTable, Usage } from './types.js';

export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0 };

export function addUsage(a: Usage, b: Usage): Usage {
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
}

/** US dollars for the usage at the model's prices; undefined when the table has no entry for the model. */
export function costUsd(usage: Usage, modelId: string, pricing: PricingTable | undefined): number | undefined {
  const price = pricing?.[modelId];
  if (!price) return undefined;
  return (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1e6;
}
