import type { FieldTable } from './fields.js';

/**
 * Everything item selection looks at: parsed items (undefined when one did not parse), their texts,
 * and for an object's entries, their keys.
 */
export interface ItemSet {
  readonly values: readonly unknown[];
  readonly texts: readonly string[];
  readonly table: FieldTable;
  /** Set for a keyed collection (an object's entries); their order says nothing about sequence. */
  readonly keys?: readonly (string | undefined)[];
}
