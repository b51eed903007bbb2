import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '@openfoundry/db';
import { PermissionDeniedError, decodePageToken, makeRid, requireRid, resolvePageSize, toPage, type Page } from '@openfoundry/kernel';
import { DATASET_TYPE, recordEvent, requireDataset, type Actor, type DatasetsDeps } from './datasets.deps.js';
import { DatasetsErrors } from './datasets.errors.js';
import { DEFAULT_BRANCH } from './names.js';
import { toDataset, type DatasetJson } from './presenters.js';

/** Datasets as resources: created in a folder (editors), read by viewers, with a default branch. */
export class DatasetService {
  constructor(private readonly deps: DatasetsDeps) {}

  async create(actor: Actor, input: { parentFolderRid: string; name: string }): Promise<DatasetJson> {
    requireRid(input.parentFolderRid, 'parentFolderRid');
    const { repo, resources, clock } = this.deps;
    const rid = makeRid('foundry', 'main', 'dataset', randomUUID());
    try {
      return await repo.transaction(async (trx) => {
        let resource;
        try {
          resource = await resources.register(trx, actor, { rid, type: DATASET_TYPE, parentFolderRid: input.parentFolderRid, displayName: input.name });
        } catch (e) {
          if (e instanceof PermissionDeniedError) throw DatasetsErrors.denied('CreateDataset', { parentFolderRid: input.parentFolderRid });
          throw e;
        }
        const time = clock.now();
        await repo.insertDataset(trx, { rid, org_rid: actor.principal.orgRid, default_branch: DEFAULT_BRANCH, created_by: actor.principal.userId, created_time: time });
        await repo.insertBranch(trx, {
          dataset_rid: rid,
          name: DEFAULT_BRANCH,
          org_rid: actor.principal.orgRid,
          head_transaction_rid: null,
          created_by: actor.principal.userId,
          created_time: time,
        });
        await recordEvent(this.deps, trx, actor, 'datasets.dataset.create', [rid, input.parentFolderRid], { name: resource.displayName, path: resource.path });
        return toDataset(resource);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw DatasetsErrors.datasetAlreadyExists(input.parentFolderRid, input.name);
      throw e;
    }
  }

  /** The catalog: live datasets the caller can discover, by name, optionally matching a text in name or path. */
  async list(actor: Actor, input: { query?: string | undefined; pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<DatasetJson & { path: string }>> {
    const pageSize = resolvePageSize(input.pageSize);
    const token = decodePageToken(input.pageToken);
    const query = input.query?.trim() || undefined;
    const rows = await this.deps.resources.search(actor.principal, {
      type: DATASET_TYPE,
      query,
      after: token ? { sortKey: String(token[0]), rid: String(token[1]) } : undefined,
      limit: pageSize + 1,
    });
    return toPage(rows, pageSize, (r) => [r.sortKey, r.rid], (r) => ({ ...toDataset(r), path: r.path }));
  }

  async get(actor: Actor, datasetRid: string): Promise<DatasetJson & { path: string; defaultBranch: string }> {
    const { resource, row } = await requireDataset(this.deps, this.deps.repo.db, actor, datasetRid, 'discover', 'GetDataset');
    return { ...toDataset(resource), path: resource.path, defaultBranch: row.default_branch };
  }
}
