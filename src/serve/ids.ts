import { z } from 'zod';

/**
 * The longest id (user, item, event) the service takes, in characters: the body schemas' limit
 * and the router's `maxParamLength`, so an id a batch of events may create can also be named in
 * a path (`/v1/items/:id`, `/v1/users/:id`, ...).
 */
export const MAX_ID_LENGTH = 256;

/** An id in a body, a query or a path. */
export const ID = z.string().min(1).max(MAX_ID_LENGTH);
