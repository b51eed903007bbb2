/** RFC 6749 §5.2 / RFC 7009 error codes the token and revocation endpoints answer with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type';

/**
 * An error of the OAuth protocol endpoints, answered as `{ error, error_description }` (what
 * OAuth clients parse) rather than the Foundry envelope. Descriptions never echo secrets.
 */
export class OAuthProtocolError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthProtocolError';
  }

  /** 401 for failed client authentication (RFC 6749 §5.2), 400 otherwise. */
  get status(): number {
    return this.error === 'invalid_client' ? 401 : 400;
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
