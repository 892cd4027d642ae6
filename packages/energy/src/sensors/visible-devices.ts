/** A GPU as the driver lists it: NVML / nvidia-smi index (PCI bus order) and UUID ("GPU-…"). */
export interface GpuIdentity {
  index: number;
  uuid: string;
}

/**
 * The GPUs a process may use under CUDA_VISIBLE_DEVICES, in the order CUDA numbers them.
 * Unset: every GPU. Entries are indices or UUIDs ("GPU-8f3c…", any unique prefix, with or without
 * "GPU-"). Like CUDA, an entry that names no device (or names one twice, or a MIG instance, which this
 * does not resolve) hides itself and every entry after it. Indices are taken as NVML's PCI-bus order,
 * which equals CUDA's when CUDA_DEVICE_ORDER=PCI_BUS_ID (the usual setting on shared machines).
 */
export function visibleGpus<T extends GpuIdentity>(gpus: readonly T[], spec: string | undefined): T[] {
  if (spec === undefined) return [...gpus];
  const chosen: T[] = [];
  for (const raw of spec.split(',')) {
    const token = raw.trim();
    const gpu = resolve(gpus, token);
    if (!gpu || chosen.includes(gpu)) break;
    chosen.push(gpu);
  }
  return chosen;
}

function resolve<T extends GpuIdentity>(gpus: readonly T[], token: string): T | undefined {
  if (/^\d+$/.test(token)) return gpus.find((g) => g.index === Number(token));
  if (token === '' || /^MIG-/i.test(token)) return undefined;
  const prefix = token.replace(/^GPU-/i, '').toLowerCase();
  const matches = gpus.filter((g) => g.uuid.replace(/^GPU-/i, '').toLowerCase().startsWith(prefix));
  return matches.length === 1 ? matches[0] : undefined;
}
