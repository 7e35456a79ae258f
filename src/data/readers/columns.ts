import { ConfigError, DataFormatError } from '../../contracts/errors.ts';
import type { LoadReport } from '../types.ts';
import type { DuplicatePolicy } from '../builder.ts';
import type { IdMap } from '../idmap.ts';
import type { TimeFormat } from './values.ts';
import { isNumericText, likelySeparator, optionHint, separatedName, separatorHint, splitOutsideQuotes } from './hints.ts';

/** Which column holds what: a header name, or a 0-based position. */
export interface ColumnMapping {
  user: string | number;
  item: string | number;
  rating?: string | number;
  time?: string | number;
}

/** Options every interaction reader shares (text and Parquet). */
export interface InteractionReadOptions {
  columns: ColumnMapping;
  /** 'throw' (default) stops at the first bad row; 'skip' counts it in the report and goes on. */
  onError?: 'throw' | 'skip';
  /** Value of every interaction when there is no rating column (default 1). */
  ratingDefault?: number;
  /** 'auto' (default): a number is unix seconds, anything else a date such as 2003/2/19. */
  timeFormat?: TimeFormat;
  userIds?: IdMap;
  itemIds?: IdMap;
  addUnknownIds?: boolean;
  duplicates?: DuplicatePolicy;
  /**
   * Keep spaces around user and item ids as they are (default false: ids are trimmed, so
   * `1, 10` and `1,10` name the same item).
   */
  keepIdWhitespace?: boolean;
}

export type ColumnRole = keyof ColumnMapping;
export const ROLES: readonly ColumnRole[] = ['user', 'item', 'rating', 'time'];

/** Column positions by role (-1 for an absent optional column) and the names used in messages. */
export interface ResolvedColumns {
  index: Record<ColumnRole, number>;
  name: Record<ColumnRole, string>;
  /** Fields a row needs to hold every mapped column. */
  minFields: number;
}

/** Whether any column is given by name (which needs a header). */
export function usesNames(columns: ColumnMapping): boolean {
  return ROLES.some((r) => typeof columns[r] === 'string');
}

/** Maps roles to positions, using `header` for names; names the missing column and lists the header. */
export function resolveColumns(columns: ColumnMapping, header: string[] | null, file: string, where: 'header' | 'file' = 'header', separator?: string): ResolvedColumns {
  if (!columns || columns.user === undefined || columns.item === undefined) {
    throw new ConfigError('columns must name at least the user and item columns, e.g. { user: 0, item: 1 }');
  }
  const index = { user: -1, item: -1, rating: -1, time: -1 };
  const name = { user: 'user', item: 'item', rating: 'rating', time: 'time' };
  let minFields = 0;
  for (const role of ROLES) {
    const spec = columns[role];
    if (spec === undefined) continue;
    let at: number;
    if (typeof spec === 'number') {
      if (!Number.isInteger(spec) || spec < 0) throw new ConfigError(`column position for ${role} must be an integer ≥ 0 (got ${spec})`);
      at = spec;
      if (header && spec >= header.length) {
        throw new DataFormatError(`the ${role} column position ${spec} is past the last of the ${where}'s ${header.length} columns (${header.join(', ')})`, {
          file,
          line: where === 'header' ? 1 : undefined,
        });
      }
      name[role] = header?.[spec] !== undefined ? header[spec] : `${role} (column ${spec})`;
    } else {
      if (!header) throw new ConfigError(`column "${spec}" is given by name, which needs a header (header: true)`);
      at = header.indexOf(spec);
      if (at === -1) at = header.findIndex((h) => h.trim() === spec.trim());
      if (at === -1) {
        const line = where === 'header' ? 1 : undefined;
        const advice = where === 'header' && separator !== undefined ? headerAdvice(columns, header, separator) : '';
        throw new DataFormatError(`the ${role} column "${spec}" is not in the ${where} (columns: ${header.join(', ')})${advice}`, { file, line, field: spec });
      }
      name[role] = spec;
    }
    const twice = ROLES.find((r) => index[r] === at);
    if (twice)
      throw new ConfigError(`columns: ${twice} and ${role} are both column ${typeof spec === 'number' ? spec : JSON.stringify(spec)}; each role needs a column of its own`);
    index[role] = at;
    minFields = Math.max(minFields, at + 1);
  }
  return { index, name, minFields };
}

/**
 * Why named columns are not in a header: the header splits on another separator (`; the header
 * looks tab-separated: try …`), or it is data, not names (`; this file seems to have no header: use …`).
 */
function headerAdvice(columns: ColumnMapping, header: string[], separator: string): string {
  const raw = header.join(separator);
  const named = ROLES.map((r) => columns[r])
    .filter((c): c is string => typeof c === 'string')
    .map((c) => c.trim());
  const alt = likelySeparator(raw, separator, Math.max(2, header.length + 1));
  const fields = alt ? splitOutsideQuotes(raw, alt) : header.map((h) => h.trim());
  if (alt && named.every((n) => fields.includes(n))) return `; the header looks ${separatedName(alt)}: try ${separatorHint(alt)}`;
  if (named.every((n) => !fields.includes(n)) && fields.some(isNumericText)) {
    const roles = ROLES.filter((r) => columns[r] !== undefined);
    const library = `columns: { ${roles.map((r, k) => `${r}: ${k}`).join(', ')} }`;
    const cli = `--columns ${roles.map((_, k) => k).join(',')}`;
    const sep = alt ? `; it also looks ${separatedName(alt)}: ${separatorHint(alt)}` : '';
    return `; this file seems to have no header: use ${optionHint(library, cli)}${sep}`;
  }
  return '';
}

/**
 * Counts skipped rows for `onError: 'skip'` (keeping the first few messages) or throws for
 * 'throw'. Either way nothing bad is dropped silently.
 */
export class RowErrors {
  static readonly EXAMPLES = 5;
  skipped = 0;
  readonly examples: string[] = [];
  readonly skip: boolean;

  constructor(onError: 'throw' | 'skip' = 'throw') {
    if (onError !== 'throw' && onError !== 'skip') throw new ConfigError(`${optionHint('onError', '--on-error')} must be "throw" or "skip" (got "${onError}")`);
    this.skip = onError === 'skip';
  }

  /** Throws `error`, or records it as a skipped row. */
  report(error: DataFormatError): void {
    if (!this.skip) throw error;
    this.skipped++;
    if (this.examples.length < RowErrors.EXAMPLES) this.examples.push(error.message);
  }

  toReport(file: string, rowsRead: number, duplicates: number, duplicatePolicy: string, negativeValues = 0): LoadReport {
    return { file, rowsRead, rowsSkipped: this.skipped, skippedExamples: this.examples, duplicates, duplicatePolicy, negativeValues };
  }
}
