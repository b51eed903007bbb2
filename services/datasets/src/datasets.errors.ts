import { ConflictError, InvalidArgumentError, NotFoundError, PermissionDeniedError } from '@openfoundry/kernel';

/**
 * The datasets service's named errors. Names and parameters follow Foundry's
 * (`@osdk/foundry.datasets` `_errors.d.ts`) wherever Foundry defines one, so its clients can match on them.
 */
export const DatasetsErrors = {
  datasetNotFound: (datasetRid: string) => new NotFoundError('DatasetNotFound', { datasetRid }),
  branchNotFound: (datasetRid: string, branchName: string) => new NotFoundError('BranchNotFound', { datasetRid, branchName }),
  transactionNotFound: (datasetRid: string, transactionRid: string) => new NotFoundError('TransactionNotFound', { datasetRid, transactionRid }),
  fileNotFound: (datasetRid: string, filePath: string) => new NotFoundError('FileNotFound', { datasetRid, filePath }),
  fileNotFoundOnBranch: (datasetRid: string, branchName: string, path: string) => new NotFoundError('FileNotFoundOnBranch', { datasetRid, branchName, path }),
  fileNotFoundOnTransactionRange: (datasetRid: string, path: string, startTransactionRid: string | undefined, endTransactionRid: string) =>
    new NotFoundError('FileNotFoundOnTransactionRange', { datasetRid, path, startTransactionRid, endTransactionRid }),
  schemaNotFound: (datasetRid: string, branchName: string, transactionRid: string | undefined) =>
    new NotFoundError('SchemaNotFound', { datasetRid, branchName, transactionRid }),

  /** A live sibling in the folder already has the name. */
  datasetAlreadyExists: (parentFolderRid: string, name: string) => new ConflictError('ResourceNameAlreadyExists', { parentFolderRid, displayName: name }),
  branchAlreadyExists: (datasetRid: string, branchName: string) => new ConflictError('BranchAlreadyExists', { datasetRid, branchName }),
  openTransactionAlreadyExists: (datasetRid: string, branchName: string) => new ConflictError('OpenTransactionAlreadyExists', { datasetRid, branchName }),
  /** An APPEND would overwrite files already in the view. */
  appendOverwrites: (datasetRid: string, transactionRid: string, paths: string[]) =>
    new ConflictError('FileAlreadyExists', { datasetRid, transactionRid, path: paths[0], paths: paths.slice(0, 20), count: paths.length }),
  transactionNotOpen: (datasetRid: string, transactionRid: string, transactionStatus: string) =>
    new InvalidArgumentError('TransactionNotOpen', { datasetRid, transactionRid, transactionStatus }),
  transactionNotCommitted: (datasetRid: string, transactionRid: string, transactionStatus: string) =>
    new InvalidArgumentError('TransactionNotCommitted', { datasetRid, transactionRid, transactionStatus }),
  /** The transaction exists on another branch than the one named. */
  transactionNotOnBranch: (datasetRid: string, transactionRid: string, branchName: string) =>
    new InvalidArgumentError('TransactionNotOnBranch', { datasetRid, transactionRid, branchName }),
  /** `startTransactionRid` is not an ancestor of (or equal to) the end of the range. */
  invalidTransactionRange: (datasetRid: string, startTransactionRid: string, endTransactionRid: string) =>
    new InvalidArgumentError('InvalidTransactionRange', { datasetRid, startTransactionRid, endTransactionRid }),
  invalidTransactionType: (datasetRid: string, transactionRid: string | undefined, transactionType: string, expected: string) =>
    new InvalidArgumentError('InvalidTransactionType', { datasetRid, transactionRid, transactionType, expected }),
  invalidBranchName: (branchName: string, problem: string) => new InvalidArgumentError('InvalidBranchName', { branchName, problem }),
  invalidFilePath: (filePath: string, problem: string) => new InvalidArgumentError('InvalidFilePath', { filePath, problem }),
  /** The committed view's schema and the transaction's disagree (APPEND). */
  schemaMismatch: (datasetRid: string, transactionRid: string, problem: string) =>
    new InvalidArgumentError('SchemaMismatch', { datasetRid, transactionRid, problem }),
  /** Files of one transaction with different schemas. */
  inconsistentSchemas: (transactionRid: string, paths: string[], problem: string) =>
    new InvalidArgumentError('InconsistentFileSchemas', { transactionRid, paths, problem }),
  datasetReadNotSupported: (datasetRid: string, problem: string) => new InvalidArgumentError('DatasetReadNotSupported', { datasetRid, problem }),
  defaultBranchCannotBeDeleted: (datasetRid: string, branchName: string) =>
    new InvalidArgumentError('DefaultBranchCannotBeDeleted', { datasetRid, branchName }),
  datasetTrashed: (datasetRid: string) => new InvalidArgumentError('DatasetTrashed', { datasetRid }),
  notADataset: (resourceRid: string) => new InvalidArgumentError('NotADataset', { resourceRid }),

  /** Foundry names each permission error after its operation. */
  denied: (operation: string, parameters: Record<string, unknown>) => new PermissionDeniedError(`${operation}PermissionDenied`, parameters),
};
