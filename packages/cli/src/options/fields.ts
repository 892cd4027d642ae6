/**
 * The CLI's one translation from the libraries' field names to what the user typed. Libraries name their own
 * fields (`durationS`, `earliestStart`, `powerW`, `zone`); an error about one is shown with the flag or argument
 * of the command that ran. A field means the same flag in every command unless an entry lists commands by path
 * ("intensity", "runs list"); `*` is every other command. A field with no entry is shown as the library named it
 * (an environment variable, or a name the command passed itself, such as `--max-energy`).
 *
 * Adding a library field that a command fills from a flag: add its line here. The server has its own table
 * for JSON body fields (packages/server/src/body-fields.ts).
 */
export type FlagRule = string | Readonly<Record<string, string>>;

export const FIELD_FLAGS: Readonly<Record<string, FlagRule>> = {
  // Where the intensity comes from (grid's resolveIntensity, trace loading, providers).
  zone: { '*': '--region', intensity: '<zone>', forecast: '<zone>' },
  zones: { '*': '--region', simulate: '--zone', 'accel compare': '--zone' },
  traceFile: '--intensity-trace',
  replayYear: '--trace-replay',
  traces: '--trace',
  series: '--trace',
  traceFiles: '--trace',
  clock: '--at',
  horizonS: '--hours',
  signal: '--signal',

  // A job to plan or queue (schedule's PlanRequest and job request).
  durationS: '--duration',
  earliestStart: '--earliest',
  deadline: '--deadline',
  powerW: '--power',
  energyJ: '--energy',
  interruptible: '--interruptible',
  'interruptible.minChunkS': '--min-chunk',
  'interruptible.pauseOverheadS': '--pause-overhead',
  objective: '--objective',
  'objective.carbon': '--carbon-weight',
  'objective.cost': '--cost-weight',
  prices: '--prices',
  name: '--name',
  argv: '<command>',
  cwd: 'the current directory',
  executor: '--executor',
  checkpointSignal: '--checkpoint-signal',
  pauseAboveG: '--pause-above',
  resumeBelowG: '--resume-below',
  outputPath: '--output',
  partition: '--partition',
  accel: '--accel',

  // A measured run (energy's parseRunSpec and measureCommand).
  intervalS: '--interval',
  pue: '--pue',
  ramMode: '--ram',
  outputDir: '--output',
  maxEnergyJ: '--max-energy',
  maxEmissionsG: '--max-co2',
  onExceed: '--on-exceed',
  graceS: '--grace',
  pushgatewayUrl: '--pushgateway',
  carbonAware: '--carbon-aware',
  expectedDurationS: '--expected-duration',
  group: { run: '--group' },

  // A before-run estimate (@verdant/accel's estimateRun).
  device: { '*': '--device', 'accel profile add': '<device>' },
  count: '--count',
  hours: '--hours',
  utilization: '--utilization',

  // Hardware planning (@verdant/accel's job and recommend request; `verdant accel …`).
  paramsTotal: '--params', paramsActive: '--active-params', tokens: '--tokens', precision: '--precision', measured: '--measured',
  optimizerBytesPerParam: '--optimizer-bytes', memoryOverhead: '--memory-overhead', scalingPerDoubling: '--scaling',
  hostOverhead: '--host-overhead', budgetUsd: '--budget', carbonCapG: '--carbon-cap', allowRegions: '--allow', denyRegions: '--deny',
  preferRegions: '--prefer', devices: { '*': '--device', 'accel compare': '<devices>', 'accel profile add': '--count' }, pricing: '--spot', maxDevices: '--max-devices', maxStarts: '--starts',
  startStepS: '--start-step', billingGranularityS: '--billing', maxAgeS: '--max-age', retrievedAt: '--retrieved', format: '--format',
  provider: { 'accel import': '--provider', 'accel offers': '--provider' }, file: { 'accel import': '<file>' }, sizes: { 'accel bench': '--sizes' },
  secondsPerSize: '--seconds',
  // `verdant accel bench` (@verdant/accel's benchCpu and benchTorch).
  python: { 'accel bench': '--python' }, script: { 'accel bench': '--script' }, deviceId: { 'accel bench': '--as' }, precisions: { 'accel bench': '--precisions' },
  secondsPerCase: '--seconds', bandwidthMiB: '--bandwidth-mib', bandwidthBytes: '--bandwidth-mib', trainModel: '--train-model', trainingSeconds: '--train-seconds',
  starts: '--start', provenance: '--kind', source: '--source', achievedTflops: '--tflops', achievedFlops: '--tflops', tokensPerS: '--tokens-per-s',
  workload: '--workload',

  // A simulation (schedule's SimulationRequest).
  scenario: '--scenario',
  years: '--year',
  timeZone: '--time-zone',
  windowsH: '--window',
  deadlines: '--deadline',
  minChunkS: '--min-chunk',
  noise: '--noise',
  seeds: '--seeds',
  'ml.count': '--jobs',
  'periodic.timeOfDayS': '--at',
  'periodic.durationS': '--duration',
  'periodic.periodS': '--period',

  // A MoE lab study (@verdant/moe's runStudy); its base config's `steps` and `seed` are the flags below.
  arms: { 'moe study': '--arms' },
  outDir: { 'moe study': '--out' },
  trainings: { 'moe study': '--from' },

  // A MoE lab training (@verdant/moe's parseTrainConfig); from a --config file the field names stand. `moe study`
  // sets `steps` and `seed` of its base config with the same flags.
  ...Object.fromEntries(
    Object.entries({
      corpus: '--corpus', dataFile: '--data', tokenizer: '--tokenizer', size: '--size', 'model.layers': '--layers',
      'model.dModel': '--d-model', 'model.heads': '--heads', 'model.seqLen': '--seq-len', 'model.experts': '--experts',
      'model.dHidden': '--expert-hidden', 'model.every': '--every', 'model.dense': '--dense', 'router.kind': '--router',
      'router.k': '--k', 'router.capacityFactor': '--capacity-factor', 'router.dropPolicy': '--drop-policy',
      'router.softmax': '--softmax', 'router.auxLossCoef': '--aux-loss', 'router.zLossCoef': '--z-loss',
      'router.biasUpdateRate': '--bias-rate', 'router.seqAuxLossCoef': '--seq-aux-loss', 'optimizer.lr': '--lr',
      'optimizer.warmupSteps': '--warmup', 'optimizer.minLrRatio': '--min-lr-ratio', 'optimizer.weightDecay': '--weight-decay',
      'optimizer.clipNorm': '--clip-norm', batch: '--batch', steps: '--steps', evalInterval: '--eval-interval',
      evalBatches: '--eval-batches', seed: '--seed', checkpointDir: '--checkpoint-dir', checkpointInterval: '--checkpoint-interval',
    }).map(([field, flag]) => [field, { 'moe train': flag, ...(field === 'steps' || field === 'seed' ? { 'moe study': flag } : {}) }]),
  ),
};

/**
 * The flag `command` shows for a library `field`, or undefined when the table has none. A nested field
 * (`argv.0`) falls back to its nearest parent with an entry (`argv`).
 */
export function flagFor(field: string, command = ''): string | undefined {
  for (let f = field; f !== ''; f = f.includes('.') ? f.slice(0, f.lastIndexOf('.')) : '') {
    if (!Object.hasOwn(FIELD_FLAGS, f)) continue;
    const rule = FIELD_FLAGS[f]!;
    if (typeof rule === 'string') return rule;
    if (Object.hasOwn(rule, command)) return rule[command];
    return Object.hasOwn(rule, '*') ? rule['*'] : undefined;
  }
  return undefined;
}
