import { hash, verify } from '@node-rs/argon2';
import { InvalidArgumentError } from '@openfoundry/kernel';

/** Shortest password accepted. Length beats composition rules (NIST SP 800-63B). */
export const MIN_PASSWORD_LENGTH = 12;
/** Longest password accepted; bounds the hashing work an anonymous request can cause. */
export const MAX_PASSWORD_LENGTH = 256;

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. The numeric algorithm value is used
// because `Algorithm` is an ambient const enum, which isolatedModules cannot inline.
const ARGON2ID = 2;
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Throws a 400 naming the parameter unless the password meets the policy. */
export function checkPasswordPolicy(password: string, parameter = 'password'): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new InvalidArgumentError('PasswordTooShort', { parameter, minLength: MIN_PASSWORD_LENGTH });
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new InvalidArgumentError('PasswordTooLong', { parameter, maxLength: MAX_PASSWORD_LENGTH });
  }
}

/** Hashes a password with argon2id (PHC string with its own salt and parameters). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS as never);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies a password against a stored hash. With no stored hash (unknown email, or an account
 * without a password) it verifies against a dummy hash so the answer takes as long either way
 * and cannot reveal whether the account exists.
 */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hashPassword('dummy password that never matches anything');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}
