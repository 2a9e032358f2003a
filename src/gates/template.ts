// Query templates: {{canary}}, {{stable}}, {{baseline}}, {{weight}}, {{stage}}, {{environment}}, {{interval}};
// in a feature-flag rollout also {{flag}} (the flag's key) and {{variation}} (the variation rolled out);
// from Kubernetes routers {{namespace}} and {{canary|stable|baseline}}PodTemplateHash.
import type { MeasureContext } from '../ports.js';

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

export function renderTemplate(template: string, context: Omit<MeasureContext, 'at' | 'signal'>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = context.values?.[name] ?? (context as unknown as Record<string, unknown>)[name];
    return (TEMPLATE_VARIABLES as readonly string[]).includes(name) && value !== undefined ? String(value) : whole;
  });
}
