import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../engine.ts';
import type { Retrainer } from '../retrain.ts';

const ERROR = z.object({ error: z.string(), message: z.string() });
const errors = { 400: ERROR, 401: ERROR, 404: ERROR, 409: ERROR };
/** The admin POSTs take no settings: no body, or `{}`; any key is a 400, as in every other body. */
const NO_SETTINGS = z.object({}).strict().nullish();

/**
 * `POST /v1/admin/retrain` (202 with a job), `GET /v1/admin/retrain/:id` (its progress and
 * result), `POST /v1/admin/rollback`. The service's token hook makes every /v1/admin route need
 * the token, reads included; a ConflictError (a job already running, nothing to roll back to)
 * is answered 409.
 */
export function registerAdminRoutes(app: FastifyInstance, retrainer: Retrainer): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    '/v1/admin/retrain',
    { schema: { summary: 'retrain on the store’s events in the background; swaps only when not worse', body: NO_SETTINGS, response: { 202: z.unknown(), ...errors } } },
    async (_request, reply) => {
      const job = retrainer.start('request');
      return reply.code(202).header('location', `/v1/admin/retrain/${job.id}`).send(job);
    },
  );
  api.get(
    '/v1/admin/retrain/:id',
    { schema: { summary: 'a retraining job: phase, progress, result', params: z.object({ id: z.string().min(1).max(64) }), response: { 200: z.unknown(), ...errors } } },
    async (request) => {
      const job = retrainer.job(request.params.id);
      if (!job) throw new NotFoundError(`unknown retraining job "${request.params.id}" (the service keeps the last 20)`);
      return job;
    },
  );
  api.post('/v1/admin/rollback', { schema: { summary: 'serve the version before the current one', body: NO_SETTINGS, response: { 200: z.unknown(), ...errors } } }, async () =>
    retrainer.rollback(),
  );
}
