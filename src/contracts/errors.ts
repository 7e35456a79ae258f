/**
 * One error hierarchy for the whole library. Every error a user can act on is a
 * `TastebudError`; callers (the CLI, the service) recognise them by class, and anything else
 * is a bug that keeps its stack.
 */

export class TastebudError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface DataErrorLocation {
  file?: string;
  line?: number;
  field?: string;
}

/** Malformed input data: names the file, line (1-based) and field where it went wrong. */
export class DataFormatError extends TastebudError {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;

  constructor(message: string, location: DataErrorLocation = {}) {
    const where = [location.file, location.line !== undefined ? `line ${location.line}` : undefined, location.field !== undefined ? `field "${location.field}"` : undefined]
      .filter(Boolean)
      .join(', ');
    super(where ? `${where}: ${message}` : message);
    this.file = location.file;
    this.line = location.line;
    this.field = location.field;
  }
}

/** A dataset or file that should be on disk is not, with what to download and where to put it. */
export class DatasetNotFoundError extends TastebudError {}

/** An option or argument that cannot work (unknown model, impossible hyperparameter, ...). */
export class ConfigError extends TastebudError {}

/** A model directory that cannot be read back: missing files, a damaged manifest, wrong tensor shapes. */
export class ModelFileError extends TastebudError {}
