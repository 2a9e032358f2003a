// The haproxy router's pure parts: its spec fields and the parsing of HAProxy 2.6's runtime API answers
// (captured from Debian's haproxy 2.6.12). The router itself runs against a real HAProxy in
// test/integration/traffic/haproxy.test.ts.
import { describe, expect, it } from 'vitest';
import { adminState, parseServersState, parseStat } from '../../../src/traffic/haproxy.js';
import { parseSpec } from '../../../src/config/load.js';

const SERVERS_STATE =
  '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n' +
  '3 web 1 web-v1 127.0.0.1 2 0 75 100 1 15 3 4 6 0 0 0 - 38001 - 0 0 - - 0\n' +
  '3 web 2 web-v2 127.0.0.1 2 8 25 0 0 1 0 2 6 0 0 0 - 45993 - 0 0 - - 0\n\n';

const spec = (traffic: string) => `version: 1\ntraffic:\n${traffic}\nstages:\n  - weight: 10\n`;

describe('haproxy spec fields', () => {
  it('accepts the DESIGN.md example and a TCP admin socket', () => {
    const unix = parseSpec(
      spec('  provider: haproxy\n  socket: /run/haproxy/admin.sock\n  backend: web\n  stable: web-v1\n  canary: web-v2'),
    );
    expect(unix.ok && unix.spec.traffic).toEqual({
      provider: 'haproxy',
      socket: '/run/haproxy/admin.sock',
      backend: 'web',
      stable: 'web-v1',
      canary: 'web-v2',
      timeout: '5s',
    });
    expect(parseSpec(spec('  provider: haproxy\n  socket: 127.0.0.1:9999\n  backend: web\n  stable: a\n  canary: b')).ok).toBe(true);
    expect(parseSpec(spec('  provider: haproxy\n  socket: "[::1]:9999"\n  backend: web\n  stable: a\n  canary: b')).ok).toBe(true);
  });

  it('rejects a socket that is neither a path nor host:port, and names that would inject commands', () => {
    const bad = parseSpec(
      spec('  provider: haproxy\n  socket: admin.sock\n  backend: web\n  stable: "a; set weight web/b 100"\n  canary: b'),
    );
    expect(bad.ok).toBe(false);
    const messages = bad.ok ? [] : bad.errors.map((e) => `${e.line}:${e.path}: ${e.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^4:traffic\.socket: expected the admin socket as a unix path/),
      expect.stringMatching(/^6:traffic\.stable: HAProxy names are letters/),
    ]);
  });
});

describe('HAProxy runtime API answers', () => {
  it('reads weights, addresses and states from `show servers state`', () => {
    const servers = parseServersState(SERVERS_STATE, 'test');
    expect([...servers.values()]).toEqual([
      { name: 'web-v1', address: '127.0.0.1:38001', operational: 2, admin: 0, weight: 75 },
      { name: 'web-v2', address: '127.0.0.1:45993', operational: 2, admin: 8, weight: 25 },
    ]);
  });

  it('turns an answer without a header (an unknown backend) into an error naming the place', () => {
    expect(() => parseServersState("Can't find backend.\n\n", 'HAProxy at /s (backend "nope")')).toThrow(
      'HAProxy at /s (backend "nope"): Can\'t find backend.',
    );
  });

  it('reads sessions in progress per server of one backend from `show stat`', () => {
    const stat = '# pxname,svname,qcur,qmax,scur,smax\nweb,web-v1,0,0,3,9\nweb,web-v2,1,2,0,4\nother,web-v1,0,0,7,7\n\n';
    expect(Object.fromEntries(parseStat(stat, 'web', 'test'))).toEqual({
      'web-v1': { current: 3, queued: 0 },
      'web-v2': { current: 0, queued: 1 },
    });
  });

  it('maps srv_admin_state flags to ready, drain and maint (maintenance wins)', () => {
    expect([0x00, 0x08, 0x10, 0x01, 0x02, 0x04, 0x20, 0x09].map(adminState)).toEqual([
      'ready',
      'drain',
      'drain',
      'maint',
      'maint',
      'maint',
      'maint',
      'maint',
    ]);
  });
});
