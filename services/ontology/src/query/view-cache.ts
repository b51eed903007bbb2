import { CacheCoherence } from '@openfoundry/db';
import type { IndexRow, InterfaceTypeRow, LinkTypeRow, ObjectTypeRow, OntologyRow } from '../ontology.types.js';

/** An ontology's definitions and index rows as stored, the same for every principal (access is decided per request). */
export interface OntologySnapshot {
  ontology: OntologyRow;
  types: ObjectTypeRow[];
  links: LinkTypeRow[];
  interfaces: InterfaceTypeRow[];
  indexes: Map<string, IndexRow>;
}

/**
 * Keeps ontology snapshots in memory so a read needs no metadata queries. Every change to the
 * ontology's tables is announced by triggers on commit (`ontology_changes`, to every replica) and
 * empties the cache; this process also empties it right after its own changes commit, so a
 * client reads its own writes. A snapshot read while a change arrived is not stored (the
 * generation check). Off until the subscription is live.
 */
export class ViewCache {
  private readonly entries = new Map<string, { snapshot: OntologySnapshot; until: number }>();
  private readonly coherence = new CacheCoherence();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 1000,
  ) {}

  enable(): void {
    this.coherence.enable();
  }

  get generation(): number {
    return this.coherence.generation;
  }

  get(orgRid: string, ref: string): OntologySnapshot | undefined {
    if (!this.coherence.enabled) return undefined;
    const e = this.entries.get(`${orgRid}\u0000${ref}`);
    if (!e || e.until < Date.now()) return undefined;
    return e.snapshot;
  }

  set(orgRid: string, ref: string, snapshot: OntologySnapshot, generation: number): void {
    if (!this.coherence.current(generation)) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const until = Date.now() + this.ttlMs;
    this.entries.set(`${orgRid}\u0000${ref}`, { snapshot, until });
    this.entries.set(`${orgRid}\u0000${snapshot.ontology.rid}`, { snapshot, until });
  }

  invalidate(): void {
    this.coherence.changed();
    this.entries.clear();
  }
}
