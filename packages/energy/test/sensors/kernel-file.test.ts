import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KernelFile, parseDecimal } from '../../src/sensors/kernel-file.js';
import { cleanupTemp, openDescriptors as opened, tempDir } from './helpers.js';

afterEach(cleanupTemp);

describe('KernelFile', () => {
  it('reads what the file holds now at every read, through one open file', () => {
    const path = join(tempDir(), 'energy_uj');
    writeFileSync(path, '1000000\n');
    const file = new KernelFile(path);
    expect(file.read()).toBe('1000000\n');
    writeFileSync(path, '51000000\n'); // rewritten in place, as the kernel renders a counter afresh
    expect(file.read()).toBe('51000000\n');
    writeFileSync(path, '7\n'); // shorter than before: nothing of the old text is left over
    expect(file.read()).toBe('7\n');
    expect(opened(path)).toBe(1);
    file.close();
    expect(opened(path)).toBe(0);
  });

  it('reads a file longer than its buffer whole', () => {
    const path = join(tempDir(), 'long');
    const text = 'x'.repeat(10_000) + '\n';
    writeFileSync(path, text);
    const file = new KernelFile(path);
    expect(file.read()).toBe(text);
    file.close();
  });

  it('fails as a read would while the file is missing, and reads it once it is there', () => {
    const path = join(tempDir(), 'later');
    const file = new KernelFile(path);
    expect(() => file.read()).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    writeFileSync(path, '42\n');
    expect(file.read()).toBe('42\n');
    file.close();
  });

  it('renders procfs afresh at each read', () => {
    const file = new KernelFile('/proc/self/stat');
    const utime = () => Number(file.read().slice(file.read().lastIndexOf(')') + 2).split(' ')[11]);
    const before = utime();
    const c0 = process.cpuUsage();
    while (process.cpuUsage(c0).user < 100_000); // 0.1 s of CPU: 10 clock ticks
    expect(utime()).toBeGreaterThan(before);
    file.close();
  });
});

describe('KernelFile.parse and parseDecimal', () => {
  it('hands the bytes read now to the parser, and reads numbers as Number() of their trimmed text would', () => {
    const path = join(tempDir(), 'energy_uj');
    writeFileSync(path, ' 123456789012\n');
    const file = new KernelFile(path);
    expect(file.parse((b, n) => parseDecimal(b, 0, n))).toBe(123456789012);
    writeFileSync(path, '-42\n');
    expect(file.parse((b, n) => parseDecimal(b, 0, n))).toBe(-42);
    writeFileSync(path, '12x\n');
    expect(Number.isNaN(file.parse((b, n) => parseDecimal(b, 0, n)))).toBe(true);
    writeFileSync(path, '\n');
    expect(Number.isNaN(file.parse((b, n) => parseDecimal(b, 0, n)))).toBe(true);
    file.close();
  });
});
