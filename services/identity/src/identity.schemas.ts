import { z } from 'zod';
import { PreviewQuery, pageOf } from '@openfoundry/http';

export { PreviewQuery, pageOf };


export const PageQuery = z.object({
  pageSize: z.coerce.number().int().optional(),
  pageToken: z.string().max(2000).optional(),
});

export const UserStatusSchema = z.enum(['ACTIVE', 'DELETED']);

/** A display name given by a person (given/family name): trimmed text without control characters. */
export const PersonName = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine((v) => !/[\u0000-\u001f\u007f-\u009f]/.test(v), 'must not contain control characters');

export const Username = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine((v) => !/[\s\u0000-\u001f\u007f-\u009f]/.test(v), 'must not contain whitespace or control characters');

export const Email = z.email().max(320);

/** Passwords are checked by the policy in the service (so the error names the rule), bounded here. */
export const Password = z.string().max(1024);

export const PrincipalId = z.string().min(1).max(100);

