import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, sandbox } from './helpers.js';

beforeAll(assertBuilt);

const FIXTURE = fileURLToPath(new URL('../../accel/test/fixtures/aws-vms.csv', import.meta.url));

describe('verdant accel', () => {
  it('imports a vms.csv (a malformed row reported by line, the others kept), warns on old prices, lists offers', async () => {
    const { env } = sandbox([]);
    const sample = await runCli(['accel', 'offers', '--json'], env);
    expect(sample.code).toBe(0);
    expect(JSON.parse(sample.stdout).sample).toBe(true);
    expect(sample.stderr).toMatch(/illustrative/);

    const old = new Date(Date.now() - 60 * 86400 * 1000).toISOString();
    const imp = await runCli(['accel', 'import', FIXTURE, '--format', 'skypilot', '--provider', 'aws', '--retrieved', old], env);
    expect(imp.code).toBe(0);
    expect(imp.stderr).toMatch(/aws-vms\.csv line 6: malformed, skipped: Price must be a non-negative number/);
    expect(imp.stdout).toMatch(/imported 5 offers from 8 rows \(1 malformed, 2 skipped\)/);
    const list = await runCli(['accel', 'offers', '--json'], env);
    const body = JSON.parse(list.stdout);
    expect(body.offers).toHaveLength(5);
    expect(body.offers.every((o: { grid_zone: string | null }) => o.grid_zone !== null)).toBe(true);
    expect(list.stderr).toMatch(/older than 30 days/);

    const noCloud = await runCli(['accel', 'import', FIXTURE, '--format', 'skypilot'], env);
    expect(noCloud.code).toBe(2);
    expect(noCloud.stderr).toMatch(/--provider/);

    const lambda = await runCli(['accel', 'import', fileURLToPath(new URL('../../accel/test/fixtures/lambda-vms.csv', import.meta.url)), '--format', 'skypilot', '--provider', 'lambda'], env);
    expect(lambda.code).toBe(0);
    expect(lambda.stderr).toMatch(/no grid zone for lambda:us-east-1, lambda:us-west-1/);
  });

  it('recommends for 7B on 2T tokens in 14 days over a trace: the table, exclusions with reasons, a bad flag named', async () => {
    const { env, home } = sandbox([]);
    const csv = join(home, 'es.csv');
    writeFileSync(csv, 'InstanceType,AcceleratorName,AcceleratorCount,Price,SpotPrice,Region\np5.48xlarge,H100,8,98,40,eu-south-2\ng6.xlarge,L4,1,0.8,,eu-south-2\nND96isr_MI300X_v5,MI300X,8,96,,spaincentral\n');
    expect((await runCli(['accel', 'import', csv, '--format', 'skypilot', '--provider', 'aws'], env)).code).toBe(0);
    const args = ['accel', 'recommend', '--params', '7B', '--tokens', '2T', '--deadline', '14d', '--earliest', '2023-06-01T00:00Z', '--trace', 'ES:2023'];
    const r = await runCli([...args, '--json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.front.length).toBeGreaterThan(0);
    expect(out.chosen.grid_zone).toBe('ES');
    expect(out.excluded.some((e: { what: string; reason: string }) => e.what === '1 × l4' && /cannot hold it/.test(e.reason))).toBe(true);
    const table = await runCli(args, env);
    expect(table.stdout.split('\n')[0]).toMatch(/device\s+mem GB\s+count\s+offer.*\$\/GPU-h\s+\$\/PFLOP-h\s+hours\s+kWh\s+kgCO2e\s+USD/);
    expect(table.stdout).toMatch(/sources: peak spec/);
    const bad = await runCli(['accel', 'recommend', '--params', 'lots', '--tokens', '2T', '--deadline', '14d'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--params/);
  });

  it('submit --accel is read as <type>:<count>, a bad one named before anything is queued', async () => {
    const { env } = sandbox([]);
    const bad = await runCli(['submit', '--accel', 'h100', '--duration', '1h', '--region', 'DE', '--', 'true'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--accel/);
    const badType = await runCli(['submit', '--accel', 'h100;x:8', '--duration', '1h', '--region', 'DE', '--executor', 'slurm', '--', 'true'], env);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toMatch(/--accel/);
  });
});
