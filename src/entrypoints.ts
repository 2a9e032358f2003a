// Everything dist/ runs, in one bundle (dist/index.js). Each entry of dist/<name>/index.js is a
// two-line shim written by scripts/build.mjs that imports one of these and calls it. One bundle
// instead of one per entry: the shared code (and the large SDKs) is in dist/ once.
export { runCliProcess } from './cli/bin.js';
export { run as runActionMain } from './action/main.js';
export { run as runActionPost } from './action/post.js';
