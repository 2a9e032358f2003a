// Query templates: {{canary}}, {{stable}}, {{baseline}}, {{weight}}, {{stage}}, {{environment}}, {{interval}};
// in a feature-flag rollout also {{flag}} (the flag's key) and {{variation}} (the variation rolled out);
// from Kubernetes routers {{namespace}} and {{canary|stable|baseline}}PodTemplateHash.
// Every value is escaped for the query language and the spot it lands in (see query-escape.ts).
import type { MeasureContext } from '../ports.js';
import { escapeTemplateValue, type QueryLanguage } from './query-escape.js';

export const TEMPLATE_VARIABLES = [
  'canary',
  'stable',
  'baseline',
  'weight',
  'stage',
  'environment',
  'interval',
  'flag',
  'variation',
  // Given by Kubernetes routers (src/traffic/kubernetes/): the namespace and the pods' template hashes.
  'namespace',
  'canaryPodTemplateHash',
  'stablePodTemplateHash',
  'baselinePodTemplateHash',
] as const;
/** Template variables that only a feature-flag rollout gives a value. */
export const FLAG_TEMPLATE_VARIABLES = ['flag', 'variation'] as const;
const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** Names used in a template that are not template variables (checked before a rollout starts). */
export function unknownVariables(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !(TEMPLATE_VARIABLES as readonly string[]).includes(name));
}

/** Fills the placeholders; throws TemplateValueError when a value cannot be kept inside its slot. */
export function renderTemplate(template: string, context: Omit<MeasureContext, 'at' | 'signal'>, language: QueryLanguage = 'text'): string {
  return template.replace(PLACEHOLDER, (whole, name: string, offset: number) => {
    const value = context.values?.[name] ?? (context as unknown as Record<string, unknown>)[name];
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name) || value === undefined) return whole;
    return escapeTemplateValue(language, template, offset, name, String(value));
  });
}
