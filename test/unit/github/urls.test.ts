// The GitHub pages Rollgate links to without asking the API: a pull request and an environment's deployments.
import { describe, expect, it } from 'vitest';
import { environmentPageUrl, pullRequestUrl } from '../../../src/github/context.js';

const run = { serverUrl: 'https://github.example.com', repo: { owner: 'acme', repo: 'shop' } };

describe('GitHub page links', () => {
  it('a pull request by its number, on the run’s server (GitHub Enterprise included)', () => {
    expect(pullRequestUrl(run, 42)).toBe('https://github.example.com/acme/shop/pull/42');
  });

  it('an environment name is one encoded path segment', () => {
    expect(environmentPageUrl(run, 'prod/eu west')).toBe('https://github.example.com/acme/shop/deployments/prod%2Feu%20west');
  });
});
