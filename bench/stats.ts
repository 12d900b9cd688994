// Small, dependency-free statistics for repeated benchmark runs. Run counts are tiny (3–10), so
// every interval and test uses Student's t distribution, never the normal approximation.

export interface Spread {
  median: number;
  min: number;
  max: number;
  mean: number;
}

export interface ConfidenceInterval {
  mean: number;
  low: number;
  high: number;
  /** Half the width of the interval; 0 with a single run (no spread can be estimated). */
  halfWidth: number;
}

export interface WelchResult {
  t: number;
  degreesOfFreedom: number;
  /** Two-sided p-value; 1 when either side has fewer than two runs or both have zero variance and equal means. */
  pValue: number;
  significant: boolean;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Sample variance (n − 1 in the denominator). */
export function variance(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1);
}

export function spread(values: readonly number[]): Spread {
  return {
    median: median(values),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    mean: mean(values),
  };
}

/** Quantile (0–1) of an already ascending-sorted array, linear interpolation between ranks. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

// --- Student's t distribution ---------------------------------------------------------------

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~15 digits for x > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the regularized incomplete beta function (Numerical Recipes 6.4). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return h;
}

function regularizedIncompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T > |t|) × 2 for Student's t with `df` degrees of freedom (df may be fractional). */
export function twoSidedPValue(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return regularizedIncompleteBeta(df / 2, 0.5, df / (df + t * t));
}

/** The t value with `df` degrees of freedom whose two-sided tail is `alpha` (bisection). */
export function tCritical(df: number, alpha = 0.05): number {
  let lo = 0;
  let hi = 1000;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (twoSidedPValue(mid, df) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** 95 % (by default) confidence interval of the mean, Student t with n − 1 degrees of freedom. */
export function confidenceInterval(values: readonly number[], level = 0.95): ConfidenceInterval {
  const m = mean(values);
  if (values.length < 2) return { mean: m, low: m, high: m, halfWidth: 0 };
  const halfWidth = tCritical(values.length - 1, 1 - level) * Math.sqrt(variance(values) / values.length);
  return { mean: m, low: m - halfWidth, high: m + halfWidth, halfWidth };
}

/**
 * 95 % (by default) interval of a ratio measured once per run: Student t on the logarithms of the
 * per-run ratios, back-transformed, so the interval is centred on the geometric mean and 0.5× and
 * 2× are equally far from 1. A ratio's runs are paired (numerator and denominator ran back to back
 * inside the same run), so the drift of the machine between runs is already divided out.
 */
export function ratioInterval(perRun: readonly number[], level = 0.95): { centre: number; low: number; high: number; relativeHalfWidth: number } | null {
  const logs = perRun.filter((r) => r > 0 && Number.isFinite(r)).map(Math.log);
  if (logs.length < 2) return null;
  const ci = confidenceInterval(logs, level);
  const low = Math.exp(ci.low);
  const high = Math.exp(ci.high);
  const centre = Math.exp(ci.mean);
  return { centre, low, high, relativeHalfWidth: (high - low) / 2 / centre };
}

/** Welch's unequal-variance t-test of the means of `a` and `b`. */
export function welchTTest(a: readonly number[], b: readonly number[], alpha = 0.05): WelchResult {
  if (a.length < 2 || b.length < 2) return { t: Number.NaN, degreesOfFreedom: Number.NaN, pValue: 1, significant: false };
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  const diff = mean(b) - mean(a);
  if (va + vb === 0) {
    const pValue = diff === 0 ? 1 : 0;
    return { t: diff === 0 ? 0 : Math.sign(diff) * Infinity, degreesOfFreedom: a.length + b.length - 2, pValue, significant: pValue < alpha };
  }
  const t = diff / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const pValue = twoSidedPValue(t, df);
  return { t, degreesOfFreedom: df, pValue, significant: pValue < alpha };
}
