import { queryScorer, termMatcher } from '../signals.js';
import type { Query } from '../types.js';

/** An entity in more than this share of the texts (`src` in a listing of `src/`) names none of them. */
const MAX_ENTITY_SHARE = 0.5;
/** An entity in this few texts always names them, however short the input. */
const FEW = 3;
/**
 * A plain question word (`tzdata`, not shaped like a name) names the texts it picks out when it is in at
 * most FEW of them or this share: rare in the block, it is what the question is about there.
 */
const DISTINCTIVE_SHARE = 0.01;
/** Names tracked per text in a 32-bit mask. */
const MAX_NAMES = 31;

/**
 * The texts for the entities the question names, to keep before any ranking fills the rest of a budget
 * (`Query.entities`: ids, years, versions, paths, names, then any other question term that is distinctive
 * in these texts, `tzdata` among 700 package rows). Per entity, the texts that mention it, those
 * naming the most entities first (then the most query terms, then input order); the entities take turns,
 * one text each, so 45 rows of one store cannot crowd out the two rows of the store and year asked
 * about. The first turn is owed to every entity whatever the budget, so no tightening of it (a hard
 * limit shrinks budgets to one item) can drop what the question names; later turns stop at `budget`
 * texts (callers give it part of their own budget, so ranking still has room), and callers keep every
 * text picked, over their own budget if need be. `skip` marks texts the caller keeps anyway.
 */
export function namedFirst(
  texts: readonly string[],
  query: Query,
  budget: number,
  skip: (i: number) => boolean = () => false,
): number[] {
  const shaped = query.entities ?? [];
  const plain = query.terms.filter((t) => !shaped.includes(t));
  const entities = [...shaped, ...plain].slice(0, MAX_NAMES);
  if (entities.length === 0) return [];
  const matcher = termMatcher({ terms: entities, text: query.text });
  const shapedLimit = Math.max(FEW, texts.length * MAX_ENTITY_SHARE);
  const plainLimit = Math.max(FEW, texts.length * DISTINCTIVE_SHARE);
  const limits = entities.map((_, e) => (e < shaped.length ? shapedLimit : plainLimit));
  const lists: (number[] | undefined)[] = entities.map(() => []);
  const masks = new Map<number, number>();
  let alive = lists.length;
  for (let i = 0; i < texts.length && alive > 0; i++) {
    const text = texts[i]!;
    if (!matcher.maybe(text)) continue;
    const lower = text.toLowerCase();
    let mask = 0;
    for (let e = 0; e < lists.length; e++) {
      // A name too many texts hold is out for good: only the selective ones count below.
      const list = lists[e];
      if (list === undefined || !matcher.mentions(lower, e)) continue;
      mask |= 1 << e;
      if (list.length < limits[e]!) list.push(i);
      else {
        lists[e] = undefined;
        alive -= 1;
      }
    }
    if (mask !== 0) masks.set(i, mask);
  }
  // How many of the selective entities a text names; one most texts hold says nothing about which.
  let selective = 0;
  lists.forEach((list, e) => {
    if (list !== undefined) selective |= 1 << e;
  });
  const named = new Map<number, number>();
  for (const [i, mask] of masks) {
    let bits = (mask & selective) >>> 0;
    let count = 0;
    for (; bits !== 0; bits &= bits - 1) count += 1;
    named.set(i, count);
  }
  const scoreText = queryScorer(query);
  const scores = new Map<number, number>();
  const score = (i: number) => {
    let s = scores.get(i);
    if (s === undefined) {
      s = scoreText(texts[i]!);
      scores.set(i, s);
    }
    return s;
  };
  const queues = lists
    .filter((list): list is number[] => list !== undefined && list.length > 0)
    .map((list) => list.sort((a, b) => named.get(b)! - named.get(a)! || score(b) - score(a) || a - b));
  const picked: number[] = [];
  const chosen = new Set<number>();
  const heads = queues.map(() => 0);
  // An entity one of whose texts the caller keeps anyway has had its first turn.
  const served = queues.map((queue) => queue.some(skip));
  let progress = true;
  for (let round = 0; (round === 0 || picked.length < budget) && progress; round++) {
    progress = round === 0;
    for (let q = 0; q < queues.length && (round === 0 || picked.length < budget); q++) {
      if (round === 0 && served[q]) continue;
      const queue = queues[q]!;
      let h = heads[q]!;
      while (h < queue.length && (chosen.has(queue[h]!) || skip(queue[h]!))) h += 1;
      heads[q] = h + 1;
      if (h >= queue.length) continue;
      chosen.add(queue[h]!);
      picked.push(queue[h]!);
      progress = true;
    }
  }
  return picked;
}
