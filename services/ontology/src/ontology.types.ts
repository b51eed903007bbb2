import type { InterfaceTypeDef, LinkTypeDef, ObjectTypeDef } from './definitions/model.js';

export interface OntologyTables {
  'ontology.ontologies': OntologyRow;
  'ontology.object_types': ObjectTypeRow;
  'ontology.link_types': LinkTypeRow;
  'ontology.interface_types': InterfaceTypeRow;
  'ontology.indexes': IndexRow;
  'ontology.index_errors': IndexErrorRow;
  'ontology.object_sets': ObjectSetRow;
}

export interface OntologyRow {
  rid: string;
  org_rid: string;
  api_name: string;
  display_name: string;
  description: string;
  created_by: string;
  created_time: Date;
}

interface TypeRowBase<D> {
  rid: string;
  ontology_rid: string;
  org_rid: string;
  api_name: string;
  definition: D;
  /** Increases with every change of the definition; an index records the version it was built from. */
  version: number;
  created_by: string;
  created_time: Date;
  updated_by: string;
  updated_time: Date;
}

export interface ObjectTypeRow extends TypeRowBase<ObjectTypeDef> {
  dataset_rid: string;
}
export interface LinkTypeRow extends TypeRowBase<LinkTypeDef> {
  /** The join dataset of a MANY_TO_MANY link. */
  dataset_rid: string | null;
}
export type InterfaceTypeRow = TypeRowBase<InterfaceTypeDef>;

export type IndexStatus = 'PENDING' | 'INDEXING' | 'READY' | 'FAILED';

/** Where an index keeps each property (object types) or side (link types): API name → table column. */
export type ColumnMap = Record<string, string>;

export interface IndexRow {
  target_rid: string;
  org_rid: string;
  dataset_rid: string;
  branch_name: string;
  status: IndexStatus;
  active_table: string | null;
  active_columns: ColumnMap | null;
  indexed_version: number | null;
  indexed_transaction_rid: string | null;
  generation: number;
  object_count: number;
  invalid_count: number;
  key_conflicts: number;
  last_error: { errorName: string; message: string } | null;
  last_mode: 'FULL' | 'INCREMENTAL' | null;
  last_duration_ms: number | null;
  lease_owner: string | null;
  lease_until: Date | null;
  updated_time: Date;
}

export interface IndexErrorRow {
  target_rid: string;
  ordinal: number;
  primary_key: string | null;
  reason: string;
  row_values: Record<string, unknown>;
}

export interface ObjectSetRow {
  rid: string;
  org_rid: string;
  ontology_rid: string;
  owner_id: string;
  name: string | null;
  description: string | null;
  object_set: unknown;
  created_time: Date;
  updated_time: Date;
  expires_time: Date | null;
}
