import { z } from 'zod';

/** `preview=true` is sent by Palantir's clients for beta/alpha endpoints; accepted and ignored. */
export const PreviewQuery = z.object({ preview: z.stringbool().optional() });

/** Foundry's paging parameters (sizes and tokens are checked by libs/kernel's paging, naming the problem). */
export const PageQuery = PreviewQuery.extend({
  pageSize: z.coerce.number().int().optional(),
  pageToken: z.string().max(2000).optional(),
});

/** A page of `item`: `{ data, nextPageToken? }`. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextPageToken: z.string().optional() });
}
