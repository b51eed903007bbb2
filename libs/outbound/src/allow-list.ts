/**
 * The operator's allow-list (`OPENFOUNDRY_OUTBOUND_ALLOW_HOSTS`): hosts that may be reached even
 * though they resolve to private or loopback addresses, and over plain http. An entry is a host
 * (any port) or `host:port`; IPv6 literals are written in brackets (`[::1]:8443`).
 */
export interface AllowList {
  /** `hostname` as `URL#hostname` gives it (IPv6 with or without brackets). */
  allows(hostname: string, port: number): boolean;
}

interface Entry {
  host: string;
  port: number | undefined;
}

/** Lower case, without IPv6 brackets or a trailing dot. */
function bare(hostname: string): string {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** Hostnames as the WHATWG URL parser writes them, so entries compare with `URL#hostname`. */
function canonicalHost(host: string): string | undefined {
  try {
    const u = new URL(`http://${host}/`);
    if (u.pathname !== '/' || u.username || u.password || u.port) return undefined;
    return bare(u.hostname);
  } catch {
    return undefined;
  }
}

/** Parses allow-list entries; throws naming every malformed one. */
export function parseAllowList(entries: readonly string[]): AllowList {
  const parsed: Entry[] = [];
  const bad: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry);
    const host = m ? canonicalHost(m[1]!) : undefined;
    const port = m?.[2] === undefined ? undefined : Number(m[2]);
    if (!host || (port !== undefined && (port < 1 || port > 65535))) {
      bad.push(entry);
      continue;
    }
    parsed.push({ host, port });
  }
  if (bad.length) throw new Error(`invalid outbound allow-list entries (expected host or host:port): ${bad.join(', ')}`);
  return {
    allows(hostname, port) {
      const h = bare(hostname);
      return parsed.some((e) => e.host === h && (e.port === undefined || e.port === port));
    },
  };
}
