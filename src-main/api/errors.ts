/** Error codes a user can act on; anything else is a bug and is reported as 'internal'. */
export type ErrorCode = 'invalid' | 'not-found' | 'conflict' | 'data' | 'cancelled' | 'backend' | 'internal';

/**
 * What to do about an error, in the words of each front end: flags for the CLI, fields and
 * buttons for the app. The problem itself is stated once, in words both can show.
 */
export interface Hint {
  cli: string;
  app: string;
}

/**
 * An error written for the user: what was wrong (`problem`) and, where it differs by front end,
 * what to do (`hint`). `message` is the CLI's wording (problem: hint.cli).
 */
export class NibError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly problem: string,
    readonly hint?: Hint,
  ) {
    super(hint ? `${problem}: ${hint.cli}` : problem);
    this.name = 'NibError';
  }
}

/**
 * A parameter that failed its method's schema (api/core-api.ts): which field and why, so each
 * front end can name it in its own words (the CLI by its flag, `--seq-len`).
 */
export class ParamError extends NibError {
  constructor(
    readonly method: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super('invalid', `${method}: "${field}" ${reason}`);
  }
}

export function invalid(message: string): NibError {
  return new NibError('invalid', message);
}

export function notFound(message: string): NibError {
  return new NibError('not-found', message);
}

/** A model that does not exist, with where each front end lists the ones that do. */
export function noModel(name: string, purpose = ''): NibError {
  return new NibError('not-found', `no model named "${name}"${purpose}`, {
    cli: 'nib models lists them',
    app: 'the Models view lists them',
  });
}

/** A corpus that does not exist, with where each front end lists the ones that do. */
export function noCorpus(name: string): NibError {
  return new NibError('not-found', `no corpus named "${name}"`, {
    cli: 'nib corpora lists them',
    app: 'the Library lists them',
  });
}

/** A serialisable form for crossing a process or socket boundary. */
export interface WireError {
  code: ErrorCode;
  /** The CLI's wording. */
  message: string;
  problem?: string;
  hint?: Hint;
  /** For a parameter that failed its schema (`ParamError`): which, and what is wrong with it. */
  field?: string;
  reason?: string;
}

export function toWire(e: unknown): WireError {
  if (e instanceof NibError)
    return {
      code: e.code,
      message: e.message,
      problem: e.problem,
      ...(e.hint && { hint: e.hint }),
      ...(e instanceof ParamError && { field: e.field, reason: e.reason }),
    };
  // The store's own user-facing errors (store/ does not depend on this module).
  if (e instanceof Error && e.name === 'DataFolderError') return { code: 'data', message: e.message };
  // Two processes racing to create the same name: the database's UNIQUE constraint decides.
  if ((e as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE')
    return { code: 'conflict', message: 'that name was just taken by another process: choose another name' };
  const err = e as Error;
  return { code: 'internal', message: err?.stack ?? String(e) };
}

export function fromWire(w: WireError): NibError {
  return new NibError(w.code, w.problem ?? w.message, w.hint);
}
