import { VerdantError, ExitCode } from '@verdant/core';

/**
 * A small catalog of accelerators and CPUs for before-run estimates: board power limits (TDP/TBP) from the
 * vendors' public datasheets. The hardware-planning work grows this into the full catalog with measured
 * figures; until then an estimate assumes a utilization (default 0.8 of the power limit) and says so.
 */
export interface DeviceSpec {
  id: string;
  vendor: 'nvidia' | 'amd' | 'intel' | 'cpu';
  name: string;
  /** Board power limit, W. */
  powerW: number;
}

export const DEVICES: readonly DeviceSpec[] = [
  { id: 'h200', vendor: 'nvidia', name: 'NVIDIA H200 SXM', powerW: 700 },
  { id: 'h100-sxm', vendor: 'nvidia', name: 'NVIDIA H100 SXM', powerW: 700 },
  { id: 'h100-pcie', vendor: 'nvidia', name: 'NVIDIA H100 PCIe', powerW: 350 },
  { id: 'a100-sxm', vendor: 'nvidia', name: 'NVIDIA A100 SXM 80GB', powerW: 400 },
  { id: 'a100-pcie', vendor: 'nvidia', name: 'NVIDIA A100 PCIe', powerW: 300 },
  { id: 'l40s', vendor: 'nvidia', name: 'NVIDIA L40S', powerW: 350 },
  { id: 'l4', vendor: 'nvidia', name: 'NVIDIA L4', powerW: 72 },
  { id: 'a10g', vendor: 'nvidia', name: 'NVIDIA A10G', powerW: 150 },
  { id: 'v100', vendor: 'nvidia', name: 'NVIDIA V100 SXM2', powerW: 300 },
  { id: 't4', vendor: 'nvidia', name: 'NVIDIA T4', powerW: 70 },
  { id: 'rtx4090', vendor: 'nvidia', name: 'NVIDIA GeForce RTX 4090', powerW: 450 },
  { id: 'mi300x', vendor: 'amd', name: 'AMD Instinct MI300X', powerW: 750 },
  { id: 'mi250x', vendor: 'amd', name: 'AMD Instinct MI250X', powerW: 560 },
  { id: 'gaudi2', vendor: 'intel', name: 'Intel Gaudi 2', powerW: 600 },
  { id: 'gaudi3', vendor: 'intel', name: 'Intel Gaudi 3 (OAM)', powerW: 900 },
  { id: 'cpu-core', vendor: 'cpu', name: 'one server CPU core (at ~10 W/core)', powerW: 10 },
];

export function findDevice(id: string): DeviceSpec {
  const key = id.toLowerCase().replace(/^nvidia[-_ ]?/, '');
  const found = DEVICES.find((d) => d.id === key) ?? DEVICES.find((d) => d.id.startsWith(key));
  if (found) return found;
  throw new VerdantError(`unknown device "${id}"`, {
    field: 'device',
    fix: `use one of: ${DEVICES.map((d) => d.id).join(', ')}`,
    exitCode: ExitCode.usage,
  });
}
