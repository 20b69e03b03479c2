/** Error codes a user can act on; anything else is a bug and is reported as 'internal'. */
export type ErrorCode = 'invalid' | 'not-found' | 'conflict' | 'data' | 'cancelled' | 'backend' | 'internal';

/** An error whose message is written for the user: what was wrong and what to do. */
export class NibError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NibError';
  }
}

export function invalid(message: string): NibError {
  return new NibError('invalid', message);
}

export function notFound(message: string): NibError {
  return new NibError('not-found', message);
}

/** A serialisable form for crossing a process or socket boundary. */
export interface WireError {
  code: ErrorCode;
  message: string;
}

export function toWire(e: unknown): WireError {
  if (e instanceof NibError) return { code: e.code, message: e.message };
  // The store's own user-facing errors (store/ does not depend on this module).
  if (e instanceof Error && e.name === 'DataFolderError') return { code: 'data', message: e.message };
  // Two processes racing to create the same name: the database's UNIQUE constraint decides.
  if ((e as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE') return { code: 'conflict', message: 'that name was just taken by another process: choose another name' };
  const err = e as Error;
  return { code: 'internal', message: err?.stack ?? String(e) };
}

export function fromWire(w: WireError): NibError {
  return new NibError(w.code, w.message);
}
