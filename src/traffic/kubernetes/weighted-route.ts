// What the Gateway API and the Istio router share: a route object whose rules each split traffic
// over a list of weighted backends (HTTPRoute rules[].backendRefs, VirtualService http[].route).
// Which rules Rollgate shifts, the canary's share in force, whether a split is in force, and one
// change: read, refuse drift, edit the rules, write conditionally on the resourceVersion just read
// (a server-side apply of the whole rule list, an atomic list in both CRDs), and on a 409 start
// again. Each router says how its backends are named, weighted and added.
import type { RouteContext } from '../../ports.js';
import { lastOtherManager, retryConflicts, type KubeClient, type KubeObject } from './client.js';
import { checkWeight } from '../provider.js';

export interface WeightedRouteKind<B extends { weight?: number }> {
  apiVersion: string;
  kind: string;
  /** The spec field with the rules, and each rule's field with its backends. */
  rulesField: string;
  backendsField: string;
  /** What users call a rule and a backend in messages ("rule", "HTTP route"; "Service", "destination"). */
  ruleWord: string;
  backendWord: string;
  /** Whether a backend entry stands for `name`. */
  is(backend: B, name: string, namespace: string): boolean;
  /** A backend's weight as the data plane reads it (an omitted weight means different things per API). */
  weightOf(backend: B, all: B[]): number;
  /** A new backend entry for `name`, modelled on the stable one. */
  add(name: string, stable: B): B;
}

export interface WeightedRouteOptions {
  /** The route object's name. */
  name: string;
  /** The rules to shift by name; default: every rule with the stable backend. */
  ruleNames?: string[];
  stable: string;
  canary: string;
}

/** The weight each named backend must have, e.g. [[stable, 90], [canary, 10]]. */
export type Split = Array<[name: string, weight: number]>;

/** A rule of the route: its name, and its backends under `backendsField`. */
type Rule = { name?: string; [field: string]: unknown };

export function weightedRoute<B extends { weight?: number }>(kind: WeightedRouteKind<B>, options: WeightedRouteOptions) {
  const where = (k: KubeClient) => `${kind.kind} ${k.namespace}/${options.name}`;
  const backends = (rule: Rule) => (rule[kind.backendsField] as B[] | undefined) ?? [];
  const rulesOf = (route: KubeObject) => (route.spec?.[kind.rulesField] as Rule[] | undefined) ?? [];
  const weightOf = (rule: Rule, name: string, namespace: string) => {
    const all = backends(rule);
    return all.filter((b) => kind.is(b, name, namespace)).reduce((sum, b) => sum + kind.weightOf(b, all), 0);
  };

  const read = async (k: KubeClient) => {
    const route = await k.read(kind.apiVersion, kind.kind, options.name);
    if (!route) throw new Error(`${where(k)} does not exist`);
    return route;
  };

  /** The rules Rollgate shifts, by index. */
  const targets = (k: KubeClient, route: KubeObject) => {
    const rules = rulesOf(route).map((rule, index) => ({ rule, index }));
    const routesToStable = (rule: Rule) => backends(rule).some((b) => kind.is(b, options.stable, k.namespace));
    const names = options.ruleNames;
    if (names) {
      const missing = names.filter((name) => !rules.some(({ rule }) => rule.name === name));
      if (missing.length) throw new Error(`${where(k)} has no ${kind.ruleWord} named ${missing.map((m) => `"${m}"`).join(', ')}`);
    }
    const chosen = names
      ? rules.filter(({ rule }) => rule.name !== undefined && names.includes(rule.name))
      : rules.filter(({ rule }) => routesToStable(rule));
    if (!chosen.length) throw new Error(`${where(k)} has no ${kind.ruleWord} that routes to the ${kind.backendWord} ${options.stable}`);
    for (const { rule, index } of chosen)
      if (!routesToStable(rule))
        throw new Error(`${where(k)} ${kind.ruleWord} ${index + 1} does not route to the ${kind.backendWord} ${options.stable}`);
    return chosen;
  };

  /** The canary's share in force: the same in every target rule, or an error saying where not. */
  const share = (k: KubeClient, route: KubeObject) => {
    const shares = targets(k, route).map(({ rule, index }) => {
      const all = backends(rule);
      const total = all.reduce((sum, b) => sum + kind.weightOf(b, all), 0);
      if (total === 0) throw new Error(`${where(k)} ${kind.ruleWord} ${index + 1} has every ${kind.backendWord} at weight 0`);
      return { index, share: Math.round((100 * weightOf(rule, options.canary, k.namespace)) / total) };
    });
    const [first] = shares as [{ index: number; share: number }];
    const odd = shares.find((s) => s.share !== first.share);
    if (odd)
      throw new Error(
        `${where(k)}: ${kind.ruleWord}s disagree on the canary share (${kind.ruleWord} ${first.index + 1}: ${first.share}%, ${kind.ruleWord} ${odd.index + 1}: ${odd.share}%)`,
      );
    return first.share;
  };

  const inForce = (k: KubeClient, route: KubeObject, split: Split) =>
    targets(k, route).every(({ rule }) => split.every(([name, weight]) => weightOf(rule, name, k.namespace) === weight));

  /**
   * Sets `split` in every target rule unless it is in force; `weight` is the canary's share, for
   * the drift check. `beforeWrite` runs once a write is needed (e.g. a check of what it refers to).
   */
  const change = (k: KubeClient, weight: number, split: Split, context?: RouteContext, beforeWrite?: () => Promise<void>) =>
    retryConflicts(async () => {
      const route = await read(k);
      const now = share(k, route);
      // Drift: the route no longer has what Rollgate confirmed last. The way back to stable is never refused.
      if (context && !context.rollback && context.from !== undefined && now !== context.from && !inForce(k, route, split)) {
        const who = lastOtherManager(route, ['spec', kind.rulesField], k.fieldManager) ?? 'an unknown writer';
        throw new Error(
          `drift: ${where(k)} sends ${now}% to ${options.canary}, not the ${context.from}% Rollgate set; changed by ${who}. Not overwriting it`,
        );
      }
      if (inForce(k, route, split)) return;
      await beforeWrite?.();
      const rules = structuredClone(rulesOf(route));
      for (const { index } of targets(k, route)) {
        const rule = rules[index]!;
        const list = ((rule[kind.backendsField] as B[] | undefined) ??= []);
        const stable = list.find((b) => kind.is(b, options.stable, k.namespace))!;
        for (const [name, value] of split) {
          const mine = list.filter((b) => kind.is(b, name, k.namespace));
          if (!mine.length) list.push({ ...kind.add(name, stable), weight: value });
          // One entry of a name carries its weight; any duplicate gets 0.
          mine.forEach((b, i) => (b.weight = i === 0 ? value : 0));
        }
      }
      // Conditional on what was just read: a write in between is a 409, never overwritten.
      await k.apply(
        {
          apiVersion: kind.apiVersion,
          kind: kind.kind,
          metadata: { name: options.name, resourceVersion: route.metadata.resourceVersion! },
          spec: { [kind.rulesField]: rules },
        },
        true,
      );
    });

  return { where, read, share, inForce, change };
}

/** The split for a canary share, with a baseline's share when there is one (taken from the stable's). */
export function splitFor(
  weight: number,
  names: { stable: string; canary: string; baseline?: string | undefined },
  baselineShare: number | undefined,
): Split {
  checkWeight(weight);
  const split: Split = [
    [names.stable, 100 - weight - (baselineShare ?? 0)],
    [names.canary, weight],
  ];
  if (names.baseline !== undefined) split.push([names.baseline, baselineShare ?? 0]);
  return split;
}
