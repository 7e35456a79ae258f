import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ID } from '../ids.ts';
import type { ServingSlot } from '../serving.ts';

const ERROR = z.object({ error: z.string(), message: z.string() });

/** `GET /v1/users/:id/similar`: training users with the most similar histories (see similar-users.ts). */
export function registerUsersSimilar(app: FastifyInstance, slot: ServingSlot, limits: { maxK: number }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/users/:id/similar',
    {
      schema: {
        summary: 'users whose histories are most similar to a user’s (cosine over their items)',
        params: z.object({ id: ID }),
        querystring: z.object({ k: z.coerce.number().int().min(1).max(limits.maxK).optional().describe('default 10') }).strict(),
        response: {
          200: z.object({ user: z.string(), users: z.array(z.object({ user: z.string(), score: z.number() })), modelVersion: z.string() }),
          400: ERROR,
          401: ERROR,
          404: ERROR,
        },
      },
    },
    async (request) => {
      const { similarUsers, version } = slot.current;
      return { user: request.params.id, users: similarUsers.similar(request.params.id, request.query.k ?? 10), modelVersion: version };
    },
  );
}
