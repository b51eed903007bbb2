import { ConflictError, NotFoundError } from '@openfoundry/kernel';

/**
 * The identity service's named errors. A record of another organization is reported with the
 * same error as a missing one.
 */
export const IdentityErrors = {
  userNotFound: (userId: string) => new NotFoundError('UserNotFound', { userId }),
  groupNotFound: (groupId: string) => new NotFoundError('GroupNotFound', { groupId }),
  organizationNotFound: (organizationRid: string) => new NotFoundError('OrganizationNotFound', { organizationRid }),
  principalNotFound: (principalId: string) => new NotFoundError('PrincipalNotFound', { principalId }),
  tokenNotFound: (tokenId: string) => new NotFoundError('TokenNotFound', { tokenId }),
  emailTaken: () => new ConflictError('EmailAlreadyExists', { parameter: 'email' }),
  usernameTaken: (username: string) => new ConflictError('UsernameAlreadyExists', { parameter: 'username', username }),
  groupNameTaken: (name: string) => new ConflictError('GroupNameAlreadyExists', { parameter: 'name', name }),
};

