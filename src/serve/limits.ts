/**
 * Keeping the service up under load: a per-client rate limit (429 with Retry-After;
 * @fastify/rate-limit, keyed by the bearer token when one is sent, else by the client address)
 * and load shedding (503 with Retry-After when the event loop lags or the heap nears its limit;
 * @fastify/under-pressure), so an overloaded service answers quickly that it is busy instead of
 * queueing requests until it falls over. Health and metrics are never rate limited.
 */
import { createHash } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConfigError } from '../contracts/errors.ts';

export interface RateLimitOptions {
  /** Requests per window per client. */
  max: number;
  windowMs: number;
  /** Clients tracked at once (an LRU; default 10,000). */
  clients?: number;
}

export interface OverloadOptions {
  /** Event-loop delay (ms) above which requests get 503 (default 1,000; 0: off). */
  maxEventLoopDelayMs?: number;
  /** Heap use (bytes) above which requests get 503 (default 90 % of V8's heap limit; 0: off). */
  maxHeapUsedBytes?: number;
  /** Seconds a client is told to wait (Retry-After; default 5). */
  retryAfterSeconds?: number;
  /** How often load is sampled, ms (default 500; keep it above 10, the delay monitor's resolution, or an empty sample reads as overload). */
  sampleIntervalMs?: number;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `1000/s`, `60/m`, `5000/h` → a rate; `off` → null. */
export function parseRate(text: string): RateLimitOptions | null {
  if (text === 'off') return null;
  const m = /^(\d+)\/(s|m|h)$/.exec(text.trim());
  if (!m || Number(m[1]) < 1) throw new ConfigError(`--rate-limit must look like 1000/s, 600/m or 10000/h (requests per client), or off; got "${text}"`);
  return { max: Number(m[1]), windowMs: UNITS[m[2]] };
}

/** The client a request counts against: its bearer token (hashed), else its address. */
function clientKey(request: FastifyRequest): string {
  const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
  return token === undefined ? `ip:${request.ip}` : `token:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
}

const OPEN = (request: FastifyRequest): boolean => request.url.startsWith('/health/') || request.url === '/metrics';

export async function registerLimits(app: FastifyInstance, options: { rateLimit: RateLimitOptions | null; overload?: OverloadOptions }): Promise<void> {
  const o = options.overload ?? {};
  const retryAfter = o.retryAfterSeconds ?? 5;
  await app.register(underPressure, {
    maxEventLoopDelay: o.maxEventLoopDelayMs ?? 1000,
    maxHeapUsedBytes: o.maxHeapUsedBytes ?? Math.floor(0.9 * getHeapStatistics().heap_size_limit),
    sampleInterval: Math.max(50, o.sampleIntervalMs ?? 500),
    retryAfter,
    pressureHandler: (_request, reply, type, value) => {
      reply
        .header('retry-after', String(retryAfter))
        .code(503)
        .send({ error: 'Service Unavailable', message: `the service is overloaded (${type} ${Math.round(Number(value))}); retry in ${retryAfter} s` });
    },
  });
  const rate = options.rateLimit;
  if (rate) {
    await app.register(rateLimit, {
      global: true,
      max: rate.max,
      timeWindow: rate.windowMs,
      cache: rate.clients ?? 10_000,
      keyGenerator: clientKey,
      allowList: OPEN,
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        error: 'Too Many Requests',
        message: `more than ${context.max} requests per ${rate.windowMs / 1000} s from this client; retry in ${context.after}`,
      }),
    });
  }
}
