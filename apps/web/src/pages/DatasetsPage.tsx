import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, HTMLTable, Icon, InputGroup, NonIdealState, Spinner } from '@blueprintjs/core';
import { api, ok } from '../lib/api';
import { datasetUrl, dsKeys } from '../lib/datasets';
import { useUrlSearch } from '../lib/urlState';
import { describeError } from '../lib/toaster';
import { PageHeader } from '../components/PageHeader';

const PAGE_SIZE = 50;

/** The catalog: every dataset the user can see, searched by name or path (the search is in the URL). */
export function DatasetsPage() {
  const { text, setText, query: urlQuery } = useUrlSearch('q', 300);
  // Page tokens of the pages before the current one; a new search starts again at the first page.
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const pageToken = tokens[tokens.length - 1];
  useEffect(() => setTokens([undefined]), [urlQuery]);

  const catalog = useQuery({
    queryKey: dsKeys.catalog(urlQuery, pageToken),
    queryFn: () => ok(api.GET('/api/v2/datasets', { params: { query: { pageSize: PAGE_SIZE, pageToken, ...(urlQuery ? { query: urlQuery } : {}) } } })),
    placeholderData: keepPreviousData,
  });
  const rows = catalog.data?.data ?? [];
  const pageNumber = tokens.length;

  return (
    <div className="of-page">
      <PageHeader title="Datasets" subtitle="Every dataset you can see, across projects. Create datasets from a project's New menu." />
      <div className="of-toolbar">
        <InputGroup
          className="of-toolbar-search"
          leftIcon="search"
          placeholder="Search by name or path"
          type="search"
          aria-label="Search datasets"
          value={text}
          onValueChange={setText}
          rightElement={catalog.isFetching ? <Spinner size={16} className="of-input-spinner" /> : undefined}
          data-testid="dataset-search"
        />
      </div>
      {catalog.isPending ? (
        <Spinner />
      ) : catalog.isError ? (
        <NonIdealState icon="error" title="Cannot load the datasets" description={describeError(catalog.error).title} action={<Button text="Retry" onClick={() => void catalog.refetch()} />} />
      ) : rows.length === 0 ? (
        <NonIdealState icon="database" title={urlQuery ? 'No matching datasets' : 'No datasets yet'} description={urlQuery ? `Nothing matches “${urlQuery}”.` : 'Create one in a project: New → Dataset.'} />
      ) : (
        <>
          <HTMLTable compact striped interactive className="of-table" data-testid="dataset-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Path</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.rid} data-testid="dataset-row" data-name={d.name}>
                  <td>
                    <span className="of-name-cell">
                      <Icon icon="database" className="of-muted" />
                      <Link to={datasetUrl(d.rid)}>{d.name}</Link>
                    </span>
                  </td>
                  <td className="of-mono-small of-muted">{d.path}</td>
                </tr>
              ))}
            </tbody>
          </HTMLTable>
          {pageNumber > 1 || catalog.data?.nextPageToken ? (
            <div className="of-pager">
              <Button icon="chevron-left" text="Previous" disabled={pageNumber === 1} onClick={() => setTokens((t) => t.slice(0, -1))} />
              <span className="of-muted">Page {pageNumber}</span>
              <Button endIcon="chevron-right" text="Next" disabled={!catalog.data?.nextPageToken || catalog.isPlaceholderData} onClick={() => setTokens((t) => [...t, catalog.data!.nextPageToken])} />
            </div>
          ) : null}
        </>
      )}
    </div>
  );
}
