import { describe, expect, it } from 'vitest';
import { namedFirst } from '../../../src/compress/compressors/named-first.js';
import { extractQuery } from '../../../src/compress/query.js';

describe('namedFirst', () => {
  // 45 rows of one store match three words of the question; the two rows of store 1042 in 2019 match two.
  const rows = [
    ...Array.from({ length: 45 }, (_, i) => `${i},1040,Acme Widgets,north,${2015 + (i % 9)},widget`),
    '45,1042,Cedar Market,east,2019,gadget',
    '46,1042,Cedar Market,east,2019,flange',
    ...Array.from({ length: 30 }, (_, i) => `${47 + i},1043,Delta Foods,west,2016,gizmo`),
  ];
  const query = extractQuery('Compare Acme Widgets north sales with store 1042 in 2019');

  it('gives every entity its texts in turn, those naming the most entities first', () => {
    // `acme widgets` is on more than half the rows: it names none of them.
    expect(namedFirst(rows, query, 3)).toEqual([45, 46, 4]);
  });

  it('stops at the budget after the first turn and skips what the caller keeps anyway', () => {
    // Row 45 is kept already, so 1042 has had its turn: 2019 takes the other row naming both.
    expect(namedFirst(rows, query, 2, (i) => i === 45)).toEqual([46, 4]);
  });

  it('owes every entity its first text whatever the budget, so tightening cannot drop what the question names', () => {
    // A hard limit shrinks the callers' budgets to nothing: 1042 and 2019 still get one text each.
    expect(namedFirst(rows, query, 0)).toEqual([45, 46]);
    expect(namedFirst(rows, query, 1)).toEqual([45, 46]);
    // Past the first turn the budget holds again.
    expect(namedFirst(rows, query, 3)).toEqual([45, 46, 4]);
  });

  it('ignores an entity most texts hold, and a question that names nothing', () => {
    const common = Array.from({ length: 20 }, (_, i) => `v2.3.1 line ${i}`);
    expect(namedFirst(common, extractQuery('what changed in 2.3.1?'), 5)).toEqual([]);
    expect(namedFirst(rows, extractQuery('what failed?'), 5)).toEqual([]);
  });

  it('takes a plain question word that picks out few texts as a name, not one that many texts hold', () => {
    const packages = Array.from({ length: 400 }, (_, i) => `${i},libfoo${i},1.${i},all,optional`);
    packages[120] = '120,tzdata,2025b-0,all,required';
    // `tzdata` is a plain word, not shaped like a name: rare here, it is what the question is about.
    const asked = extractQuery('Which version of tzdata is installed, and is it optional?');
    expect(namedFirst(packages, asked, 5)).toEqual([120]);
  });
});
