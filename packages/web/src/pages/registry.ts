// The dashboard's pages, in navigation order. Adding a page: a folder src/pages/<name>/ whose index.tsx exports
// `page: PageDef` (pages/page.ts), and one line here.
import type { PageDef } from './page';
import { page as overview } from './overview';
import { page as runs } from './runs';
import { page as run } from './run';
import { page as grid } from './grid';
import { page as jobs } from './jobs';
import { page as simulate } from './simulate';
import { page as accel } from './accel';
import { page as agentRuns } from './agent-runs';
import { page as agentRun } from './agent-run';
import { page as moe, comparePage as moeCompare, trainingPage as moeTraining } from './moe';
import { page as moePlay } from './moe-play';

export const pages: readonly PageDef[] = [overview, runs, run, grid, jobs, simulate, accel, agentRuns, agentRun, moe, moeCompare, moeTraining, moePlay];
