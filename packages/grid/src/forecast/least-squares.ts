/**
 * Accumulates the normal equations of a small least-squares fit row by row (no design matrix kept), then
 * solves them with a little ridge for stability.
 */
export class NormalEquations {
  readonly k: number;
  private readonly xtx: Float64Array;
  private readonly xty: Float64Array;
  rows = 0;

  constructor(k: number) {
    this.k = k;
    this.xtx = new Float64Array(k * k);
    this.xty = new Float64Array(k);
  }

  add(x: ArrayLike<number>, y: number): void {
    const k = this.k;
    for (let i = 0; i < k; i++) {
      const xi = x[i]!;
      this.xty[i] = this.xty[i]! + xi * y;
      for (let j = 0; j < k; j++) this.xtx[i * k + j] = this.xtx[i * k + j]! + xi * x[j]!;
    }
    this.rows++;
  }

  /** Weights minimising squared error (+ ridge * trace/k * |w|^2), or undefined if singular. */
  solve(ridge = 1e-6): Float64Array | undefined {
    const k = this.k;
    const a = Float64Array.from(this.xtx);
    const b = Float64Array.from(this.xty);
    let trace = 0;
    for (let i = 0; i < k; i++) trace += a[i * k + i]!;
    for (let i = 0; i < k; i++) a[i * k + i] = a[i * k + i]! + (ridge * trace) / k;
    // Gaussian elimination with partial pivoting.
    for (let col = 0; col < k; col++) {
      let piv = col;
      for (let r = col + 1; r < k; r++) if (Math.abs(a[r * k + col]!) > Math.abs(a[piv * k + col]!)) piv = r;
      if (Math.abs(a[piv * k + col]!) < 1e-12) return undefined;
      if (piv !== col) {
        for (let c = 0; c < k; c++) [a[col * k + c], a[piv * k + c]] = [a[piv * k + c]!, a[col * k + c]!];
        [b[col], b[piv]] = [b[piv]!, b[col]!];
      }
      for (let r = col + 1; r < k; r++) {
        const f = a[r * k + col]! / a[col * k + col]!;
        for (let c = col; c < k; c++) a[r * k + c] = a[r * k + c]! - f * a[col * k + c]!;
        b[r] = b[r]! - f * b[col]!;
      }
    }
    const w = new Float64Array(k);
    for (let r = k - 1; r >= 0; r--) {
      let s = b[r]!;
      for (let c = r + 1; c < k; c++) s -= a[r * k + c]! * w[c]!;
      w[r] = s / a[r * k + r]!;
    }
    return w;
  }
}
