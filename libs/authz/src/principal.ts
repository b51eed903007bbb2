/**
 * Who is making a request. Every principal belongs to exactly one organization.
 */
export interface Principal {
  /** `user` for people, `service` for an OAuth client's service user. */
  kind: 'user' | 'service';
  /** The user id (a UUID, Foundry's PrincipalId). */
  userId: string;
  /** The organization RID the principal belongs to. */
  orgRid: string;
  /** Group ids the user is a member of: direct and through nested groups, unexpired memberships only. */
  groupIds: string[];
  /** Whether the principal administers its organization. */
  isOrgAdmin: boolean;
  /** How the request authenticated. */
  via: 'session' | 'token' | 'oauth';
  /** Scopes the credential was granted; `null` means unrestricted (a browser session). */
  scopes: string[] | null;
  /** Session id (hash prefix) or token id, for audit and revocation. */
  credentialId: string;
  /** OAuth client id when `via` is `oauth`. */
  clientId?: string | undefined;
}

/** All principal ids a grant could name for this principal: the user and each of its groups. */
export function principalIds(p: Principal): string[] {
  return [p.userId, ...p.groupIds];
}
