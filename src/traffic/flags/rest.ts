// What the REST flag routers (unleash, launchdarkly) share: one JSON call with a deadline, and errors
// that say which call failed and what the platform answered, never the token.
export interface RestCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** Path and query, appended to the base URL. */
  path: string;
  body?: unknown;
  contentType?: string;
}

export class RestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A client for one API: `call` answers the parsed JSON body, or throws a RestError naming `where`. */
export function restClient(options: {
  baseUrl: string;
  headers: Record<string, string>;
  timeoutMs: number;
  where: string;
  /** Extra words for an answer of this status (e.g. what permission a 403 lacks). */
  explain?: (status: number) => string | undefined;
}) {
  const base = options.baseUrl.replace(/\/+$/, '');
  return async function call<T>(request: RestCall): Promise<T> {
    const label = `${request.method} ${request.path}`;
    let response: Response;
    try {
      response = await fetch(`${base}${request.path}`, {
        method: request.method,
        headers: {
          Accept: 'application/json',
          ...options.headers,
          ...(request.body === undefined ? {} : { 'Content-Type': request.contentType ?? 'application/json' }),
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (error as Error).message;
      throw new RestError(`${options.where}: ${label} failed: ${reason}`, 0);
    }
    const text = await response.text();
    if (!response.ok) {
      const extra = options.explain?.(response.status);
      throw new RestError(
        `${options.where}: ${label} answered ${response.status}: ${platformMessage(text)}${extra ? ` (${extra})` : ''}`,
        response.status,
      );
    }
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new RestError(`${options.where}: ${label} answered ${response.status} with a body that is not JSON`, response.status);
    }
  };
}

/** The platform's own error message from a JSON error body, else the text; one line, bounded. */
function platformMessage(text: string): string {
  let message = text;
  try {
    const body = JSON.parse(text) as { message?: unknown; details?: Array<{ message?: unknown }> };
    if (typeof body.message === 'string') message = body.message;
    const detail = body.details?.[0]?.message;
    if (typeof detail === 'string' && detail !== message) message = `${message} ${detail}`;
  } catch {
    // not JSON: the text as it is
  }
  return (
    message
      .replace(/[\r\n\t]+/g, ' ')
      .trim()
      .slice(0, 300) || 'no message'
  );
}
