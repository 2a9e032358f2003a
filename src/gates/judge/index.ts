// The judges a gate can hold a measurement against (see each file for what it guarantees).
export { meetsThreshold, parseThreshold, type Threshold } from './threshold.js';
export {
  hodgesLehmann,
  judgeMannWhitney,
  mannWhitneyU,
  type Alternative,
  type Direction,
  type JudgeResult,
  type MannWhitneyJudgeOptions,
} from './mann-whitney.js';
export { sequentialRateTest, type RateInterval, type SequentialRateOptions } from './sequential.js';
export { normalCdf, normalQuantile, normalSf } from './normal.js';
