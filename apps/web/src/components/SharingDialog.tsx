import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Callout, Dialog, DialogBody, DialogFooter, HTMLSelect, HTMLTable, Icon, NonIdealState, Spinner } from '@blueprintjs/core';
import { api, ok, type Schemas } from '../lib/api';
import { ROLES, fsKeys, roleLabel } from '../lib/filesystem';
import { PrincipalLabel } from '../lib/principals';
import { showSuccess } from '../lib/toaster';
import { PrincipalSearch, type PickedPrincipal } from './PrincipalSearch';

type ResourceRole = Schemas['FilesystemResourceRole'];
type RoleId = (typeof ROLES)[number]['id'];

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r.id, label: r.label }));

function principalKey(r: ResourceRole): string {
  return r.resourceRolePrincipal.type === 'everyone' ? 'everyone' : r.resourceRolePrincipal.principalId;
}

function identifierOf(r: ResourceRole) {
  return {
    resourceRolePrincipal:
      r.resourceRolePrincipal.type === 'everyone' ? { type: 'everyone' as const } : { type: 'principalIdOnly' as const, principalId: r.resourceRolePrincipal.principalId },
    roleId: r.roleId,
  };
}

/**
 * Who has which role on a project, folder or resource: add a user or group as owner, editor,
 * viewer or discoverer; change or remove a grant. Roles are inherited by everything inside.
 */
export function SharingDialog({ resource, isOpen, onClose }: { resource: { rid: string; displayName: string }; isOpen: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [picked, setPicked] = useState<PickedPrincipal | null>(null);
  const [role, setRole] = useState<RoleId>('compass:read');
  const rolesKey = fsKeys.roles(resource.rid);
  const roles = useQuery({
    queryKey: rolesKey,
    enabled: isOpen,
    queryFn: async () => {
      const all: ResourceRole[] = [];
      let pageToken: string | undefined;
      do {
        const page = await ok(api.GET('/api/v2/filesystem/resources/{resourceRid}/roles', { params: { path: { resourceRid: resource.rid }, query: { pageSize: 1000, pageToken } } }));
        all.push(...page.data);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return all;
    },
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: rolesKey });

  const add = useMutation({
    meta: { action: 'Share' },
    mutationFn: (v: { principalId: string; roleId: RoleId }) =>
      ok(
        api.POST('/api/v2/filesystem/resources/{resourceRid}/roles/add', {
          params: { path: { resourceRid: resource.rid } },
          body: { roles: [{ resourceRolePrincipal: { type: 'principalIdOnly', principalId: v.principalId }, roleId: v.roleId }] },
        }),
      ),
    onSuccess: () => {
      showSuccess(`Shared ${resource.displayName} with ${picked?.name ?? 'principal'}`);
      setPicked(null);
      void refresh();
    },
  });
  const remove = useMutation({
    meta: { action: 'Remove access' },
    mutationFn: (r: ResourceRole) => ok(api.POST('/api/v2/filesystem/resources/{resourceRid}/roles/remove', { params: { path: { resourceRid: resource.rid } }, body: { roles: [identifierOf(r)] } })),
    onSuccess: () => void refresh(),
  });
  const change = useMutation({
    meta: { action: 'Change role' },
    // Add the new role first so the principal never loses access in between.
    mutationFn: async ({ grant, roleId }: { grant: ResourceRole; roleId: RoleId }) => {
      await ok(
        api.POST('/api/v2/filesystem/resources/{resourceRid}/roles/add', {
          params: { path: { resourceRid: resource.rid } },
          body: { roles: [{ ...identifierOf(grant), roleId }] },
        }),
      );
      await ok(api.POST('/api/v2/filesystem/resources/{resourceRid}/roles/remove', { params: { path: { resourceRid: resource.rid } }, body: { roles: [identifierOf(grant)] } }));
    },
    onSettled: () => void refresh(),
  });

  const close = () => {
    setPicked(null);
    onClose();
  };
  const grants = roles.data ?? [];

  return (
    <Dialog isOpen={isOpen} onClose={close} title={`Share “${resource.displayName}”`} icon="people" style={{ width: 600 }}>
      <DialogBody>
        <PrincipalSearch autoFocus onPick={setPicked} exclude={picked ? [picked.id] : []} />
        {picked ? (
          <div className="of-share-add" data-testid="share-add">
            <span className="of-principal">
              <Icon icon={picked.type === 'USER' ? 'person' : 'people'} />
              {picked.name}
            </span>
            <HTMLSelect aria-label="Role" value={role} onChange={(e) => setRole(e.currentTarget.value as RoleId)} options={ROLE_OPTIONS} data-testid="share-role" />
            <Button intent="primary" text="Add" loading={add.isPending} onClick={() => add.mutate({ principalId: picked.id, roleId: role })} data-testid="share-add-button" />
            <Button variant="minimal" icon="cross" aria-label="Cancel" onClick={() => setPicked(null)} />
          </div>
        ) : null}
        <div className="of-share-list">
          {roles.isPending ? (
            <Spinner size={24} />
          ) : roles.isError ? (
            <Callout intent="danger" title="Cannot list access" />
          ) : grants.length === 0 ? (
            <NonIdealState icon="people" title="Not shared directly" description="Access comes from the project and space above it." />
          ) : (
            <HTMLTable compact className="of-table" data-testid="role-grants">
              <thead>
                <tr>
                  <th>Who</th>
                  <th>Role</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {grants.map((g) => (
                  <tr key={`${principalKey(g)}:${g.roleId}`} data-testid="role-grant">
                    <td>
                      {g.resourceRolePrincipal.type === 'everyone' ? (
                        <span className="of-principal">
                          <Icon icon="globe" size={12} className="of-muted" /> Everyone in the organization
                        </span>
                      ) : (
                        <PrincipalLabel id={g.resourceRolePrincipal.principalId} type={g.resourceRolePrincipal.principalType} />
                      )}
                    </td>
                    <td>
                      {ROLES.some((r) => r.id === g.roleId) ? (
                        <HTMLSelect
                          minimal
                          aria-label="Change role"
                          value={g.roleId}
                          disabled={change.isPending}
                          onChange={(e) => change.mutate({ grant: g, roleId: e.currentTarget.value as RoleId })}
                          options={ROLE_OPTIONS}
                        />
                      ) : (
                        roleLabel(g.roleId)
                      )}
                    </td>
                    <td className="of-cell-actions">
                      <Button size="small" variant="minimal" icon="cross" text="Remove" loading={remove.isPending && remove.variables === g} onClick={() => remove.mutate(g)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </HTMLTable>
          )}
        </div>
      </DialogBody>
      <DialogFooter actions={<Button text="Done" onClick={close} />} />
    </Dialog>
  );
}
