// Traffic `flagd` (OpenFeature): the rollout is one flag of a flagd flag file (JSON, or YAML by its
// extension) whose targeting is a `fractional` split: `variation` for weight % of targeting keys, `stable`
// for the rest. The variation comes first, so a user in it at 5 % stays in it at 25 %. Rollgate owns that
// flag's `targeting` and leaves the rest of the file alone; the file is replaced atomically (temp +
// rename, as for NGINX), and only if nobody changed it since it was read. flagd watches the file and
// applies it within moments; the read-back is the file.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { checkWeight, defineTrafficProvider, serialQueue } from '../provider.js';
import type { TrafficRouter } from '../../ports.js';
import { unboundedDuration } from '../../config/common.js';
import { writeAtomically } from '../../util/atomic-file.js';

// flagd accepts any non-empty key; Rollgate takes the characters that are safe in a query, a log and a path.
const name = z
  .string()
  .regex(/^[A-Za-z0-9][\w.:/-]{0,127}$/, { error: 'expected letters, digits, "_", ".", ":", "/" and "-" (at most 128)' });

const flagdSchema = z.strictObject({
  provider: z.literal('flagd'),
  file: z.string().min(1).describe('The flagd flag file (JSON; YAML when it ends in .yaml or .yml) that holds the flag.'),
  flag: name.describe("The flag's key in the file. Rollgate owns its `targeting`; the flag and its variants must exist."),
  variation: name.default('on').describe('The variant rolled out: served to `weight` % of targeting keys.'),
  stable: name.default('off').describe('The variant served to everyone else.'),
  removeAfter: unboundedDuration
    .default('30d')
    .describe('A flag at 100 % for longer than this is listed (rollgate status, the report) as a candidate to remove from the code.'),
});

export type FlagdSpec = z.output<typeof flagdSchema>;

export const flagdTraffic = defineTrafficProvider({ schema: flagdSchema, create: (spec) => createFlagdRouter(spec) });

/** The targeting Rollgate writes for `weight` %. */
export function fractionalTargeting(spec: FlagdSpec, weight: number): Record<string, unknown> {
  return {
    fractional: [
      [spec.variation, weight],
      [spec.stable, 100 - weight],
    ],
  };
}

interface FlagConfig {
  state?: unknown;
  variants?: Record<string, unknown>;
  defaultVariant?: unknown;
  targeting?: unknown;
}

/** The variation's share of the flag as the file has it: 0 for a disabled flag; an error for targeting Rollgate did not write. */
export function variationShare(spec: FlagdSpec, flag: FlagConfig, where: string): number {
  if (flag.state !== 'ENABLED') return 0;
  const targeting = flag.targeting;
  if (targeting === undefined || targeting === null || (typeof targeting === 'object' && Object.keys(targeting).length === 0)) {
    return flag.defaultVariant === spec.variation ? 100 : 0;
  }
  const split = (targeting as { fractional?: unknown }).fractional;
  const buckets = Array.isArray(split) && Object.keys(targeting).length === 1 ? split : undefined;
  const valid =
    buckets?.every((b) => Array.isArray(b) && b.length === 2 && typeof b[0] === 'string' && Number.isInteger(b[1]) && b[1] >= 0) ?? false;
  if (!buckets || !valid) {
    throw new Error(
      `${where} has targeting rollgate did not write (${JSON.stringify(targeting).slice(0, 200)}); rollgate owns this flag's targeting: remove it first`,
    );
  }
  const total = (buckets as Array<[string, number]>).reduce((sum, [, w]) => sum + w, 0);
  const share = (buckets as Array<[string, number]>).filter(([v]) => v === spec.variation).reduce((sum, [, w]) => sum + w, 0);
  if (total === 0) throw new Error(`${where}: the fractional split gives no variant any weight`);
  return Math.round((100 * share) / total);
}

/** A flag file, parsed so that it can be changed and written back (YAML keeps its comments). */
interface FlagFile {
  flag(key: string): FlagConfig | undefined;
  set(key: string, field: 'state' | 'targeting', value: unknown): void;
  text(): string;
}

function parseFlagFile(path: string, text: string): FlagFile {
  const yaml = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
  if (yaml) {
    const doc = parseDocument(text);
    if (doc.errors.length) throw new Error(`${path} is not valid YAML: ${doc.errors[0]!.message}`);
    return {
      flag: (key) => (doc.toJS() as { flags?: Record<string, FlagConfig> } | null)?.flags?.[key],
      set: (key, field, value) => doc.setIn(['flags', key, field], doc.createNode(value)),
      text: () => doc.toString(),
    };
  }
  let data: { flags?: Record<string, FlagConfig> };
  try {
    data = JSON.parse(text) as typeof data;
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return {
    flag: (key) => (data && typeof data.flags === 'object' && Object.hasOwn(data.flags, key) ? data.flags[key] : undefined),
    set: (key, field, value) => {
      data.flags![key]![field] = value;
    },
    text: () => `${JSON.stringify(data, null, 2)}\n`,
  };
}

export function createFlagdRouter(spec: FlagdSpec): TrafficRouter {
  const where = `flagd flag "${spec.flag}" (${spec.file})`;

  const read = async () => {
    const text = await readFile(spec.file, 'utf8').catch((error: Error) => {
      throw new Error(`cannot read the flagd flag file ${spec.file}: ${error.message}`);
    });
    const file = parseFlagFile(spec.file, text);
    const flag = file.flag(spec.flag);
    if (!flag || typeof flag !== 'object') throw new Error(`${spec.file} has no flag "${spec.flag}"`);
    return { text, file, flag };
  };

  const serially = serialQueue();

  return {
    type: 'flagd',
    async setWeight(weight) {
      checkWeight(weight);
      return serially(async () => {
        // Someone else may edit other flags of the file meanwhile: write only over the text we read.
        for (let attempt = 1; ; attempt++) {
          const { text, file, flag } = await read();
          variationShare(spec, flag, where); // refuses targeting rollgate does not own
          const variants = flag.variants && typeof flag.variants === 'object' ? Object.keys(flag.variants) : [];
          for (const variant of [spec.variation, spec.stable]) {
            if (!variants.includes(variant))
              throw new Error(`${where} has no variant "${variant}" (variants: ${variants.join(', ') || 'none'})`);
          }
          file.set(spec.flag, 'targeting', fractionalTargeting(spec, weight));
          // The flag is switched on when the rollout starts sending users to the variation.
          if (weight > 0 && flag.state !== 'ENABLED') file.set(spec.flag, 'state', 'ENABLED');
          const current = await readFile(spec.file, 'utf8').catch(() => undefined);
          if (current === text) return writeAtomically(spec.file, file.text());
          if (attempt >= 3) throw new Error(`${spec.file} kept changing while rollgate wrote ${weight}% to it; try again`);
        }
      });
    },
    async getWeight() {
      const { flag } = await read();
      return variationShare(spec, flag, where);
    },
    async verify(weight) {
      const { flag } = await read();
      const expected = JSON.stringify(fractionalTargeting(spec, weight));
      return (
        JSON.stringify(flag.targeting) === expected &&
        (flag.state === 'ENABLED' || weight === 0) &&
        variationShare(spec, flag, where) === weight
      );
    },
  };
}
