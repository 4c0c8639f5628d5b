import { ERROR_PATTERN } from '../../signals.js';
import { isJsonObject } from './fields.js';

/** How sure we are that an item reports a failure: 2 from its fields, 1 from words in its text. */
export type ErrorStrength = 0 | 1 | 2;

export interface ErrorSignal {
  readonly strength: ErrorStrength;
  /** What made it an error, digits blurred, so repeats of one failure can be told from new ones. */
  readonly signature: string;
}

const NO_ERROR: ErrorSignal = { strength: 0, signature: '' };

type KeyRole = 'status' | 'ok' | 'error' | 'code' | 'none';

const STATUS_KEYS = new Set([
  'status',
  'state',
  'level',
  'severity',
  'result',
  'outcome',
  'conclusion',
  'health',
  'phase',
  'loglevel',
  'log_level',
]);
const OK_KEYS = new Set(['ok', 'success', 'succeeded', 'successful', 'passed', 'healthy', 'valid']);
const ERROR_KEY =
  /^(?:err|fault|faults|failure|failures|exception|exceptions)$|errors?(?:_?(?:message|msg|code|type|count|detail|details|reason|text))?$/i;
const FAILURE_VALUE =
  /^(?:err(?:or)?s?|fail(?:ed|ure|ing)?s?|fatal|crit(?:ical)?|crash(?:ed)?|panic|abort(?:ed)?|time[d_ -]?out|cancell?ed|rejected|denied|invalid|unhealthy|down|broken|emerg(?:ency)?|alert|degraded|warn(?:ing)?|killed|oomkilled|exception|unavailable|offline|dead|red)$/i;
// Strings longer than this are prose or payload, not a status; scanning them costs time for little.
const MAX_SCANNED_STRING = 2000;

// Items repeat the same few keys thousands of times; classify each name once.
const roleCache = new Map<string, KeyRole>();

function keyRole(key: string): KeyRole {
  let role = roleCache.get(key);
  if (role !== undefined) return role;
  const lower = key.toLowerCase();
  if (STATUS_KEYS.has(lower)) role = 'status';
  else if (OK_KEYS.has(lower)) role = 'ok';
  else if (ERROR_KEY.test(key)) role = 'error';
  else if (lower.includes('status')) role = 'code';
  else role = 'none';
  if (roleCache.size >= 4096) roleCache.clear();
  roleCache.set(key, role);
  return role;
}

/**
 * Reads an item for a failure: first its fields (a failing status, `ok: false`, a non-empty `error`),
 * then error words in its string values. `text` is the item's JSON text; when it holds no error word
 * anywhere, the slower walk over values is skipped.
 */
export function errorSignal(value: unknown, text: string): ErrorSignal {
  if (typeof value === 'string') return textSignal(value);
  if (value === undefined) return rawTextSignal(text);
  if (Array.isArray(value)) return ERROR_PATTERN.test(text) ? deepTextSignal(value, 2) : NO_ERROR;
  if (!isJsonObject(value)) return NO_ERROR;
  for (const key in value) {
    const field = value[key];
    const strong = fieldSignal(key, field);
    if (strong !== undefined) return strong;
    if (isJsonObject(field)) {
      for (const sub in field) {
        const inner = fieldSignal(sub, field[sub]);
        if (inner !== undefined) return inner;
      }
    }
  }
  if (!ERROR_PATTERN.test(text)) return NO_ERROR;
  for (const key in value) {
    const signal = deepTextSignal(value[key], 2);
    if (signal.strength > 0) return signal;
  }
  return NO_ERROR;
}

/** The weak signal for text that did not parse: error words outside of `"key":` names. */
function rawTextSignal(text: string): ErrorSignal {
  return textSignal(text.replace(/"(?:[^"\\]|\\.)*"\s*:/g, ''));
}

function fieldSignal(key: string, field: unknown): ErrorSignal | undefined {
  switch (keyRole(key)) {
    case 'status':
      if (typeof field === 'string' && FAILURE_VALUE.test(field.trim())) return strongSignal(key, field);
      return isFailureCode(key, field) ? strongSignal(key, field) : undefined;
    case 'code':
      return isFailureCode(key, field) ? strongSignal(key, field) : undefined;
    case 'ok':
      return field === false ? strongSignal(key, field) : undefined;
    case 'error':
      return isPresent(field) ? strongSignal(key, field) : undefined;
    default:
      return undefined;
  }
}

// HTTP-style status codes: 4xx and 5xx are failures.
function isFailureCode(key: string, field: unknown): boolean {
  return typeof field === 'number' && key.toLowerCase().includes('status') && field >= 400 && field <= 599;
}

function isPresent(field: unknown): boolean {
  if (field === null || field === undefined || field === false || field === 0 || field === '') return false;
  if (Array.isArray(field)) return field.length > 0;
  if (typeof field === 'object') return Object.keys(field).length > 0;
  return true;
}

function strongSignal(key: string, field: unknown): ErrorSignal {
  const shown = typeof field === 'string' ? field : JSON.stringify(field);
  return { strength: 2, signature: blur(`${key}=${shown}`) };
}

function deepTextSignal(field: unknown, depth: number): ErrorSignal {
  if (typeof field === 'string') return textSignal(field);
  if (depth === 0 || typeof field !== 'object' || field === null) return NO_ERROR;
  const children = Array.isArray(field) ? field : Object.values(field);
  for (const child of children) {
    const signal = deepTextSignal(child, depth - 1);
    if (signal.strength > 0) return signal;
  }
  return NO_ERROR;
}

function textSignal(text: string): ErrorSignal {
  if (text.length > MAX_SCANNED_STRING) return NO_ERROR;
  return ERROR_PATTERN.test(text) ? { strength: 1, signature: blur(text) } : NO_ERROR;
}

function blur(text: string): string {
  return text.slice(0, 120).replace(/\d+/g, '#');
}
