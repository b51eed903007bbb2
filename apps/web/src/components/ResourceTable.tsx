import { Link } from 'react-router-dom';
import { HTMLTable, Icon } from '@blueprintjs/core';
import { KIND_ICON, KIND_LABEL, isContainer, kindOf, type Resource } from '../lib/filesystem';
import { formatDateTime, formatRelative } from '../lib/format';
import { DATASET_TYPE, datasetUrl } from '../lib/datasets';
import { PrincipalLabel } from '../lib/principals';
import { ResourceActions } from './ResourceActions';

/** The contents of a folder: name, kind, last change and who made it, and per-row actions. */
export function ResourceTable({ resources }: { resources: Resource[] }) {
  const sorted = [...resources].sort((a, b) => Number(isContainer(b)) - Number(isContainer(a)) || a.displayName.localeCompare(b.displayName));
  return (
    <HTMLTable compact striped interactive className="of-table" data-testid="resource-table">
      <thead>
        <tr>
          <th>Name</th>
          <th>Type</th>
          <th>Last modified</th>
          <th>Modified by</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {sorted.map((r) => {
          const kind = kindOf(r);
          const dataset = r.type === DATASET_TYPE;
          return (
            <tr key={r.rid} data-testid="resource-row" data-name={r.displayName}>
              <td>
                <span className="of-name-cell">
                  <Icon icon={dataset ? 'database' : KIND_ICON[kind]} className="of-muted" />
                  {isContainer(r) ? (
                    <Link to={`/files/${encodeURIComponent(r.rid)}`}>{r.displayName}</Link>
                  ) : dataset ? (
                    <Link to={datasetUrl(r.rid)}>{r.displayName}</Link>
                  ) : (
                    <span>{r.displayName}</span>
                  )}
                </span>
              </td>
              <td className="of-muted">{dataset ? 'Dataset' : kind === 'resource' ? r.type : KIND_LABEL[kind]}</td>
              <td title={formatDateTime(r.updatedTime)}>{formatRelative(r.updatedTime)}</td>
              <td>
                <PrincipalLabel id={r.updatedBy} type="USER" showIcon={false} />
              </td>
              <td className="of-cell-actions">
                <ResourceActions resource={r} variant="menu" />
              </td>
            </tr>
          );
        })}
      </tbody>
    </HTMLTable>
  );
}
