// Waiting on a condition with a deadline (never a fixed sleep), and whether a port accepts connections.
import { connect } from 'node:net';

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, onTry?: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    onTry?.();
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
