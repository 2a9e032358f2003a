// Starts a real PostgreSQL (Debian's package) for a test file: a temp data directory, a free port on
// 127.0.0.1, the unix socket inside the temp dir, stopped and removed after. PostgreSQL refuses to run
// as root, so as root the server runs as the `postgres` user (runuser).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface Postgres {
  port: number;
  version: number;
  /** A new connected session; closed by stop() if the test did not. */
  session(): Promise<pg.Client>;
  stop(): Promise<void>;
}

/** The newest installed server binaries: /usr/lib/postgresql/<major>/bin, as Debian lays them out. */
function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'pg_ctl'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest)
    throw new Error(
      'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install them with `apt-get install -y postgresql`',
    );
  return join(root, newest, 'bin');
}

function run(file: string, args: string[], asPostgres: boolean): Promise<string> {
  const [command, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  return new Promise((resolve, reject) => {
    execFile(command, argv, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const row = passwd.split('\n').find((line) => line.startsWith('postgres:'));
  if (!row) throw new Error('running as root needs the `postgres` user (created by the postgresql package) to start PostgreSQL');
  const [, , uid, gid] = row.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(): Promise<Postgres> {
  const bin = findBinDir();
  const asPostgres = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-pg-'));
  const data = join(dir, 'data');
  if (asPostgres) {
    const { uid, gid } = await postgresIds();
    await chown(dir, uid, gid);
  }
  const port = await freePort();
  const clients: pg.Client[] = [];
  await run(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
    asPostgres,
  );
  // fsync off: a throwaway cluster need not survive a crash, and tests run faster.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  await run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start'], asPostgres);

  const session = async () => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await client.connect();
    clients.push(client);
    return client;
  };
  const probe = await session();
  const version = Number((await probe.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v) / 10_000;
  return {
    port,
    version: Math.floor(version),
    session,
    async stop() {
      await Promise.allSettled(clients.map((c) => c.end()));
      await run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], asPostgres).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
