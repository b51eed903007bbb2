import ipaddr from 'ipaddr.js';

/** Why an address may not be contacted; `undefined` from {@link blockedReason} means it may. */
export type BlockReason =
  | 'invalid'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'linkLocal'
  | 'uniqueLocal'
  | 'siteLocal'
  | 'carrierGradeNat'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'metadata'
  | 'tunnel'
  | 'notGlobalUnicast';

// Cloud metadata endpoints. Most sit in ranges blocked anyway (169.254/16, fd00::/8, 100.64/10);
// naming them gives a clearer reason and keeps them blocked should a range rule ever change.
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', '169.254.169.253', '100.100.100.200', '192.0.0.192', 'fd00:ec2::254']);

const V4_REASON: Record<string, BlockReason> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'linkLocal',
  loopback: 'loopback',
  carrierGradeNat: 'carrierGradeNat',
  private: 'private',
  reserved: 'reserved',
  as112: 'reserved',
  amt: 'reserved',
};

function ipv4Reason(addr: ipaddr.IPv4): BlockReason | undefined {
  if (METADATA_ADDRESSES.has(addr.toString())) return 'metadata';
  const range = addr.range();
  if (range === 'unicast') return undefined;
  // Deny by default: a range this table does not name is still a special-purpose one.
  return V4_REASON[range] ?? 'reserved';
}

function embeddedV4(parts: number[], hiIndex: number): ipaddr.IPv4 {
  const hi = parts[hiIndex]!;
  const lo = parts[hiIndex + 1]!;
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

function ipv6Reason(addr: ipaddr.IPv6): BlockReason | undefined {
  if (addr.zoneId) return 'linkLocal';
  // toString() is the compact RFC 5952 form the table is written in.
  if (METADATA_ADDRESSES.has(addr.toString())) return 'metadata';
  const parts = addr.parts;
  // The typings lag behind the ranges ipaddr.js knows (deprecatedSiteLocal...).
  const range: string = addr.range();
  switch (range) {
    case 'unspecified':
      return 'unspecified';
    case 'loopback':
      return 'loopback';
    case 'linkLocal':
      return 'linkLocal';
    case 'multicast':
      return 'multicast';
    case 'uniqueLocal':
      return 'uniqueLocal';
    case 'deprecatedSiteLocal':
      return 'siteLocal';
    // A dual-stack socket connecting to ::ffff:a.b.c.d reaches the IPv4 host a.b.c.d.
    case 'ipv4Mapped':
      return ipv4Reason(addr.toIPv4Address());
    case 'rfc6052': {
      // 64:ff9b::/96 translates to the IPv4 address in the last 32 bits; the /48 local-use
      // prefix (RFC 8215) translates into networks we cannot reason about.
      if (parts[2] === 0 && parts[3] === 0 && parts[4] === 0 && parts[5] === 0) return ipv4Reason(embeddedV4(parts, 6));
      return 'tunnel';
    }
    case '6to4':
      // 2002:AABB:CCDD::/48 relays to the IPv4 address AA.BB.CC.DD.
      return ipv4Reason(embeddedV4(parts, 1));
    case 'teredo':
    case 'rfc6145':
      return 'tunnel';
    case 'unicast':
      break;
    default:
      return 'reserved';
  }
  // IPv4-compatible addresses (::a.b.c.d, deprecated) fall in "unicast" for ipaddr.js; name the
  // embedded address's problem when it has one.
  if (parts.slice(0, 6).every((p) => p === 0)) return ipv4Reason(embeddedV4(parts, 6)) ?? 'notGlobalUnicast';
  // Only 2000::/3 is allocated global unicast space.
  if ((parts[0]! & 0xe000) !== 0x2000) return 'notGlobalUnicast';
  return undefined;
}

/**
 * Says why an IP address (v4 or v6, any textual form ipaddr.js accepts) must not be contacted
 * by a server-side request, or `undefined` when it is a public unicast address. Addresses that
 * embed an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are judged by the embedded
 * address; other tunnel forms are refused.
 */
export function blockedReason(ip: string): BlockReason | undefined {
  if (ip.includes(':')) {
    const zone = ip.indexOf('%');
    // A zone id names an interface: only meaningful for link-local targets.
    if (zone >= 0) return ipaddr.IPv6.isValid(ip) ? 'linkLocal' : 'invalid';
    const canonical = canonicalIPv6(ip);
    if (!canonical) return 'invalid';
    return ipv6Reason(ipaddr.IPv6.parse(canonical));
  }
  if (!ipaddr.IPv4.isValid(ip)) return 'invalid';
  return ipv4Reason(ipaddr.IPv4.parse(ip));
}

/**
 * The WHATWG URL parser's canonical IPv6 text. ipaddr.js reads `::a.b.c.d` (IPv4-compatible) as
 * if it were `::ffff:a.b.c.d`; the URL parser does not, so addresses are normalised first.
 */
function canonicalIPv6(ip: string): string | undefined {
  try {
    const host = new URL(`http://[${ip}]/`).hostname;
    return host.slice(1, -1);
  } catch {
    return undefined;
  }
}

/** True when `ip` is a public unicast address. */
export function isPublicAddress(ip: string): boolean {
  return blockedReason(ip) === undefined;
}
