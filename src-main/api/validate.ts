import { invalid } from './errors.ts';

/**
 * Minimal runtime validation for requests that arrive from a renderer or a socket: every field is
 * checked for type and range before a handler sees it.
 */
type Rule =
  | { type: 'string'; optional?: boolean; max?: number; nonEmpty?: boolean }
  | { type: 'number'; optional?: boolean; int?: boolean; min?: number; max?: number }
  | { type: 'boolean'; optional?: boolean }
  | { type: 'enum'; values: readonly string[]; optional?: boolean }
  | { type: 'array'; of: Schema; optional?: boolean; max?: number };

export type Schema = Record<string, Rule>;

export function validate<T>(schema: Schema, input: unknown, where = 'request'): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid(`${where}: expected an object`);
  const obj = input as Record<string, unknown>;
  // Own fields only: "__proto__", "constructor" or "toString" are not fields of any schema.
  for (const k of Object.keys(obj)) if (!Object.hasOwn(schema, k)) throw invalid(`${where}: unknown field "${k}"`);
  for (const [k, r] of Object.entries(schema)) {
    const v = obj[k];
    if (v === undefined || v === null) {
      if (!r.optional) throw invalid(`${where}: "${k}" is required`);
      continue;
    }
    switch (r.type) {
      case 'string':
        if (typeof v !== 'string') throw invalid(`${where}: "${k}" must be text`);
        if (r.nonEmpty && v.trim() === '') throw invalid(`${where}: "${k}" must not be empty`);
        if (v.length > (r.max ?? 1_000_000)) throw invalid(`${where}: "${k}" is too long`);
        break;
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${where}: "${k}" must be a number`);
        if (r.int && !Number.isInteger(v)) throw invalid(`${where}: "${k}" must be a whole number`);
        if ((r.min !== undefined && v < r.min) || (r.max !== undefined && v > r.max)) throw invalid(`${where}: "${k}" must be between ${r.min ?? '-∞'} and ${r.max ?? '∞'}`);
        break;
      case 'boolean':
        if (typeof v !== 'boolean') throw invalid(`${where}: "${k}" must be true or false`);
        break;
      case 'enum':
        if (typeof v !== 'string' || !r.values.includes(v)) throw invalid(`${where}: "${k}" must be one of ${r.values.join(', ')}`);
        break;
      case 'array':
        if (!Array.isArray(v)) throw invalid(`${where}: "${k}" must be a list`);
        if (v.length > (r.max ?? 10_000)) throw invalid(`${where}: "${k}" has too many entries`);
        v.forEach((item, i) => validate(r.of, item, `${where}.${k}[${i}]`));
        break;
    }
  }
  return obj as T;
}
