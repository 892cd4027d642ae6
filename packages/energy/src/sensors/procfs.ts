import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';

/**
 * Clock ticks per second in /proc/<pid>/stat. USER_HZ is fixed at 100 by the kernel ABI on every
 * mainstream Linux architecture, whatever CONFIG_HZ is.
 */
export const USER_HZ = 100;

/** The fields of /proc/<pid>/stat that Verdant uses; times in seconds, memory in bytes. */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** User + system CPU time of the process itself, s. */
  cpuS: number;
  /** User + system CPU time of its exited and waited-for children, s. */
  childrenCpuS: number;
  /** Resident set size, bytes (assuming 4 KiB pages). */
  rssBytes: number;
}

const PAGE_BYTES = 4096;

/** Parses one /proc/<pid>/stat line. The comm field may hold spaces and parentheses: split after the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields from 3 (state) onwards; field n of proc(5) is rest[n - 3].
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const field = (n: number): number => Number(rest[n - 3]);
  const values = [field(4), field(14), field(15), field(16), field(17), field(24)];
  if (!Number.isFinite(pid) || values.some((v) => !Number.isFinite(v))) return undefined;
  const [ppid, utime, stime, cutime, cstime, rss] = values as [number, number, number, number, number, number];
  return {
    pid,
    ppid,
    cpuS: (utime + stime) / USER_HZ,
    childrenCpuS: (cutime + cstime) / USER_HZ,
    rssBytes: rss * PAGE_BYTES,
  };
}

/**
 * Reads /proc/<pid>/stat; undefined when the process has gone (a normal race while scanning). Read
 * synchronously on purpose: procfs files are generated in memory and never block, and one sync read costs a
 * fraction of the four thread-pool round trips of fs.promises.readFile — this runs for every process of the
 * tree at every sample, and is most of the tracker's own CPU time.
 */
export async function readProcStat(procfsRoot: string, pid: number): Promise<ProcStat | undefined> {
  return readProcStatSync(procfsRoot, pid);
}

function readProcStatSync(procfsRoot: string, pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(join(procfsRoot, String(pid), 'stat'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process visible in procfs. */
export async function listProcesses(procfsRoot: string): Promise<ProcStat[]> {
  const entries = await readdir(procfsRoot).catch(() => [] as string[]);
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number);
  const stats = await Promise.all(pids.map((pid) => readProcStat(procfsRoot, pid)));
  return stats.filter((s): s is ProcStat => s !== undefined);
}

/**
 * How long a scan of every process stays good for finding the tree's members. Between scans only the
 * known members are re-read: a child born meanwhile is found at the next scan with all its CPU time (utime
 * counts from its birth), and one that exits meanwhile lands in its parent's cutime, so nothing is lost.
 */
export const TREE_RESCAN_S = 5;
const treeCache = new Map<string, { at: number; pids: number[] }>();

/** The root process and all its descendants (root first); [] when the root has exited. */
export async function processTree(procfsRoot: string, rootPid: number): Promise<ProcStat[]> {
  const key = `${procfsRoot}\0${rootPid}`;
  const cached = treeCache.get(key);
  const now = performance.now() / 1000;
  if (cached && now - cached.at < TREE_RESCAN_S) {
    const tree: ProcStat[] = [];
    for (const pid of cached.pids) {
      const st = readProcStatSync(procfsRoot, pid);
      if (st) tree.push(st);
    }
    if (tree[0]?.pid === rootPid) return tree;
  }
  const tree = await scanProcessTree(procfsRoot, rootPid);
  if (tree.length) treeCache.set(key, { at: now, pids: tree.map((p) => p.pid) });
  else treeCache.delete(key);
  return tree;
}

/** The tree from a full scan of procfs, now (no cache): for signalling, where a missed child would keep running. */
export async function scanProcessTree(procfsRoot: string, rootPid: number): Promise<ProcStat[]> {
  const all = await listProcesses(procfsRoot);
  const byParent = new Map<number, ProcStat[]>();
  for (const p of all) {
    const siblings = byParent.get(p.ppid);
    if (siblings) siblings.push(p);
    else byParent.set(p.ppid, [p]);
  }
  const root = all.find((p) => p.pid === rootPid);
  if (!root) return [];
  const tree: ProcStat[] = [root];
  const seen = new Set([rootPid]);
  for (let i = 0; i < tree.length; i++) {
    for (const child of byParent.get(tree[i]!.pid) ?? []) {
      if (!seen.has(child.pid)) {
        seen.add(child.pid);
        tree.push(child);
      }
    }
  }
  return tree;
}

/** Pids of the tree rooted at `rootPid`. */
export async function processTreePids(procfsRoot: string, rootPid: number): Promise<Set<number>> {
  return new Set((await processTree(procfsRoot, rootPid)).map((p) => p.pid));
}

/**
 * CPU seconds used by the tree: each member's own time plus the time of its children that have exited
 * and been waited for. A child that exits moves its time into its parent's cutime/cstime, so the sum
 * stays continuous while the tree changes shape.
 */
export async function treeCpuSeconds(procfsRoot: string, rootPid: number): Promise<number> {
  const tree = await processTree(procfsRoot, rootPid);
  return tree.reduce((sum, p) => sum + p.cpuS + p.childrenCpuS, 0);
}

/**
 * CPU seconds of every child this process has reaped (cutime + cstime of `<procfs>/self/stat`: the kernel adds a
 * child's whole CPU time, its own and its waited-for descendants', when the parent waits for it). This is how
 * the last CPU time of a command that has exited is read: once reaped it is gone from procfs. Undefined when
 * unreadable (a fixture procfs without `self`).
 */
export function reapedChildrenCpuSeconds(procfsRoot: string): number | undefined {
  try {
    return parseProcStat(readFileSync(join(procfsRoot, 'self', 'stat'), 'utf8'))?.childrenCpuS;
  } catch {
    return undefined;
  }
}

/** Resident memory of the tree, bytes. */
export async function treeRssBytes(procfsRoot: string, rootPid: number): Promise<number> {
  const tree = await processTree(procfsRoot, rootPid);
  return tree.reduce((sum, p) => sum + p.rssBytes, 0);
}

/** Whole-machine CPU jiffies from the first line of /proc/stat: busy and total. */
export async function machineCpuTicks(procfsRoot: string): Promise<{ busy: number; total: number } | undefined> {
  const text = await readFile(join(procfsRoot, 'stat'), 'utf8').catch(() => undefined);
  const line = text?.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already inside user/nice).
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (v.length < 4 || v.some((x) => !Number.isFinite(x))) return undefined;
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** Logical CPUs: "cpuN" lines of /proc/stat, else "processor" lines of /proc/cpuinfo, else the OS count. */
export async function cpuCount(procfsRoot: string): Promise<number> {
  const stat = await readFile(join(procfsRoot, 'stat'), 'utf8').catch(() => '');
  const fromStat = stat.split('\n').filter((l) => /^cpu\d+\s/.test(l)).length;
  if (fromStat > 0) return fromStat;
  const info = await readFile(join(procfsRoot, 'cpuinfo'), 'utf8').catch(() => '');
  const fromInfo = info.split('\n').filter((l) => /^processor\s*:/.test(l)).length;
  return fromInfo > 0 ? fromInfo : Math.max(1, cpus().length);
}

/** CPU model name and socket count from /proc/cpuinfo (x86 "model name", ARM "CPU part"/"Model name"). */
export async function cpuInfo(procfsRoot: string): Promise<{ model: string | undefined; sockets: number }> {
  const info = await readFile(join(procfsRoot, 'cpuinfo'), 'utf8').catch(() => '');
  const value = (key: RegExp): string | undefined => {
    const line = info.split('\n').find((l) => key.test(l));
    return line?.slice(line.indexOf(':') + 1).trim() || undefined;
  };
  const physicalIds = new Set(
    info.split('\n').filter((l) => /^physical id\s*:/.test(l)).map((l) => l.slice(l.indexOf(':') + 1).trim()),
  );
  const armPart = armCoreName(value(/^CPU implementer\s*:/), value(/^CPU part\s*:/));
  return { model: value(/^model name\s*:/i) ?? armPart, sockets: Math.max(1, physicalIds.size) };
}

/** ARM servers list no model name, only implementer and part ids; these are the server cores in the TDP table. */
const ARM_PARTS: Record<string, string> = {
  '0x41:0xd0c': 'ARM Neoverse-N1',
  '0x41:0xd40': 'ARM Neoverse-V1',
  '0x41:0xd49': 'ARM Neoverse-N2',
  '0x41:0xd4f': 'ARM Neoverse-V2',
  '0xc0:0xac3': 'AmpereOne',
};

function armCoreName(implementer: string | undefined, part: string | undefined): string | undefined {
  if (!implementer || !part) return undefined;
  return ARM_PARTS[`${implementer.toLowerCase()}:${part.toLowerCase()}`];
}

/** MemTotal from /proc/meminfo, bytes; undefined when unreadable. */
export async function memTotalBytes(procfsRoot: string): Promise<number | undefined> {
  const text = await readFile(join(procfsRoot, 'meminfo'), 'utf8').catch(() => '');
  const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}
