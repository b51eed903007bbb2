import { FoundryError, InvalidArgumentError, NotFoundError, ConflictError } from '@openfoundry/kernel';

/** The SQL service's named errors, following Foundry's `@osdk/foundry.sqlqueries` where it has one. */
export const SqlErrors = {
  /** Another user's query, another organization's, or none: the same answer. */
  queryNotFound: (queryId: string) => new NotFoundError('SqlQueryNotFound', { queryId }),
  queryParseError: (errorMessage: string, position: { line?: number; column?: number } = {}) =>
    new InvalidArgumentError('QueryParseError', { errorMessage, ...position }),
  queryRunning: (queryId: string) => new InvalidArgumentError('QueryRunning', { queryId }),
  queryCanceled: (queryId: string) => new InvalidArgumentError('QueryCanceled', { queryId }),
  queryFailed: (queryId: string, errorMessage: string) => new FoundryError('INTERNAL', 'QueryFailed', { queryId, errorMessage }),
  /** A table reference that names no dataset the caller may read (missing and forbidden alike). */
  datasetNotFound: (reference: string) => new NotFoundError('DatasetNotFound', { reference }),
  /** The dataset has no tabular (Parquet) data and no schema yet. */
  datasetHasNoTable: (reference: string) => new InvalidArgumentError('DatasetHasNoTabularData', { reference }),
  savedQueryNotFound: (savedQueryId: string) => new NotFoundError('SavedQueryNotFound', { savedQueryId }),
  savedQueryNameTaken: (name: string) => new ConflictError('SavedQueryNameAlreadyExists', { name }),
};
