// The standard normal distribution, accurate to a few units in the last place far into the tails.
// p-values of 1e-12 must keep their digits (scipy's ndtr does), so a short erf approximation
// with 1e-7 absolute error will not do: this is W. J. Cody's rational Chebyshev approximation
// as used by R's pnorm (Cody 1993, ACM TOMS Algorithm 715). The literals are the doubles nearest to
// Cody's published 20-digit coefficients, written in their shortest exact form.

const A = [2.2352520354606837, 161.02823106855587, 1067.6894854603709, 18154.98125334356, 0.06568233791820745];
const B = [47.202581904688245, 976.0985517377767, 10260.932208618979, 45507.78933502673];
const C = [
  0.39894151208813466, 8.883149794388377, 93.50665613217785, 597.2702763948002, 2494.5375852903726, 6848.190450536283, 11602.65143764735,
  9842.714838383978, 1.0765576773720192e-8,
];
const D = [
  22.266688044328117, 235.387901782625, 1519.3775994075547, 6485.558298266761, 18615.571640885097, 34900.95272114598, 38912.00328609327,
  19685.429676859992,
];
const P = [
  0.215898534057957, 0.12740116116024736, 0.022235277870649807, 0.0014216191932278934, 0.000029112874951168793, 0.023073441764940174,
];
const Q = [1.284260096144911, 0.4682382124808651, 0.06598813786892856, 0.0037823963320275824, 0.00007297515550839662];
const ONE_OVER_SQRT_2PI = 0.3989422804014327;
const SQRT_32 = 5.656854249492381;

/** exp(-y²/2) computed without losing the low bits of y² (Cody's trick: split y at 1/16). */
function gaussianTail(y: number): number {
  const coarse = Math.trunc(y * 16) / 16;
  const rest = (y - coarse) * (y + coarse);
  return Math.exp(-coarse * coarse * 0.5) * Math.exp(-rest * 0.5);
}

/** Upper tail Φ(−|x|)-style value for |x| = y above qnorm(3/4); returns P(Z > y). */
function upperTail(y: number): number {
  if (y <= SQRT_32) {
    let num = C[8]! * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]!) * y;
      den = (den + D[i]!) * y;
    }
    return gaussianTail(y) * ((num + C[7]!) / (den + D[7]!));
  }
  if (y >= 37.5193) return 0; // below the smallest double
  const inv = 1 / (y * y);
  let num = P[5]! * inv;
  let den = inv;
  for (let i = 0; i < 4; i++) {
    num = (num + P[i]!) * inv;
    den = (den + Q[i]!) * inv;
  }
  const ratio = (inv * (num + P[4]!)) / (den + Q[4]!);
  return (gaussianTail(y) * (ONE_OVER_SQRT_2PI - ratio)) / y;
}

/**
 * The standard normal distribution function Φ(x) = P(Z ≤ x), with relative error near machine
 * precision in both tails (matches scipy.special.ndtr). Φ(−∞) = 0, Φ(∞) = 1, Φ(NaN) = NaN.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= 0.67448975) {
    let num = 0;
    let den = 0;
    if (y > Number.EPSILON * 0.5) {
      const sq = x * x;
      num = A[4]! * sq;
      den = sq;
      for (let i = 0; i < 3; i++) {
        num = (num + A[i]!) * sq;
        den = (den + B[i]!) * sq;
      }
    }
    return 0.5 + (x * (num + A[3]!)) / (den + B[3]!);
  }
  const tail = upperTail(y);
  return x > 0 ? 1 - tail : tail;
}

/** P(Z > x) = Φ(−x), accurate in the far upper tail (does not compute 1 − Φ(x)). */
export function normalSf(x: number): number {
  return normalCdf(-x);
}

/**
 * The quantile Φ⁻¹(p) for p in (0, 1): the z with Φ(z) = p, to within one or two ulps.
 * Found by bisection on normalCdf, so it is exactly as good as normalCdf and needs no second
 * table of coefficients; called a handful of times per judgement, its cost does not matter.
 * @throws RangeError when p is not strictly between 0 and 1.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be strictly between 0 and 1, got ${p}`);
  let low = -40;
  let high = 40;
  for (let i = 0; i < 200; i++) {
    const mid = (low + high) / 2;
    if (mid === low || mid === high) break;
    if (normalCdf(mid) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}
