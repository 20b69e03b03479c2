import { invalid } from '../api/errors.ts';

export interface NumberRule {
  int?: boolean;
  min?: number;
  max?: number;
  /** Whether `min` itself is allowed (default true). */
  minInclusive?: boolean;
}

/** Parses a user-given number, with a message naming the option and the allowed range. */
export function parseNumber(option: string, raw: string | undefined, rule: NumberRule = {}): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw.trim());
  const kind = rule.int ? 'a whole number' : 'a number';
  const range =
    rule.min !== undefined && rule.max !== undefined
      ? ` from ${rule.min}${rule.minInclusive === false ? ' (exclusive)' : ''} to ${rule.max}`
      : rule.min !== undefined
        ? ` ${rule.minInclusive === false ? 'above' : 'of at least'} ${rule.min}`
        : '';
  const fail = () => invalid(`--${option} must be ${kind}${range}, got "${raw}"`);
  if (raw.trim() === '' || !Number.isFinite(v)) throw fail();
  if (rule.int && !Number.isInteger(v)) throw fail();
  if (rule.min !== undefined && (rule.minInclusive === false ? v <= rule.min : v < rule.min)) throw fail();
  if (rule.max !== undefined && v > rule.max) throw fail();
  return v;
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, sec: 1, m: 60, min: 60, h: 3600, hr: 3600, d: 86400 };

/** "90", "90s", "5m", "1h30m", "2.5h" → seconds. */
export function parseDuration(option: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim().toLowerCase();
  const fail = () => invalid(`--${option} must be a duration such as 90s, 5m or 1h30m, got "${raw}"`);
  // "0" would read as no limit at all: a duration must be positive.
  if (/^\d+(\.\d+)?$/.test(text)) {
    if (!(Number(text) > 0)) throw invalid(`--${option} must be more than 0 (leave it out for no limit), got "${raw}"`);
    return Number(text);
  }
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|sec|s|min|m|hr|h|d)/g)];
  if (
    !parts.length ||
    parts
      .map((p) => p[0])
      .join('')
      .replace(/\s/g, '') !== text.replace(/\s/g, '')
  )
    throw fail();
  // Each unit once, largest first ("1h30m"): "5m5m" is a slip, not ten minutes.
  const order = parts.map((p) => DURATION_UNITS[p[2]]);
  if (order.some((u, i) => i > 0 && u >= order[i - 1])) throw fail();
  const sec = parts.reduce((s, p) => s + Number(p[1]) * DURATION_UNITS[p[2]], 0);
  if (!(sec > 0)) throw fail();
  return sec;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

/** "50MB", "512k", "1000" → bytes. */
export function parseSize(option: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0)
    throw invalid(`--${option} must be a size such as 50MB, 512KB or 1000000, got "${raw}"`);
  return Math.floor(Number(m[1]) * unit);
}

export function formatDuration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return '--';
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
