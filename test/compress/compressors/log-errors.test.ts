import { describe, expect, it } from 'vitest';
import {
  errorCode,
  errorFile,
  errorRunNote,
  pickDiverse,
} from '../../../src/compress/compressors/log/errors.js';

describe('errorCode and errorFile', () => {
  it('read the code and file of the common compilers and linters', () => {
    const cases: [string, string | undefined, string | undefined][] = [
      ["src/a.ts(3,5): error TS2322: Type 'string' is not assignable", 'TS2322', 'src/a.ts'],
      ['src/b.ts:12:7 - error TS2339: Property x does not exist', 'TS2339', 'src/b.ts'],
      ['error[E0308]: mismatched types', 'E0308', undefined],
      ['app/models.py:14:80: E501 line too long (91 > 79 characters)', 'E501', 'app/models.py'],
      ["main.c:4:9: warning: unused variable 'x' [-Wunused-variable]", '-Wunused-variable', 'main.c'],
      ['app/api.py:3: error: Argument 1 has incompatible type  [arg-type]', 'arg-type', 'app/api.py'],
      ['npm ERR! code ERESOLVE', 'ERESOLVE', undefined],
      ["TypeError: Cannot read properties of undefined (reading 'sku')", 'TypeError', undefined],
      ['2025-03-14 ERROR db: connection lost', undefined, undefined],
    ];
    for (const [line, code, file] of cases) {
      expect(errorCode(line), line).toBe(code);
      expect(errorFile(line), line).toBe(file);
    }
  });
});

describe('pickDiverse', () => {
  it('takes one item of each new key level by level, in order', () => {
    const items = ['a1', 'a2', 'b1', 'c1', 'b2'];
    const chosen = new Set<string>();
    pickDiverse(items, [(s) => [s[0]!]], 10, chosen);
    expect([...chosen]).toEqual(['a1', 'b1', 'c1']);
  });

  it('spreads its picks over the run when a level offers more than the budget holds', () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const chosen = new Set<number>();
    pickDiverse(items, [(i) => [String(i)]], 4, chosen);
    expect([...chosen]).toEqual([0, 25, 50, 75]);
  });

  it('keeps at most so many items of one kind', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const chosen = new Set<number>();
    pickDiverse(items, [(i) => [`file-${i}`]], 20, chosen, { kindOf: () => 1, perKind: 3 });
    expect(chosen.size).toBe(3);
  });
});

describe('errorRunNote', () => {
  it('counts a run of compiler errors by code and names the directory they share', () => {
    const codes = ['TS1484', 'TS1484', 'TS2307', 'TS1484'];
    const files = ['src/core/a.ts', 'src/core/b.ts', 'src/core/util/c.ts', 'src/core/a.ts'];
    expect(errorRunNote(0, 4, codes, files, () => false)).toBe(
      '4 errors: TS1484 ×3, TS2307 ×1 in src/core/…',
    );
  });

  it('says nothing for a run that is mostly something else', () => {
    const codes = [undefined, 'TS2322', undefined, undefined];
    expect(errorRunNote(0, 4, codes, [], () => false)).toBeUndefined();
  });
});
