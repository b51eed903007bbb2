import { Readable } from 'node:stream';
import { z } from 'zod';
import { sql, type Kysely } from '@openfoundry/db';
import type { App } from '@openfoundry/http';
import { requireOrgAdmin } from '@openfoundry/authz';
import { decodePageToken, resolvePageSize, toPage } from '@openfoundry/kernel';
import { rowToEvent } from './audit.log.js';
import type { AuditTables } from './audit.types.js';

export const AuditEventSchema = z
  .object({
    id: z.string(),
    sequence: z.number().int(),
    time: z.string(),
    organizationRid: z.string().nullable(),
    actorKind: z.enum(['user', 'service', 'anonymous', 'system']),
    actorId: z.string().nullable(),
    category: z.string(),
    outcome: z.enum(['success', 'failure', 'denied']),
    resourceRids: z.array(z.string()),
    requestId: z.string().nullable(),
    clientIp: z.string().nullable(),
    userAgent: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    previousHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEvent' });

const FilterQuery = z.object({
  category: z.string().max(200).optional().describe('category, or a prefix ending in `.` (e.g. `auth.`)'),
  actorId: z.string().max(200).optional(),
  resourceRid: z.string().max(500).optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  startTime: z.iso.datetime({ offset: true }).optional(),
  endTime: z.iso.datetime({ offset: true }).optional(),
});

type Filter = z.infer<typeof FilterQuery>;

function filtered(db: Kysely<AuditTables>, orgRid: string, f: Filter) {
  let q = db.selectFrom('audit.events').selectAll().where('org_rid', '=', orgRid);
  if (f.category) q = f.category.endsWith('.') ? q.where('category', 'like', `${f.category.replace(/[%_\\]/g, '\\$&')}%`) : q.where('category', '=', f.category);
  if (f.actorId) q = q.where('actor_id', '=', f.actorId);
  // A bare JS array would be expanded by Kysely into a value list `($2)`, not bound as an array.
  if (f.resourceRid) q = q.where('resource_rids', '@>', sql<string[]>`array[${f.resourceRid}]::text[]`);
  if (f.outcome) q = q.where('outcome', '=', f.outcome);
  if (f.startTime) q = q.where('time', '>=', new Date(f.startTime));
  if (f.endTime) q = q.where('time', '<', new Date(f.endTime));
  return q;
}

/**
 * Org admins read their organization's audit trail: a filtered, paged list (newest first) and a
 * JSON Lines export (oldest first). There is deliberately no route that edits or deletes events.
 */
export function registerAuditRoutes(app: App, db: Kysely<AuditTables>): void {
  app.get(
    '/api/v2/audit/events',
    {
      config: { auth: { scope: 'api:audit-read' } },
      schema: {
        tags: ['Audit'],
        summary: "List the organization's audit events, newest first",
        querystring: FilterQuery.extend({ pageSize: z.coerce.number().int().optional(), pageToken: z.string().optional() }),
        response: { 200: z.object({ data: z.array(AuditEventSchema), nextPageToken: z.string().optional() }) },
      },
    },
    async (request) => {
      const principal = request.principal!;
      requireOrgAdmin(principal);
      const pageSize = resolvePageSize(request.query.pageSize);
      const token = decodePageToken(request.query.pageToken);
      let q = filtered(db, principal.orgRid, request.query);
      if (token) q = q.where('seq', '<', Number(token[0]));
      const rows = await q.orderBy('seq', 'desc').limit(pageSize + 1).execute();
      return toPage(rows, pageSize, (r) => [Number(r.seq)], rowToEvent);
    },
  );

  app.get(
    '/api/v2/audit/events/export',
    {
      config: { auth: { scope: 'api:audit-read' } },
      schema: {
        tags: ['Audit'],
        summary: "Export the organization's audit events as JSON Lines, oldest first",
        querystring: FilterQuery,
        produces: ['application/x-ndjson'],
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      requireOrgAdmin(principal);
      const query = request.query;
      async function* lines() {
        let after = 0;
        for (;;) {
          const rows = await filtered(db, principal.orgRid, query).where('seq', '>', after).orderBy('seq').limit(1000).execute();
          for (const r of rows) yield `${JSON.stringify(rowToEvent(r))}\n`;
          if (rows.length < 1000) return;
          after = Number(rows[rows.length - 1]!.seq);
        }
      }
      reply
        .type('application/x-ndjson')
        .header('content-disposition', `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.jsonl"`);
      return reply.send(Readable.from(lines()));
    },
  );
}
