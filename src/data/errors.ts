/** Errors a user can act on: each names where the problem is and what was expected. */

export interface DataErrorLocation {
  file?: string;
  line?: number;
  field?: string;
}

/** Malformed input data: names the file, line (1-based) and field where it went wrong. */
export class DataFormatError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;

  constructor(message: string, location: DataErrorLocation = {}) {
    const where = [
      location.file,
      location.line !== undefined ? `line ${location.line}` : undefined,
      location.field !== undefined ? `field "${location.field}"` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    super(where ? `${where}: ${message}` : message);
    this.name = 'DataFormatError';
    this.file = location.file;
    this.line = location.line;
    this.field = location.field;
  }
}

/** A dataset or file that should be on disk is not, with what to download and where to put it. */
export class DatasetNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetNotFoundError';
  }
}

/** An option or argument that cannot work (unknown model, impossible hyperparameter, ...). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
