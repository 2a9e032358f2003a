// Replacing a file another program reads (an NGINX include, a flagd flag file): the new content goes
// to a temporary file beside it and is renamed over the old one, so a reader sees the old file or the
// new one, never half of either. The old file's permission bits are kept, and a symlink stays a
// symlink: its target is replaced.
import { chmod, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';

export async function writeAtomically(link: string, content: string): Promise<void> {
  const path = await realpath(link).catch(() => link);
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  const mode = await stat(path).then(
    (s) => s.mode & 0o7777,
    () => undefined,
  );
  try {
    await writeFile(temp, content, { flag: 'wx' });
    if (mode !== undefined) await chmod(temp, mode);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
