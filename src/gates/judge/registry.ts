// The comparison judges a metric gate's `compare.judge` may name: one line per judge.
import type { Judge } from './judge.js';
import { mannWhitneyJudge } from './mann-whitney.js';
import { sequentialJudge } from './sequential.js';

export const JUDGES = {
  'mann-whitney': mannWhitneyJudge,
  sequential: sequentialJudge,
} as const satisfies Record<string, Judge>;

export type JudgeName = keyof typeof JUDGES;
export const JUDGE_NAMES = Object.keys(JUDGES) as [JudgeName, ...JudgeName[]];
