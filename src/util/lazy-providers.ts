// A provider registry whose files load on demand: `rollgate validate` of a spec naming haproxy and
// prometheus loads those two files, not all twenty (each one's zod schema, SDK glue and builtins cost
// start-up time). The `provider` union still lists every name, so errors read the same: a provider
// not loaded stands in as a bare `{ provider }` object, which no spec that names it ever meets.
import { z } from 'zod';

type ProviderSchema = z.ZodObject<{ provider: z.ZodLiteral<string> } & z.ZodRawShape>;

export interface LazyProviders<P extends { schema: z.ZodType }> {
  /** Every provider name, in the registry's order (the order errors and the JSON Schema list them). */
  readonly names: readonly string[];
  /** Loads the named providers; names that are not providers (a typo the spec check reports) are skipped. */
  load(names: Iterable<unknown>): Promise<void>;
  loadAll(): Promise<void>;
  isLoaded(name: string): boolean;
  /** A loaded provider; throws for one never loaded (a caller that skipped load()). */
  get(name: string): P;
  /** The `provider` union: loaded providers' schemas, stand-ins for the rest. The same object until a load changes it. */
  union(): z.ZodDiscriminatedUnion<P['schema'][], 'provider'>;
}

export function lazyProviders<P extends { schema: z.ZodType }>(kind: string, loaders: Record<string, () => Promise<P>>): LazyProviders<P> {
  const names = Object.keys(loaders);
  const loaded = new Map<string, P>();
  let union: z.ZodDiscriminatedUnion<P['schema'][], 'provider'> | undefined;

  async function loadOne(name: string): Promise<void> {
    const provider = await loaders[name]!();
    const declared = (provider.schema as unknown as ProviderSchema).shape.provider.value;
    if (declared !== name) throw new Error(`${kind} provider registered as "${name}" declares provider "${declared}"`);
    if (!loaded.has(name)) union = undefined;
    loaded.set(name, provider);
  }

  const registry: LazyProviders<P> = {
    names,
    async load(wanted) {
      const missing = new Set<string>();
      for (const name of wanted) if (typeof name === 'string' && Object.hasOwn(loaders, name) && !loaded.has(name)) missing.add(name);
      await Promise.all([...missing].map(loadOne));
    },
    loadAll: () => registry.load(names),
    isLoaded: (name) => loaded.has(name),
    get(name) {
      const provider = loaded.get(name);
      if (!provider) throw new Error(`${kind} provider "${name}" is ${Object.hasOwn(loaders, name) ? 'not loaded' : 'unknown'}`);
      return provider;
    },
    union() {
      union ??= z.discriminatedUnion(
        'provider',
        names.map((name) => loaded.get(name)?.schema ?? z.strictObject({ provider: z.literal(name) })) as unknown as [
          ProviderSchema,
          ...ProviderSchema[],
        ],
      ) as unknown as z.ZodDiscriminatedUnion<P['schema'][], 'provider'>;
      return union;
    },
  };
  return registry;
}
