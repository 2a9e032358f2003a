import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { lazyProviders } from '../../../src/util/lazy-providers.js';
import { trafficProviders } from '../../../src/traffic/registry.js';
import { gateProviders } from '../../../src/gates/registry.js';

const provider = (name: string) => ({ schema: z.strictObject({ provider: z.literal(name), size: z.int().min(1) }) });

function registry() {
  const calls: string[] = [];
  const loader =
    (name: string, declared = name) =>
    async () => {
      calls.push(name);
      return provider(declared);
    };
  return { calls, providers: lazyProviders('thing', { small: loader('small'), large: loader('large'), liar: loader('liar', 'small') }) };
}

const issuesOf = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map(({ code, path, message }) => ({ code, path, message }));
};

describe('lazyProviders: a registry whose files load when a spec names them', () => {
  it('loads only the names asked for, once, skipping values that name no provider', async () => {
    const { calls, providers } = registry();
    await providers.load(['small', 'small', 'nope', 42, undefined, 'toString', 'constructor']);
    await providers.load(['small']);
    expect(calls).toEqual(['small']);
    expect(providers.isLoaded('small')).toBe(true);
    expect(providers.isLoaded('large')).toBe(false);
    expect(() => providers.get('large')).toThrow('thing provider "large" is not loaded');
    expect(() => providers.get('nope')).toThrow('thing provider "nope" is unknown');
  });

  it('checks a loaded provider fully and lists every name, loaded or not, when the name is wrong', async () => {
    const partial = registry().providers;
    await partial.load(['small']);
    const full = registry().providers;
    await full.load(['small', 'large']);
    for (const value of [
      { provider: 'small', size: 0 },
      { provider: 'smal', size: 1 },
      { size: 1 },
      { provider: 'small', size: 1, extra: 1 },
    ]) {
      expect(issuesOf(partial.union(), value)).toEqual(issuesOf(full.union(), value));
    }
    expect(issuesOf(partial.union(), { provider: 'smal' })[0]).toMatchObject({ code: 'invalid_union', path: ['provider'] });
    expect(issuesOf(partial.union(), { provider: 'small', size: 0 })).toEqual([
      expect.objectContaining({ code: 'too_small', path: ['size'] }),
    ]);
  });

  it('builds the union once per set of loaded providers', async () => {
    const { providers } = registry();
    const before = providers.union();
    expect(providers.union()).toBe(before);
    await providers.load(['large']);
    expect(providers.union()).not.toBe(before);
  });

  it('refuses a file whose schema declares another name than its registry line', async () => {
    const { providers } = registry();
    await expect(providers.load(['liar'])).rejects.toThrow('thing provider registered as "liar" declares provider "small"');
  });
});

describe('the traffic and gate registries', () => {
  it('name each provider as its own file declares it (every file loads)', async () => {
    for (const providers of [trafficProviders, gateProviders]) {
      await providers.loadAll();
      expect(providers.names.length).toBeGreaterThan(5);
      for (const name of providers.names) expect(providers.get(name).schema.shape.provider.value).toBe(name);
    }
  });
});
