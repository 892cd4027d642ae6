import { scanProcessTree } from '@verdant/energy';
const res = [];
for (let i = 0; i < 8; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  const c0 = process.cpuUsage(); const t0 = performance.now();
  await scanProcessTree('/proc', process.pid);
  const c = process.cpuUsage(c0); res.push(`${((c.user + c.system) / 1000).toFixed(2)}ms cpu (sys ${(c.system/1000).toFixed(2)}) ${(performance.now() - t0).toFixed(2)}ms wall`);
}
console.log(res.join('\n'));
