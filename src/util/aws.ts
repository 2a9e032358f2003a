// How every AWS provider (gates and routers) builds its SDK client, in one place: the region from the
// spec or AWS_REGION, an optional endpoint (a VPC endpoint, or the emulator in tests), credentials from
// the default chain (environment, GitHub OIDC web identity through aws-actions/configure-aws-credentials,
// profile, instance or task role), and retries with backoff for throttling and transient errors.
// The SDK itself is never imported here: each provider loads its client lazily.
import { z } from 'zod';
import { httpUrl } from '../config/common.js';
import type { ProviderEnv } from '../ports.js';

/** The spec fields every AWS provider shares. */
export const awsFields = {
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'expected an AWS region such as eu-west-1' })
    .optional()
    .describe('AWS region (default: AWS_REGION or AWS_DEFAULT_REGION).'),
  endpoint: httpUrl.optional().describe('Endpoint URL of the service, e.g. a VPC endpoint.'),
};

/** SDK attempts per call: throttling and 5xx answers are retried with exponential backoff and jitter. */
export const AWS_MAX_ATTEMPTS = 6;

export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  maxAttempts: number;
  retryMode: 'standard';
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/**
 * The client configuration for a provider. Keys in the provider's environment are used as the SDK's
 * own env step would (and masked); otherwise the SDK's default chain finds the credentials.
 */
export function awsClientConfig(
  spec: { region?: string | undefined; endpoint?: string | undefined },
  env: ProviderEnv,
  where: string,
): AwsClientConfig {
  const region = spec.region ?? env.env.AWS_REGION ?? env.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error(`${where}: no AWS region (set region: in the spec, or AWS_REGION)`);
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env.env;
  if (secretAccessKey) env.log.mask(secretAccessKey);
  if (sessionToken) env.log.mask(sessionToken);
  return {
    region,
    ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
    maxAttempts: AWS_MAX_ATTEMPTS,
    retryMode: 'standard',
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
  };
}

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError', 'Forbidden']);

/**
 * Runs one AWS call and turns its failure into a sentence an on-call engineer acts on: a denial names
 * the IAM action the role lacks, throttling says it was retried, anything else keeps AWS's code.
 */
export async function awsCall<T>(where: string, iamAction: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as Error & { $metadata?: { attempts?: number; httpStatusCode?: number }; Code?: string };
    const code = e.name && e.name !== 'Error' ? e.name : (e.Code ?? 'Error');
    if (DENIED.has(code) || e.$metadata?.httpStatusCode === 403)
      throw new Error(`${where}: access denied to ${iamAction}; allow the IAM action "${iamAction}" to the role (AWS: ${e.message})`, {
        cause: error,
      });
    if (/throttl|TooManyRequests|RequestLimitExceeded|SlowDown/i.test(code))
      throw new Error(
        `${where}: ${iamAction} still throttled after ${e.$metadata?.attempts ?? AWS_MAX_ATTEMPTS} attempts (${code}: ${e.message})`,
        {
          cause: error,
        },
      );
    throw new Error(`${where}: ${iamAction} failed: ${code}: ${e.message}`, { cause: error });
  }
}
