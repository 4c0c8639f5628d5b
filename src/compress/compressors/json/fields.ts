/** A plain JSON object (not null, not an array). */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for values a table cell or a statistic can show as they are. */
export function isScalar(value: unknown): value is string | number | boolean | null {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

// Wide items would make every statistic pass slow and the summary unreadable.
const MAX_FIELDS = 48;

/**
 * Items seen column by column: `id`, `status`, and one level into nested objects (`user.name`).
 * A scalar item sits in the column named ''. Missing fields are `undefined`.
 */
export interface FieldTable {
  readonly size: number;
  readonly columns: ReadonlyMap<string, readonly unknown[]>;
}

export function buildFieldTable(values: readonly unknown[]): FieldTable {
  const columns = new Map<string, unknown[]>();
  const size = values.length;
  // `user.name` is built once per key pair rather than once per item.
  const nestedPaths = new Map<string, Map<string, string>>();
  const nestedPath = (key: string, sub: string): string => {
    let subs = nestedPaths.get(key);
    if (subs === undefined) {
      subs = new Map();
      nestedPaths.set(key, subs);
    }
    let path = subs.get(sub);
    if (path === undefined) {
      path = `${key}.${sub}`;
      subs.set(sub, path);
    }
    return path;
  };
  const put = (path: string, index: number, value: unknown): void => {
    let column = columns.get(path);
    if (column === undefined) {
      if (columns.size >= MAX_FIELDS) return;
      column = new Array<unknown>(size);
      columns.set(path, column);
    }
    column[index] = value;
  };
  for (let i = 0; i < size; i += 1) {
    const value = values[i];
    if (isJsonObject(value)) {
      for (const key in value) {
        const field = value[key];
        put(key, i, field);
        if (isJsonObject(field)) {
          for (const sub in field) {
            const inner = field[sub];
            if (isScalar(inner)) put(nestedPath(key, sub), i, inner);
          }
        }
      }
    } else if (isScalar(value)) {
      put('', i, value);
    }
  }
  return { size, columns };
}

const ID_FIELDS = ['id', '_id', 'uuid', 'key', 'name', 'slug', 'sha', 'number', 'title'];

/** The field that names items best (`id`, then `name`, …), when most items have it as a scalar. */
export function idField(table: FieldTable): string | undefined {
  for (const name of ID_FIELDS) {
    const column = table.columns.get(name);
    if (column === undefined) continue;
    let present = 0;
    for (const value of column) {
      if (typeof value === 'string' || typeof value === 'number') present += 1;
    }
    if (present >= table.size * 0.8) return name;
  }
  return undefined;
}
