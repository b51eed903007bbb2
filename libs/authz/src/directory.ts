/** The kind of principal a role grant or group membership names. */
export type PrincipalType = 'USER' | 'GROUP';

/**
 * Lookup of users and groups inside one organization, provided by the identity service to the
 * services that grant roles (filesystem). Ids of other organizations are never resolved.
 */
export interface PrincipalDirectory {
  /** Which of `ids` exist in `orgRid`, and whether each is a user or a group. */
  resolve(orgRid: string, ids: string[]): Promise<Map<string, PrincipalType>>;
}
