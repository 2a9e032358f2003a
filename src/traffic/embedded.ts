// Traffic `embedded`: the demo's weighted router (src/demo/router.ts), driven over its admin API.
import { z } from 'zod';
import { defineTrafficProvider } from './provider.js';
import { httpUrl, versionName } from '../config/common.js';

export const embeddedTraffic = defineTrafficProvider({
  schema: z.strictObject({
    provider: z.literal('embedded'),
    url: httpUrl.describe('Admin URL of the embedded router, e.g. http://127.0.0.1:8080/_rollgate'),
    stable: versionName.default('stable'),
    canary: versionName.default('canary'),
  }),
  create(spec) {
    const endpoint = `${spec.url.replace(/\/$/, '')}/weight`;
    const read = async (): Promise<number> => {
      const response = await fetch(endpoint, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`embedded router answered ${response.status}`);
      return ((await response.json()) as { weight: number }).weight;
    };
    return {
      type: 'embedded',
      async setWeight(weight) {
        const response = await fetch(endpoint, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ weight }),
          signal: AbortSignal.timeout(5_000),
        });
        if (!response.ok) throw new Error(`embedded router refused ${weight}%: ${response.status} ${await response.text()}`);
      },
      getWeight: read,
      async verify(weight) {
        return (await read()) === weight;
      },
    };
  },
});
