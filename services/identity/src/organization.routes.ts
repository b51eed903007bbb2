import { z } from 'zod';
import type { App } from '@openfoundry/http';
import { callerOf } from './identity.context.js';
import { OrganizationSchema } from './identity.presenters.js';
import { PreviewQuery } from './identity.schemas.js';
import type { OrganizationService } from './organization.service.js';

const tags = ['Admin: Organizations'];
const OrgParams = z.object({ organizationRid: z.string().min(1).max(200) });
const ReplaceBody = z.strictObject({
  name: z.string().max(255),
  description: z.string().max(4000).optional(),
  host: z
    .string()
    .max(253)
    .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be a host name')
    .optional(),
});

/** Foundry's `admin/organizations` get and replace, for the caller's own organization. */
export function registerOrganizationRoutes(app: App, orgs: OrganizationService): void {
  app.get(
    '/api/v2/admin/organizations/:organizationRid',
    {
      config: { auth: { scope: 'api:admin-read' } },
      schema: { tags, summary: 'Get the caller’s organization', params: OrgParams, querystring: PreviewQuery, response: { 200: OrganizationSchema } },
    },
    async (request) => orgs.get(callerOf(request), request.params.organizationRid),
  );

  app.put(
    '/api/v2/admin/organizations/:organizationRid',
    {
      config: { auth: { scope: 'api:admin-write' } },
      schema: { tags, summary: 'Replace the name, description and host of the caller’s organization (org admins)', params: OrgParams, querystring: PreviewQuery, body: ReplaceBody, response: { 200: OrganizationSchema } },
    },
    async (request) => orgs.replace(callerOf(request), request.params.organizationRid, request.body),
  );
}
