// Everything dist/ runs, in one bundle (dist/index.js). Each entry of dist/<name>/index.js is a
// two-line shim written by scripts/build.mjs that imports one of these and calls it. Each entry
// loads its own code on demand, so `rollgate --help` does not load the action, nor the action the CLI.
export async function runCliProcess(): Promise<void> {
  (await import('./cli/bin.js')).runCliProcess();
}

export async function runActionMain(): Promise<void> {
  await (await import('./action/main.js')).run();
}

export async function runActionPost(): Promise<void> {
  await (await import('./action/post.js')).run();
}
