import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';

/**
 * Resource identifiers: `ri.<service>.<instance>.<type>.<locator>`, as Foundry.
 * The instance is empty for platform-wide services (`ri.multipass..organization.<uuid>`) and
 * `main` otherwise, matching what Foundry's clients expect to see.
 */
export interface ParsedRid {
  service: string;
  instance: string;
  type: string;
  locator: string;
}

const RID_RE = /^ri\.([a-z][a-z0-9-]*)\.([a-z0-9-]*)\.([a-z][a-z0-9-]*)\.([A-Za-z0-9_.-]+)$/;

export function makeRid(service: string, instance: string, type: string, locator: string = randomUUID()): string {
  return `ri.${service}.${instance}.${type}.${locator}`;
}

export function parseRid(rid: string): ParsedRid | undefined {
  const m = RID_RE.exec(rid);
  if (!m) return undefined;
  return { service: m[1]!, instance: m[2]!, type: m[3]!, locator: m[4]! };
}

export function isRid(value: string, service?: string, type?: string): boolean {
  const p = parseRid(value);
  return !!p && (!service || p.service === service) && (!type || p.type === type);
}

/** Parses a RID from user input, throwing a 400 that names the parameter. */
export function requireRid(value: string, parameter: string, service?: string, type?: string): ParsedRid {
  const p = parseRid(value);
  if (!p || (service && p.service !== service) || (type && p.type !== type)) {
    throw new InvalidArgumentError('InvalidResourceIdentifier', { parameter, value });
  }
  return p;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
