import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { request } from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, sandbox, startCli } from './helpers.js';

beforeAll(assertBuilt);

const TOKEN = 'cli-test-token-0123456789abcdef';

/** A GET to 127.0.0.1:port with the given headers; resolves with the status. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const expectOneLine = (stderr: string): void => {
  expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
};

describe('verdant serve', () => {
  it('a port in use is one line naming --port and exit 2, no stack trace', async () => {
    const { env } = sandbox([]);
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runCli(['serve', '--no-scheduler', '--port', String(port)], env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`port ${port} is in use`);
      expect(r.stderr).toContain('--port');
      expectOneLine(r.stderr);
    } finally {
      busy.close();
    }
  });

  it('refuses a blank or short token for a public bind before opening anything', async () => {
    const { env } = sandbox([]);
    for (const token of [' ', 'short-token']) {
      const r = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--token', token], env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--token/);
      expectOneLine(r.stderr);
    }
    const fromEnv = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], { ...env, VERDANT_API_TOKEN: 'tiny' });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/VERDANT_API_TOKEN/);
    const none = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], { ...env, VERDANT_API_TOKEN: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/token is required/);
  });

  it('on 0.0.0.0 says it listens on all interfaces, and wants the token (401 without it)', async () => {
    const { env } = sandbox([]);
    const child = startCli(['serve', '--no-scheduler', '--host', '0.0.0.0', '--port', '0', '--token', TOKEN], env);
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    try {
      let port: number | undefined;
      for (let i = 0; i < 200 && port === undefined; i++) {
        port = Number(/all interfaces, port (\d+)/.exec(err)?.[1]) || undefined;
        if (port === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(err).toMatch(/serving .* on all interfaces, port \d+/);
      expect(err).not.toMatch(/on http:\/\/127\.0\.0\.1/);
      expect(await get(port!, '/api/runs')).toBe(401);
      expect(await get(port!, '/api/runs', { authorization: `bearer ${TOKEN}` })).toBe(200);
      expect(await get(port!, '/healthz')).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    }
  });
});

describe('verdant submit checks the command before queueing', () => {
  const submit = (env: NodeJS.ProcessEnv, cmd: string[]) => runCli(['submit', '--duration', '1m', '--region', 'DE', '--json', '--', ...cmd], { ...env, VERDANT_OFFLINE: '1' });
  const jobCount = async (env: NodeJS.ProcessEnv): Promise<number> => JSON.parse((await runCli(['jobs', 'list', '--json'], env)).stdout).jobs.length;

  it('exits 127 for a command that does not exist and 126 for a directory, queueing nothing', async () => {
    const { home, env } = sandbox([]);
    const missing = await submit(env, ['/nonexistent/cmd', '--flag']);
    expect(missing.code, missing.stderr).toBe(127);
    expect(missing.stderr).toMatch(/<command>.*not found.*\/nonexistent\/cmd/);
    expectOneLine(missing.stderr);
    const notOnPath = await submit(env, ['verdant-no-such-command']);
    expect(notOnPath.code).toBe(127);
    const dir = join(home, 'a-directory');
    mkdirSync(dir);
    const directory = await submit(env, [dir]);
    expect(directory.code, directory.stderr).toBe(126);
    expectOneLine(directory.stderr);
    expect(await jobCount(env)).toBe(0);
    // A command that exists is queued.
    const ok = await submit(env, ['sh', '-c', 'exit 0']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await jobCount(env)).toBe(1);
  });
});
