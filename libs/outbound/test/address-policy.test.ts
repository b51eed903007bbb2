import { describe, expect, it } from 'vitest';
import { blockedReason, isPublicAddress, parseAllowList } from '../src/index.js';

// Explicit tables rather than generated inputs: each row is a form an SSRF payload uses.
const BLOCKED: Array<[string, string]> = [
  // IPv4
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.0.1', 'linkLocal'],
  ['169.254.169.254', 'metadata'],
  ['169.254.170.2', 'metadata'],
  ['100.64.0.1', 'carrierGradeNat'],
  ['100.127.255.255', 'carrierGradeNat'],
  ['100.100.100.200', 'metadata'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.0.1', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['198.51.100.7', 'reserved'],
  ['203.0.113.9', 'reserved'],
  // Legacy IPv4 spellings that inet_aton accepts.
  ['0x7f.1', 'loopback'],
  ['0177.0.0.1', 'loopback'],
  ['127.1', 'loopback'],
  // IPv6
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fe80::1', 'linkLocal'],
  ['fe80::1%eth0', 'linkLocal'],
  ['fc00::1', 'uniqueLocal'],
  ['fd12:3456:789a::1', 'uniqueLocal'],
  ['fd00:ec2::254', 'metadata'],
  ['fec0::1', 'siteLocal'],
  ['ff02::1', 'multicast'],
  ['ff05::1:3', 'multicast'],
  ['2001:db8::1', 'reserved'],
  ['100::1', 'reserved'],
  ['3fff::1', 'reserved'],
  // IPv4-mapped / compatible / translated / 6to4 forms of private addresses
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::127.0.0.1', 'loopback'],
  ['::a00:1', 'private'],
  ['::8.8.8.8', 'notGlobalUnicast'],
  ['64:ff9b::127.0.0.1', 'loopback'],
  ['64:ff9b::a9fe:a9fe', 'metadata'],
  ['64:ff9b::192.168.0.1', 'private'],
  ['64:ff9b:1::1', 'tunnel'],
  ['::ffff:0:127.0.0.1', 'tunnel'],
  ['2002:7f00:1::', 'loopback'],
  ['2002:a9fe:a9fe::1', 'metadata'],
  ['2002:c0a8:101::1', 'private'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'tunnel'],
  ['4000::1', 'notGlobalUnicast'],
  // Not addresses at all
  ['example.com', 'invalid'],
  ['', 'invalid'],
  ['1.2.3.4.5', 'invalid'],
  ['::1::2', 'invalid'],
];

const PUBLIC = ['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:81b::200e', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2002:808:808::1'];

describe('blockedReason', () => {
  it.each(BLOCKED)('blocks %s (%s)', (ip, reason) => {
    expect(blockedReason(ip)).toBe(reason);
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each(PUBLIC)('allows public %s', (ip) => {
    expect(blockedReason(ip)).toBeUndefined();
    expect(isPublicAddress(ip)).toBe(true);
  });
});

describe('parseAllowList', () => {
  it('matches hosts with any port or the named port, case-insensitively', () => {
    const list = parseAllowList(['IdP.Example.test', '127.0.0.1:8443', '[::1]:9000', ' ', 'trailing.test.']);
    expect(list.allows('idp.example.test', 443)).toBe(true);
    expect(list.allows('idp.example.test', 8080)).toBe(true);
    expect(list.allows('IDP.EXAMPLE.TEST.', 80)).toBe(true);
    expect(list.allows('127.0.0.1', 8443)).toBe(true);
    expect(list.allows('127.0.0.1', 8444)).toBe(false);
    expect(list.allows('::1', 9000)).toBe(true);
    expect(list.allows('::1', 9001)).toBe(false);
    expect(list.allows('trailing.test', 443)).toBe(true);
    expect(list.allows('other.example.test', 443)).toBe(false);
    expect(list.allows('sub.idp.example.test', 443)).toBe(false);
  });

  it('compares IPv4 entries in canonical form', () => {
    const list = parseAllowList(['0x7f.1:80']);
    expect(list.allows('127.0.0.1', 80)).toBe(true);
  });

  it('names every malformed entry', () => {
    expect(() => parseAllowList(['ok.test', 'http://x.test', 'a.test:99999', 'b.test:', 'user@c.test'])).toThrow(
      /http:\/\/x\.test, a\.test:99999, b\.test:, user@c\.test/,
    );
  });
});
