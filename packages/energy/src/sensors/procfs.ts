import { readdirSync, readFileSync, readlinkSync, statfsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { KernelFile, parseDecimal as decimal } from './kernel-file.js';

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

/**
 * Parses one /proc/<pid>/stat line. The comm field may hold spaces and parentheses: fields are counted after the
 * last ')'.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const bytes = Buffer.from(text);
  return parseProcStatBytes(bytes, bytes.length);
}

const SPACE = 0x20;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;

/**
 * parseProcStat() of the first `length` bytes of `bytes` (a stat file as read, one byte a character). Walks to
 * the six fields it needs and reads their digits in place: no string, no slice, no split of the other fifty
 * fields (this runs for every process of the tree at every sample).
 */
export function parseProcStatBytes(bytes: Uint8Array, length: number): ProcStat | undefined {
  let open = 0;
  while (open < length && bytes[open] !== OPEN_PAREN) open++;
  let close = length - 1;
  while (close > open && bytes[close] !== CLOSE_PAREN) close--;
  if (open >= length || close <= open) return undefined;
  const pid = decimal(bytes, 0, open);
  let ppid = NaN;
  let utime = NaN;
  let stime = NaN;
  let cutime = NaN;
  let cstime = NaN;
  let rss = NaN;
  // `from` is where field n of proc(5) starts; field 3 (the state) follows ") ".
  let from = close + 2;
  for (let n = 3; n <= 24 && from < length; ) {
    let to = from;
    while (to < length && bytes[to] !== SPACE) to++;
    if (to === from) {
      from++; // a repeated space
      continue;
    }
    if (n === 4) ppid = decimal(bytes, from, to);
    else if (n === 14) utime = decimal(bytes, from, to);
    else if (n === 15) stime = decimal(bytes, from, to);
    else if (n === 16) cutime = decimal(bytes, from, to);
    else if (n === 17) cstime = decimal(bytes, from, to);
    else if (n === 24) rss = decimal(bytes, from, to);
    n++;
    from = to + 1;
  }
  if (!Number.isFinite(pid) || !Number.isFinite(ppid + utime + stime + cutime + cstime + rss)) return undefined;
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

function readStatText(procfsRoot: string, pid: number): string | undefined {
  try {
    return readFileSync(`${procfsRoot}/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}

function readProcStatSync(procfsRoot: string, pid: number): ProcStat | undefined {
  const text = readStatText(procfsRoot, pid);
  return text === undefined ? undefined : parseProcStat(text);
}

/** The parent pid (field 4) of a stat line, without splitting the other fifty fields; NaN when unreadable. */
function parentPid(text: string): number {
  const close = text.lastIndexOf(')');
  if (close < 0) return NaN;
  const from = text.indexOf(' ', close + 2); // after ") <state>"
  const to = text.indexOf(' ', from + 1);
  return from < 0 || to < 0 ? NaN : Number(text.slice(from + 1, to));
}

/** The numeric entries of a procfs root (one per process); [] when it cannot be listed. */
function processIds(procfsRoot: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync(procfsRoot);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const e of entries) {
    const c = e.charCodeAt(0);
    if (c >= 48 && c <= 57 && /^\d+$/.test(e)) pids.push(Number(e));
  }
  return pids;
}

/** Every process visible in procfs. */
export async function listProcesses(procfsRoot: string): Promise<ProcStat[]> {
  const stats: ProcStat[] = [];
  for (const pid of processIds(procfsRoot)) {
    const st = readProcStatSync(procfsRoot, pid);
    if (st) stats.push(st);
  }
  return stats;
}

/**
 * How long a scan for the tree's members stays good. Between scans only the known members are re-read: a
 * child born meanwhile is found at the next scan with all its CPU time (utime counts from its birth), and one
 * that exits meanwhile lands in its parent's cutime, so nothing is lost.
 */
export const TREE_RESCAN_S = 5;
/**
 * A scan reads only the processes it has not seen before (a process outside the tree never joins it: a child
 * is born to its parent, and an orphan goes to init or to a subreaper that is its own ancestor), and on a real
 * procfs none at all when no process or thread has been created since the last scan (the pid counter, the last
 * field of `loadavg`, has not moved). A pid is reused only once that counter wraps, which forces a full scan; in
 * any case a scan reads every process at least this often, which bounds what a missed reuse could hide.
 */
export const TREE_FULL_SCAN_S = 300;

interface TreeScan {
  /** When membership was last checked, epoch s. */
  at: number;
  /** When the last scan that read every process was taken, s. */
  fullAt: number;
  /** Members, root first. */
  pids: number[];
  /** Every pid procfs listed at the last scan, members included. */
  visible: ReadonlySet<number>;
  /** The pid counter at the last scan (undefined where it cannot be read). */
  lastPid: number | undefined;
  /** How the members are read between scans. */
  members: MemberStats;
}

/** Scans by procfs root, then by root pid (no key string to build and hash at every sample). */
const treeCache = new Map<string, Map<number, TreeScan>>();

function scansOf(procfsRoot: string): Map<number, TreeScan> {
  let scans = treeCache.get(procfsRoot);
  if (!scans) {
    scans = new Map();
    treeCache.set(procfsRoot, scans);
  }
  return scans;
}

const PROC_SUPER_MAGIC = 0x9fa0;

/** What is known of a procfs root: whether it is a mounted procfs, and its pid counter when it is our own. */
interface ProcfsKind {
  real: boolean;
  /** `loadavg` of a procfs of our own pid namespace (the counter it shows is the reader's namespace's). */
  loadavg: KernelFile | undefined;
}
const procfsKinds = new Map<string, ProcfsKind>();

function procfsKind(procfsRoot: string): ProcfsKind {
  let kind = procfsKinds.get(procfsRoot);
  if (!kind) {
    let real = false;
    let ours = false;
    try {
      real = statfsSync(procfsRoot).type === PROC_SUPER_MAGIC;
      ours = real && readlinkSync(join(procfsRoot, 'self')) === String(process.pid);
    } catch {
      // a fixture tree, or a procfs without `self`
    }
    kind = { real, loadavg: ours ? new KernelFile(join(procfsRoot, 'loadavg')) : undefined };
    procfsKinds.set(procfsRoot, kind);
  }
  return kind;
}

/**
 * True for a mounted procfs, false for a fixture tree of plain files. Only a real procfs is read through open
 * files: a fixture's file removed to play an exited process would still read through one.
 */
function isRealProcfs(procfsRoot: string): boolean {
  return procfsKind(procfsRoot).real;
}

/** The last pid allocated in our pid namespace (threads included), or undefined where it cannot be known. */
function lastPid(procfsRoot: string): number | undefined {
  const file = procfsKind(procfsRoot).loadavg;
  if (!file) return undefined;
  try {
    const text = file.read().trimEnd();
    const n = Number(text.slice(text.lastIndexOf(' ') + 1));
    return Number.isSafeInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the members' /proc/<pid>/stat at each sample: kept open on a real procfs, by path on a fixture. */
class MemberStats {
  private readonly files = new Map<number, KernelFile>();
  private readonly keepOpen: boolean;

  constructor(private readonly procfsRoot: string) {
    this.keepOpen = isRealProcfs(procfsRoot);
  }

  /** The tree from the known members, root first; [] when the root is gone. At every sample: one loop, no call but the read's. */
  readAll(pids: readonly number[]): ProcStat[] {
    const tree: ProcStat[] = [];
    for (let i = 0; i < pids.length; i++) {
      const pid = pids[i]!;
      let st: ProcStat | undefined;
      if (!this.keepOpen) {
        st = readProcStatSync(this.procfsRoot, pid);
      } else {
        let file = this.files.get(pid);
        if (!file) {
          file = new KernelFile(`${this.procfsRoot}/${pid}/stat`);
          this.files.set(pid, file);
        }
        try {
          st = file.parse(parseProcStatBytes);
        } catch {
          this.files.delete(pid); // gone (the file has closed itself)
        }
      }
      if (st) tree.push(st);
    }
    return tree[0]?.pid === pids[0] ? tree : [];
  }

  /** Closes the files of processes that are no longer members. */
  retain(pids: ReadonlySet<number>): void {
    for (const [pid, file] of this.files) {
      if (pids.has(pid)) continue;
      file.close();
      this.files.delete(pid);
    }
  }
}

/** A read of the tree; `visible` (every pid in procfs) only when membership was checked by this read. */
interface TreeRead {
  tree: ProcStat[];
  visible: ReadonlySet<number> | undefined;
}

/**
 * The tree read in the current synchronous turn: the tracker reads every sensor at the same instant, so the CPU
 * and RAM models (and a GPU sensor's attribution) share one read of procfs. Forgotten as soon as the turn ends.
 */
let turnRoot: string | undefined;
let turnPid = 0;
let turnRead: TreeRead | undefined;

const settled = Promise.resolve();
const forgetTurn = (): void => {
  turnRoot = undefined;
  turnRead = undefined;
};

function rememberForTurn(procfsRoot: string, rootPid: number, read: TreeRead): TreeRead {
  if (turnRoot === undefined) void settled.then(forgetTurn); // a plain promise job: queueMicrotask makes an async resource per call
  turnRoot = procfsRoot;
  turnPid = rootPid;
  turnRead = read;
  return read;
}

/** Seconds since `at` by the wall clock (cheaper than the monotonic one here); a clock set back counts as long ago. */
function ageS(at: number, now: number): number {
  return now >= at ? now - at : Infinity;
}

/** The root process and all its descendants (root first); [] when the root has exited. */
export async function processTree(procfsRoot: string, rootPid: number): Promise<ProcStat[]> {
  return processTreeSync(procfsRoot, rootPid);
}

/** processTree(), for a sensor's per-sample path (procfs never blocks; a promise per read costs more than it). */
export function processTreeSync(procfsRoot: string, rootPid: number): ProcStat[] {
  if (turnRoot === procfsRoot && turnPid === rootPid) return turnRead!.tree; // the second sensor of a sample
  return readTree(procfsRoot, rootPid, TREE_RESCAN_S).tree;
}

/**
 * The tree as processTree() finds it, but with membership checked at this call, and every pid visible in procfs:
 * for attribution that must see a new child at once, such as a GPU's processes.
 */
export function currentProcessTree(procfsRoot: string, rootPid: number): { tree: ProcStat[]; visible: ReadonlySet<number> } {
  const read = readTree(procfsRoot, rootPid, 0);
  return { tree: read.tree, visible: read.visible ?? new Set() };
}

function readTree(procfsRoot: string, rootPid: number, rescanS: number): TreeRead {
  // Read in this turn already: good, unless a check of membership is asked for and that read did not make one.
  if (turnRoot === procfsRoot && turnPid === rootPid && (rescanS > 0 || turnRead!.visible)) return turnRead!;
  const now = Date.now() / 1000;
  const scans = scansOf(procfsRoot);
  const cached = scans.get(rootPid);
  if (cached && rescanS > 0 && ageS(cached.at, now) < rescanS) {
    const tree = cached.members.readAll(cached.pids);
    if (tree.length) return rememberForTurn(procfsRoot, rootPid, { tree, visible: undefined });
  }
  // The counter first: a process created after this read is seen by the next check, if not by this scan.
  const counter = lastPid(procfsRoot);
  const full = !cached || ageS(cached.fullAt, now) >= TREE_FULL_SCAN_S || (counter !== undefined && cached.lastPid !== undefined && counter < cached.lastPid);
  if (cached && !full && counter !== undefined && counter === cached.lastPid) {
    // Nothing has been created since the last scan: the members are the whole tree.
    const tree = cached.members.readAll(cached.pids);
    if (tree.length) {
      cached.at = now;
      return rememberForTurn(procfsRoot, rootPid, { tree, visible: cached.visible });
    }
  }
  const scan = scanTree(procfsRoot, rootPid, full ? undefined : cached);
  const members = new Set(scan.tree.map((p) => p.pid));
  cached?.members.retain(members);
  if (scan.tree.length) {
    scans.set(rootPid, {
      at: now,
      fullAt: full ? now : cached.fullAt,
      pids: [...members],
      visible: scan.visible,
      lastPid: counter,
      members: cached?.members ?? new MemberStats(procfsRoot),
    });
  } else {
    scans.delete(rootPid);
  }
  return rememberForTurn(procfsRoot, rootPid, { tree: scan.tree, visible: scan.visible });
}

/**
 * Forgets what is known of the tree rooted at `rootPid` and closes the files held open to read it (a sensor's
 * close()). Reading the tree again afterwards starts with a full scan.
 */
export function releaseProcessTree(procfsRoot: string, rootPid: number): void {
  const scans = treeCache.get(procfsRoot);
  scans?.get(rootPid)?.members.retain(new Set());
  scans?.delete(rootPid);
}

/**
 * Finds the tree by parent pids: reads the stat of every process in procfs except those `known` as non-members
 * at the last scan, then walks down from the root. Only members' lines are parsed in full.
 */
function scanTree(procfsRoot: string, rootPid: number, known?: { pids: readonly number[]; visible: ReadonlySet<number> }): { tree: ProcStat[]; visible: Set<number> } {
  const visible = new Set(processIds(procfsRoot));
  const wasMember = known && new Set(known.pids);
  const texts = new Map<number, string>();
  const byParent = new Map<number, number[]>();
  for (const pid of visible) {
    if (known?.visible.has(pid) && !wasMember!.has(pid) && pid !== rootPid) continue;
    const text = readStatText(procfsRoot, pid);
    if (text === undefined) continue;
    texts.set(pid, text);
    const ppid = parentPid(text);
    const siblings = byParent.get(ppid);
    if (siblings) siblings.push(pid);
    else byParent.set(ppid, [pid]);
  }
  const tree: ProcStat[] = [];
  const rootText = texts.get(rootPid);
  const root = rootText === undefined ? undefined : parseProcStat(rootText);
  if (root) {
    tree.push(root);
    const seen = new Set([rootPid]);
    for (let i = 0; i < tree.length; i++) {
      for (const child of byParent.get(tree[i]!.pid) ?? []) {
        if (seen.has(child)) continue;
        seen.add(child);
        const st = parseProcStat(texts.get(child)!);
        if (st) tree.push(st);
      }
    }
  }
  return { tree, visible };
}

/** The tree from a full scan of procfs, now (no cache): for signalling, where a missed child would keep running. */
export async function scanProcessTree(procfsRoot: string, rootPid: number): Promise<ProcStat[]> {
  return scanTree(procfsRoot, rootPid).tree;
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
    if (!isRealProcfs(procfsRoot)) return parseProcStat(readFileSync(join(procfsRoot, 'self', 'stat'), 'utf8'))?.childrenCpuS;
    let file = selfStat.get(procfsRoot);
    if (!file) {
      file = new KernelFile(join(procfsRoot, 'self', 'stat'));
      selfStat.set(procfsRoot, file);
    }
    return file.parse(parseProcStatBytes)?.childrenCpuS;
  } catch {
    return undefined;
  }
}

/** This process's own stat file, open for the life of the process (it is read at every sample). */
const selfStat = new Map<string, KernelFile>();

/** Resident memory of the tree, bytes. */
export async function treeRssBytes(procfsRoot: string, rootPid: number): Promise<number> {
  const tree = await processTree(procfsRoot, rootPid);
  return tree.reduce((sum, p) => sum + p.rssBytes, 0);
}

/** Whole-machine CPU jiffies from the first line of /proc/stat: busy and total. */
export async function machineCpuTicks(procfsRoot: string): Promise<{ busy: number; total: number } | undefined> {
  return machineCpuTicksSync(procfsRoot);
}

/** machineCpuTicks(), for a sensor's synchronous read. */
export function machineCpuTicksSync(procfsRoot: string): { busy: number; total: number } | undefined {
  let text: string | undefined;
  try {
    text = readFileSync(join(procfsRoot, 'stat'), 'utf8');
  } catch {
    return undefined;
  }
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
