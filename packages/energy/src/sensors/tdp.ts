/**
 * Thermal design power of common server and desktop CPUs, from the vendors' public specification pages
 * (Intel ARK "Processor Base Power"/TDP, AMD product pages "Default TDP", Ampere and NVIDIA datasheets).
 * TDP is the sustained all-core power the cooling is designed for: a fair ceiling for a fully busy CPU.
 */
export interface TdpEntry {
  /** Marketing name, shown in the sensor description. */
  name: string;
  match: RegExp;
  /** Per socket, W (x86 parts). */
  wattsPerSocket?: number;
  /** Per logical CPU, W (ARM designs sold in several core counts). */
  wattsPerCpu?: number;
}

/**
 * Used when the model is unknown: 4 W per logical CPU, i.e. about 8 W per SMT core, between server
 * parts (EPYC 7763: 280 W / 64 cores = 4.4 W; Xeon 8380: 270 W / 40 = 6.8 W) and desktop parts
 * (Core i7-12700K: 125 W / 12 cores = 10 W).
 */
export const DEFAULT_WATTS_PER_CPU = 4;

const x86 = (name: string, match: RegExp, wattsPerSocket: number): TdpEntry => ({ name, match, wattsPerSocket });

export const TDP_TABLE: readonly TdpEntry[] = [
  // Intel Xeon Scalable and Xeon 6
  x86('Intel Xeon 6980P', /Xeon.*\b6980P\b/i, 500),
  x86('Intel Xeon Platinum 8592+', /Xeon.*\b8592\b/i, 350),
  x86('Intel Xeon Platinum 8480+', /Xeon.*\b8480\b/i, 350),
  x86('Intel Xeon Platinum 8468', /Xeon.*\b8468\b/i, 350),
  x86('Intel Xeon Platinum 8380', /Xeon.*\b8380\b/i, 270),
  x86('Intel Xeon Platinum 8358', /Xeon.*\b8358\b/i, 250),
  x86('Intel Xeon Platinum 8280', /Xeon.*\b8280\b/i, 205),
  x86('Intel Xeon Gold 6430', /Xeon.*\b6430\b/i, 270),
  x86('Intel Xeon Gold 6338', /Xeon.*\b6338\b/i, 205),
  x86('Intel Xeon Gold 6248', /Xeon.*\b6248\b/i, 150),
  x86('Intel Xeon Gold 6148', /Xeon.*\b6148\b/i, 150),
  x86('Intel Xeon Gold 5218', /Xeon.*\b5218\b/i, 125),
  x86('Intel Xeon Silver 4210', /Xeon.*\b4210\b/i, 85),
  x86('Intel Xeon E5-2698 v4', /Xeon.*E5-2698 v4/i, 135),
  x86('Intel Xeon E5-2690 v4', /Xeon.*E5-2690 v4/i, 135),
  x86('Intel Xeon E5-2680 v4', /Xeon.*E5-2680 v4/i, 120),
  // Intel Core
  x86('Intel Core i9-13900K', /Core.*i9-13900K\b/i, 125),
  x86('Intel Core i7-12700K', /Core.*i7-12700K\b/i, 125),
  x86('Intel Core i5-12400', /Core.*i5-12400\b/i, 65),
  x86('Intel Core i9-9900K', /Core.*i9-9900K\b/i, 95),
  x86('Intel Core i7-8700K', /Core.*i7-8700K\b/i, 95),
  x86('Intel Core i7-1165G7', /Core.*i7-1165G7\b/i, 28),
  x86('Intel Core Ultra 7 155H', /Core.*Ultra 7 155H\b/i, 28),
  // AMD EPYC
  x86('AMD EPYC 9965', /EPYC\s+9965\b/i, 500),
  x86('AMD EPYC 9754', /EPYC\s+9754\b/i, 360),
  x86('AMD EPYC 9654', /EPYC\s+9654\b/i, 360),
  x86('AMD EPYC 9554', /EPYC\s+9554\b/i, 360),
  x86('AMD EPYC 9474F', /EPYC\s+9474F\b/i, 360),
  x86('AMD EPYC 7763', /EPYC\s+7763\b/i, 280),
  x86('AMD EPYC 7742', /EPYC\s+7742\b/i, 225),
  x86('AMD EPYC 7543', /EPYC\s+7543\b/i, 225),
  x86('AMD EPYC 7443', /EPYC\s+7443\b/i, 200),
  x86('AMD EPYC 7302', /EPYC\s+7302\b/i, 155),
  // AMD Ryzen and Threadripper
  x86('AMD Ryzen Threadripper PRO 5995WX', /Threadripper PRO 5995WX\b/i, 280),
  x86('AMD Ryzen Threadripper 3990X', /Threadripper 3990X\b/i, 280),
  x86('AMD Ryzen 9 7950X', /Ryzen 9 7950X\b/i, 170),
  x86('AMD Ryzen 9 5950X', /Ryzen 9 5950X\b/i, 105),
  x86('AMD Ryzen 7 7800X3D', /Ryzen 7 7800X3D\b/i, 120),
  x86('AMD Ryzen 7 5800X', /Ryzen 7 5800X\b/i, 105),
  x86('AMD Ryzen 7 3700X', /Ryzen 7 3700X\b/i, 65),
  // ARM servers: cores, no SMT; per-CPU figure = module power / cores.
  { name: 'Ampere Altra (Neoverse-N1)', match: /Neoverse-N1|Ampere.*Altra/i, wattsPerCpu: 210 / 80 },
  { name: 'NVIDIA Grace (Neoverse-V2)', match: /Neoverse-V2|Grace/i, wattsPerCpu: 500 / 144 },
];

/** The table entry whose pattern matches a /proc/cpuinfo model name, if any. */
export function lookupTdp(modelName: string | undefined): TdpEntry | undefined {
  if (!modelName) return undefined;
  return TDP_TABLE.find((e) => e.match.test(modelName));
}

/** Full-load power of the machine's CPUs, W, and how it was derived. */
export function cpuTdpWatts(
  modelName: string | undefined,
  sockets: number,
  logicalCpus: number,
): { watts: number; basis: string } {
  const entry = lookupTdp(modelName);
  if (entry?.wattsPerSocket !== undefined) {
    return { watts: entry.wattsPerSocket * sockets, basis: `${entry.name}, TDP ${entry.wattsPerSocket} W x ${sockets} socket(s)` };
  }
  if (entry?.wattsPerCpu !== undefined) {
    return {
      watts: entry.wattsPerCpu * logicalCpus,
      basis: `${entry.name}, ${entry.wattsPerCpu.toFixed(2)} W x ${logicalCpus} CPUs`,
    };
  }
  return {
    watts: DEFAULT_WATTS_PER_CPU * logicalCpus,
    basis: `unknown model "${modelName ?? 'unreadable'}": default ${DEFAULT_WATTS_PER_CPU} W x ${logicalCpus} CPUs`,
  };
}
