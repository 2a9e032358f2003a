// The `credentials` input: NAME=value lines read once, every value masked before anything can log
// it, handed to the providers and never to the job's environment; and the approval points a
// stage-per-job workflow can serve, checked before anything moves.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCredentialLines } from '../../../src/util/credentials.js';
import { providerEnvironment, readInputs } from '../../../src/action/inputs.js';
import { checkApprovalPoints } from '../../../src/action/advance.js';
import { planFrom } from '../../harness/sim.js';

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.INPUT_CREDENTIALS;
  delete process.env['INPUT_GITHUB-TOKEN'];
  delete process.env['INPUT_MAX-APPROVALS'];
});

describe('credential lines', () => {
  it('masks every value, keeps = inside values, skips blank lines, takes CRLF', () => {
    const masked: string[] = [];
    const env = parseCredentialLines('PROM_TOKEN=s3cr=t\r\n\nDD_API_KEY=abc 123\nEMPTY=\n', (s) => masked.push(s), 'input credentials');
    expect(env).toEqual({ PROM_TOKEN: 's3cr=t', DD_API_KEY: 'abc 123', EMPTY: '' });
    expect(masked).toEqual(['s3cr=t', 'abc 123']);
  });

  it('refuses a line that is not NAME=value by its number, never by its text (and masks it)', () => {
    const masked: string[] = [];
    expect(() => parseCredentialLines('PROM_TOKEN=ok\nhunter2\n', (s) => masked.push(s), 'input credentials')).toThrow(
      /^input credentials: line 2 is not NAME=value \(the line is not shown: it may hold a secret\)$/,
    );
    expect(masked).toEqual(['ok', 'hunter2']);
    expect(() => parseCredentialLines('1BAD=x', () => {}, 'input credentials')).toThrow(/line 1/);
  });

  it('the action reads them once, masks them on the runner (::add-mask::) and gives them to providers only', () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    process.env.INPUT_CREDENTIALS = 'PROM_TOKEN=t0ken-value\nAWS_REGION=eu-west-1';
    process.env['INPUT_GITHUB-TOKEN'] = 'ghs_x';
    const inputs = readInputs();
    expect(written.join('')).toContain('::add-mask::t0ken-value');
    expect(written.join('')).toContain('::add-mask::eu-west-1');
    const env = providerEnvironment(inputs.credentials);
    expect(env.PROM_TOKEN).toBe('t0ken-value');
    expect(env.PATH).toBe(process.env.PATH);
    expect(process.env.PROM_TOKEN).toBeUndefined();
  });

  it('max-approvals must be a whole number', () => {
    process.env['INPUT_GITHUB-TOKEN'] = 'ghs_x';
    process.env['INPUT_MAX-APPROVALS'] = '4; rm -rf /';
    expect(() => readInputs()).toThrow('input max-approvals: "4; rm -rf /" is not a whole number');
    process.env['INPUT_MAX-APPROVALS'] = '4';
    expect(readInputs().maxApprovals).toBe(4);
  });
});

describe('approval points a workflow can serve', () => {
  const plan = (approvals: number[]) =>
    planFrom(`
version: 1
environment: production
traffic: { provider: command, command: "true", stable: v1, canary: v2 }
stages:
${[1, 5, 25, 50, 75, 100].map((w, i) => `  - { weight: ${w}${approvals.includes(i + 1) ? ', approval: true' : ''} }`).join('\n')}
`);

  it('takes a plan with as many approvals as the workflow has rounds, or fewer', () => {
    expect(() => checkApprovalPoints(plan([3, 6]), 2)).not.toThrow();
    expect(() => checkApprovalPoints(plan([]), 0)).not.toThrow();
  });

  it('refuses one with more, naming its stages (1-based)', () => {
    expect(() => checkApprovalPoints(plan([2, 3, 5]), 2)).toThrow(
      /^the spec asks for 3 approvals \(before stages 2, 3, 5\), and this workflow waits for at most 2; nothing was changed\./,
    );
  });
});
