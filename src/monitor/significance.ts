/**
 * The two tests the drift detector uses. Pearson's chi-squared goodness-of-fit test: observed
 * counts against expected shares, with cells merged until each expects at least 5 (the rule
 * that keeps its p-value honest); the p-value is the regularised upper incomplete gamma
 * function Q(dof/2, x/2). And the exact binomial tail, for a rate whose expected count is too
 * small for chi-squared (a 2 % out-of-domain rate over 200 predictions expects 4).
 */

/** ln Γ(x), Lanczos approximation (g = 7, n = 9), accurate to ~15 digits for x > 0. */
function logGamma(x: number): number {
  // The usual published coefficients, written as the doubles hold them: -176.61503916999185 is stored as …186.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61503916999186, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Q(a, x) = Γ(a, x) / Γ(a): the series below a + 1, Lentz's continued fraction above
 * (Numerical Recipes §6.2).
 *
 * @example
 * upperGamma(1, 2) // → e^-2 ≈ 0.1353
 */
export function upperGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 500 && Math.abs(term) > Math.abs(sum) * 1e-15; n++) sum += term *= x / (a + n);
    return Math.max(0, 1 - front * sum);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return front * h;
}

/** The result of {@link chiSquared}: the statistic, its degrees of freedom, and the p-value. */
export interface ChiSquared {
  value: number;
  dof: number;
  p: number;
}

/**
 * Tests `observed` counts against `shares` (which sum to 1). Adjacent cells are merged until
 * each expects ≥ `minExpected`; with fewer than two cells left there is nothing to test (p = 1).
 *
 * @example
 * chiSquared([30, 10], [0.5, 0.5]) // → { value: 10, dof: 1, p: 0.0016 }
 */
export function chiSquared(observed: readonly number[], shares: readonly number[], minExpected = 5): ChiSquared {
  const n = observed.reduce((a, b) => a + b, 0);
  const cells: [number, number][] = [];
  let o = 0;
  let e = 0;
  for (let i = 0; i < observed.length; i++) {
    o += observed[i]!;
    e += shares[i]! * n;
    if (e >= minExpected) {
      cells.push([o, e]);
      o = 0;
      e = 0;
    }
  }
  // What is left over joins the last cell.
  if (e > 0 || o > 0) {
    const last = cells.at(-1);
    if (last) {
      last[0] += o;
      last[1] += e;
    } else cells.push([o, e]);
  }
  if (cells.length < 2) return { value: 0, dof: 0, p: 1 };
  const value = cells.reduce((sum, [obs, exp]) => sum + (exp > 0 ? (obs - exp) ** 2 / exp : obs > 0 ? Infinity : 0), 0);
  const dof = cells.length - 1;
  return { value, dof, p: Number.isFinite(value) ? upperGamma(dof / 2, value / 2) : 0 };
}

/**
 * P(X ≥ k) for X ~ Binomial(n, p), summed exactly in log space.
 *
 * @example
 * binomialTail(20, 200, 0.05) // → ≈ 0.0077: 20 or more out of 200 when 5 % is usual
 */
export function binomialTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const logPmf = (i: number) => logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) + i * Math.log(p) + (n - i) * Math.log(1 - p);
  let sum = 0;
  for (let i = k; i <= n; i++) sum += Math.exp(logPmf(i));
  return Math.min(1, sum);
}
