// The local lock on a state file: one `rollgate run` per environment at a time. `<state>.lock` is
// created exclusively (O_EXCL) and holds who took it; a lock whose process is gone (same host) is
// stale and taken over. A run re-reads the lock before every traffic change, so a run whose lock
// was taken from it stops without touching the router.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { open, readFile, rename, unlink } from 'node:fs/promises';

export interface LockOwner {
  token: string;
  pid: number;
  host: string;
  at: string;
}

/** Another run holds the rollout (or took it over): this run must not touch the router. */
export class RolloutLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RolloutLockedError';
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readLock(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.token === 'string' && typeof owner.pid === 'number' && typeof owner.host === 'string')
      return { token: owner.token, pid: owner.pid, host: owner.host, at: String(owner.at) };
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Half-written or garbage: treated as stale below, after a grace period.
    return undefined;
  }
}

/** Whether the owner is certainly gone: only a process of this host can be checked. */
const isStale = (owner: LockOwner) => owner.host === hostname() && owner.pid !== process.pid && !isAlive(owner.pid);

export const describeOwner = (owner: LockOwner) => `pid ${owner.pid} on ${owner.host} since ${owner.at}`;

export class StateLock {
  private owner: LockOwner | undefined;

  constructor(readonly path: string) {}

  /** Takes the lock, or throws RolloutLockedError naming who holds it. A stale lock is taken over. */
  async acquire(what: string): Promise<void> {
    if (this.owner && (await readLock(this.path))?.token === this.owner.token) return;
    const mine: LockOwner = { token: randomUUID(), pid: process.pid, host: hostname(), at: new Date().toISOString() };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const handle = await open(this.path, 'wx', 0o600);
        try {
          await handle.writeFile(JSON.stringify(mine));
        } finally {
          await handle.close();
        }
        this.owner = mine;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readLock(this.path);
      if (holder && !isStale(holder)) {
        throw new RolloutLockedError(
          `${what} is held by another run (${describeOwner(holder)}; lock ${this.path}). ` +
            'One rollout per environment at a time: wait for it, or stop it with `rollgate run --abort`.',
        );
      }
      if (!holder) {
        // Being written this very moment, or garbage left by a crash: give a writer a moment.
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (await readLock(this.path)) continue;
      }
      await this.breakLock(holder);
    }
    throw new RolloutLockedError(`could not take the lock ${this.path} for ${what}: it keeps changing hands`);
  }

  /** Takes the lock whoever holds it (an abort): the holder's next check finds it gone and stops. */
  async takeOver(): Promise<LockOwner | undefined> {
    const holder = await readLock(this.path);
    await this.breakLock(holder);
    await this.acquire('the rollout');
    return holder;
  }

  /** Throws unless this run still holds the lock. */
  async confirm(what: string): Promise<void> {
    if (!this.owner) return;
    const holder = await readLock(this.path);
    if (holder?.token !== this.owner.token) {
      throw new RolloutLockedError(
        `this run no longer holds ${what}: ${holder ? `${describeOwner(holder)} took it over` : `the lock ${this.path} was removed`}; ` +
          'it stops without touching the router',
      );
    }
  }

  async release(): Promise<void> {
    if (!this.owner) return;
    const holder = await readLock(this.path);
    if (holder?.token === this.owner.token) await unlink(this.path).catch(() => undefined);
    this.owner = undefined;
  }

  /** Moves a stale lock aside atomically (rename), so two runs breaking it at once cannot both win. */
  private async breakLock(seen: LockOwner | undefined): Promise<void> {
    const aside = `${this.path}.${randomUUID()}.stale`;
    try {
      await rename(this.path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    // Had another run replaced the stale lock with its own between our read and the rename, that
    // run's next confirm() fails, so it never moves traffic.
    void seen;
    await unlink(aside).catch(() => undefined);
  }
}
