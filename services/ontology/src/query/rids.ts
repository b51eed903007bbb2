/**
 * Object RIDs name an object by its type and primary key, so a static object set of RIDs is
 * resolved without a lookup table: `ri.phonograph2-objects.main.object.<type>.<key>`, the type as
 * its RID's UUID (no dashes), the key as base64url JSON.
 */
const PREFIX = 'ri.phonograph2-objects.main.object.';

export function objectRid(typeRid: string, primaryKey: unknown): string {
  return `${PREFIX}${typeLocator(typeRid)}.${Buffer.from(JSON.stringify(primaryKey), 'utf8').toString('base64url')}`;
}

export function typeLocator(typeRid: string): string {
  return typeRid.slice(-36).replace(/-/g, '');
}

export function decodeObjectRid(rid: string): { typeLocator: string; primaryKey: unknown } | undefined {
  if (!rid.startsWith(PREFIX)) return undefined;
  const [locator, key, extra] = rid.slice(PREFIX.length).split('.');
  if (!locator || !key || extra !== undefined || !/^[0-9a-f]{32}$/.test(locator)) return undefined;
  try {
    const primaryKey = JSON.parse(Buffer.from(key, 'base64url').toString('utf8')) as unknown;
    return typeof primaryKey === 'string' || typeof primaryKey === 'number' ? { typeLocator: locator, primaryKey } : undefined;
  } catch {
    return undefined;
  }
}
