// Agent runs recorded by @verdant/agents (runAgent's `record` option), newest first; a running one refreshes.
import { ErrorNote, Status, useInterval, useLoad } from '../../components/ui';
import { getJson } from '../../lib/api';
import * as f from '../../lib/format';
import { href } from '../../lib/router';
import type { PageDef } from '../page';

export interface AgentRunItem {
  id: string;
  name: string;
  vendor: string;
  model: string;
  status: string;
  finish_reason: string | null;
  started_at: number;
  ended_at: number | null;
  duration_s: number | null;
  steps: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  error: string | null;
}

function AgentRunsPage() {
  const runs = useLoad((signal) => getJson<{ runs: AgentRunItem[] }>('/api/agent-runs?limit=100', signal), []);
  useInterval(runs.reload, runs.data?.runs.some((r) => r.status === 'running') ? 1000 : 5000);
  const list = runs.data?.runs ?? [];
  return (
    <main data-page="agent-runs" data-ready={runs.data ? 'true' : undefined}>
      <h1>Agent runs</h1>
      <ErrorNote error={runs.error} />
      <div class="table-wrap" tabIndex={0}>
        <table data-table="agent-runs">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Model</th>
              <th scope="col">Started</th>
              <th scope="col" class="num">Duration</th>
              <th scope="col" class="num">Steps</th>
              <th scope="col" class="num">Tokens in / out</th>
              <th scope="col" class="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id}>
                <td>
                  <a href={href(`/agent-runs/${encodeURIComponent(r.id)}`)}>{r.name}</a>
                  <div class="note">{r.id}</div>
                </td>
                <td>
                  <Status status={r.status} />
                </td>
                <td>
                  {r.vendor}/{r.model}
                </td>
                <td>{f.dateTime(r.started_at)}</td>
                <td class="num">{r.duration_s === null ? '–' : f.duration(r.duration_s)}</td>
                <td class="num">{r.steps}</td>
                <td class="num">
                  {r.input_tokens} / {r.output_tokens}
                </td>
                <td class="num">{r.cost_usd === null ? '–' : `$${r.cost_usd.toFixed(4)}`}</td>
              </tr>
            ))}
            {runs.data && list.length === 0 && (
              <tr>
                <td colSpan={8} class="muted">
                  No agent run recorded yet: pass <code>record: {'{ store }'}</code> to runAgent.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </main>
  );
}

export const page: PageDef = { name: 'agent-runs', path: '/agent-runs', nav: 'Agent runs', title: () => 'Agent runs', component: AgentRunsPage };
