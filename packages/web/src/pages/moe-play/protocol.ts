// Messages between the browser lab's page and its Web Worker (worker.ts). Plain data only (structured clone).

/** What the form asks for: the fields of @verdant/moe's TrainConfigInput the page sets. */
export interface StartRequest {
  type: 'start';
  config: {
    corpus: 'synthetic';
    tokenizer: 'char';
    size: 'tiny';
    model: { experts: number };
    router: { kind: string };
    batch: number;
    steps: number;
    seed: number;
  };
}

export type ToWorker = StartRequest;

/** One MoE layer at one step: the metrics the page draws (a subset of the lab's StepLayerMetrics). */
export interface LayerPoint {
  layer: number;
  share: number[];
  maxVio: number;
  cv: number;
  tokenEntropy: number;
  marginalEntropy: number;
  droppedFraction: number;
  dead: number;
  bias: number[] | null;
  expertsPerToken: number | null;
}

export interface StepPoint {
  step: number;
  loss: number;
  ce: number;
  evalLoss: number | null;
  tokens: number;
  trainS: number;
  tokensPerS: number;
  layers: LayerPoint[];
}

export type FromWorker =
  | { type: 'ready'; totalSteps: number; experts: number; moeLayers: number[]; parameters: { total: number; active: number }; vocab: number; startS: number }
  | { type: 'step'; point: StepPoint }
  | { type: 'done' }
  | { type: 'error'; message: string; field?: string; fix?: string };
