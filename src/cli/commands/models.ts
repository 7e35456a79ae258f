import type { Command } from 'commander';
import { createModel, getModelSpec, listModels } from '../../models/registry.ts';
import type { ParamSchema } from '../../models/spec.ts';
import { formatTable } from '../output.ts';

export function registerModels(program: Command): void {
  program
    .command('models [type]')
    .description('the model types with their hyperparameters and defaults; with a type, what each hyperparameter accepts and means')
    .option('--json', 'print JSON')
    .action((type: string | undefined, o) => {
      if (type) getModelSpec(type); // an unknown type: one clear line with a suggestion
      const infos = listModels().filter((m) => !type || m.type === type);
      // Defaults as the built model holds them: derived values (null in a spec) resolved.
      const rows = infos.map((m) => ({ ...m, defaults: createModel(m.type).config }));
      if (o.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      if (type) {
        const [r] = rows;
        process.stdout.write(`${r.type}: ${r.description}\ntask: ${r.task}\n\n`);
        const table = Object.entries(r.schema).map(([key, schema]) => [key, JSON.stringify(r.defaults[key] ?? null), accepts(schema), schema.help]);
        process.stdout.write(formatTable([['hyperparameter', 'default', 'accepts', 'meaning'], ...table]).join('\n') + '\n');
        return;
      }
      for (const r of rows) {
        process.stdout.write(`${r.type.padEnd(20)} ${r.description}\n`);
        process.stdout.write(
          `${''.padEnd(20)} ${Object.entries(r.defaults)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(' ')}\n`,
        );
      }
    });
}

/** What a hyperparameter accepts, in a few words. */
function accepts(schema: ParamSchema): string {
  const range = (min?: number, max?: number, exMin?: boolean, exMax?: boolean): string =>
    [min !== undefined ? `${exMin ? '>' : '≥'} ${min}` : '', max !== undefined ? `${exMax ? '<' : '≤'} ${max}` : ''].filter(Boolean).join(', ');
  const nullable = schema.nullable ? ' or null' : '';
  switch (schema.kind) {
    case 'int':
      return `whole number ${range(schema.min, schema.max)}`.trim() + nullable;
    case 'number':
      return `number ${range(schema.min, schema.max, schema.exclusiveMin, schema.exclusiveMax)}`.trim() + nullable;
    case 'enum':
      return schema.values.join(' | ') + nullable;
    case 'sizes':
      return 'sizes, e.g. [64, 32]' + nullable;
    default:
      return schema.kind + nullable;
  }
}
