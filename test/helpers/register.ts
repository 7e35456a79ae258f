import type { Recommender } from '../../src/models/recommender.ts';
import { getModelSpec, registerModel } from '../../src/models/registry.ts';
import { defineModel, type ParamSchema } from '../../src/models/spec.ts';

/**
 * Registers a test model through a spec whose schema is read off its defaults (numbers, text,
 * booleans; anything else any JSON), the way a library user adds a model of their own.
 */
export function registerTestModel(type: string, description: string, defaults: Record<string, unknown>, create: (config: Record<string, unknown>) => Recommender): void {
  try {
    getModelSpec(type);
    return; // already registered: test modules may import this twice
  } catch {}
  const schema: Record<string, ParamSchema> = {};
  for (const [key, value] of Object.entries(defaults)) {
    schema[key] =
      typeof value === 'number'
        ? { kind: 'number', help: key }
        : typeof value === 'string'
          ? { kind: 'string', help: key }
          : typeof value === 'boolean'
            ? { kind: 'boolean', help: key }
            : { kind: 'json', help: key };
  }
  registerModel(defineModel({ type, description, task: 'ranking', defaults, schema, create }));
}
