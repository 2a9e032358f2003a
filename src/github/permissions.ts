// GitHub answers a token that lacks a permission with 403 "Resource not accessible by integration"
// and says nothing about which one. The route tells us, so the error can name the line to add.

/** The `permissions:` entry a request needs, e.g. `deployments: write`. */
export function permissionFor(method: string, path: string): string | undefined {
  const write = !['GET', 'HEAD'].includes(method.toUpperCase());
  const level = write ? 'write' : 'read';
  const route = path.replace(/^\/api\/v3(?=\/)/, '').split('?')[0]!;
  if (/^\/repos\/[^/]+\/[^/]+\/deployments(\/|$)/.test(route)) return `deployments: ${level}`;
  if (/^\/repos\/[^/]+\/[^/]+\/issues\/(\d+|comments)(\/|$)/.test(route)) return `pull-requests: ${level}`;
  if (/^\/repos\/[^/]+\/[^/]+\/(pulls|commits\/[^/]+\/pulls)(\/|$)/.test(route)) return `pull-requests: ${level}`;
  if (/^\/repos\/[^/]+\/[^/]+\/(contents|git)(\/|$)/.test(route)) return `contents: ${level}`;
  return undefined;
}

/** A request GitHub refused for lack of a permission; the message says what to add. */
export class MissingPermissionError extends Error {
  constructor(
    readonly request: string,
    readonly permission: string | undefined,
  ) {
    super(
      permission
        ? `GitHub refused ${request}: the token lacks a permission. Add \`${permission}\` to the job's permissions (and keep the others Rollgate needs: contents, pull-requests and deployments write).`
        : `GitHub refused ${request}: Resource not accessible by integration. The job's token lacks a permission; Rollgate needs \`contents: write\`, \`pull-requests: write\` and \`deployments: write\`.`,
    );
    this.name = 'MissingPermissionError';
  }
}

/** True for GitHub's "this token may not do that" answer (not for rate limits, which are 403 too). */
export function isPermissionRefusal(status: number, message: string): boolean {
  return status === 403 && /resource not accessible by (integration|personal access token)/i.test(message);
}
