// Response bodies from metric sources and probed services, read with a size cap: a source that
// answers 200 MB (or never stops) costs a clear error, not the runner's memory.

/** Default cap of a metric source's answer (a range query over a long bake is well under 1 MB). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export class BodyTooLargeError extends Error {}

/** The body as text, or a BodyTooLargeError once it passes `maxBytes` (the rest is not read). */
export async function readBodyCapped(response: Response, maxBytes = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new BodyTooLargeError(`the answer is ${declared} bytes; at most ${maxBytes} are read`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError(`the answer is over ${maxBytes} bytes; at most ${maxBytes} are read`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
