/**
 * Synthetic API dumps for the latency table only (the savings table uses real outputs): arrays of
 * order records with ids, names, statuses, timestamps, numbers and nested tags, from a seeded generator
 * so every run measures the same bytes.
 */

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia'];
const LAST = [
  'Lovelace',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Dijkstra',
];
const STATUSES = [
  'delivered',
  'delivered',
  'delivered',
  'shipped',
  'shipped',
  'processing',
  'pending',
  'refunded',
];
const REGIONS = ['eu-west-1', 'us-east-1', 'us-west-2', 'ap-southeast-2', 'sa-east-1'];
const TAGS = [
  'priority',
  'gift',
  'wholesale',
  'subscription',
  'backorder',
  'fragile',
  'express',
  'returning',
];
const CHANNELS = ['web', 'ios', 'android', 'pos', 'api'];

/** mulberry32: small, fast and good enough to make varied but repeatable records. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], r: number): T {
  return items[Math.floor(r * items.length)] as T;
}

export interface OrderRecord {
  readonly id: string;
  readonly customer: { readonly name: string; readonly email: string; readonly tier: string };
  readonly status: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly total_cents: number;
  readonly currency: string;
  readonly line_items: number;
  readonly region: string;
  readonly tags: readonly string[];
  readonly metadata: { readonly channel: string; readonly attempts: number; readonly latency_ms: number };
  readonly error?: string;
}

export function orderRecords(count: number, seed = 20_260_101): OrderRecord[] {
  const random = seeded(seed);
  const start = Date.UTC(2026, 0, 1);
  const records: OrderRecord[] = [];
  for (let i = 0; i < count; i++) {
    const first = pick(FIRST, random());
    const last = pick(LAST, random());
    const created = start + i * 47_000 + Math.floor(random() * 30_000);
    // About one record in 150 failed, and one in 400 is an outlier, the things a reader looks for.
    const failed = random() < 1 / 150;
    const outlier = random() < 1 / 400;
    const tagCount = Math.floor(random() * 3);
    const tags = Array.from({ length: tagCount }, () => pick(TAGS, random()));
    records.push({
      id: `ord_${String(100_000 + i)}`,
      customer: {
        name: `${first} ${last}`,
        email: `${first.toLowerCase()}.${last.toLowerCase()}${i % 97}@example.com`,
        tier: random() < 0.2 ? 'gold' : 'standard',
      },
      status: failed ? 'failed' : pick(STATUSES, random()),
      created_at: new Date(created).toISOString(),
      updated_at: new Date(created + Math.floor(random() * 86_400_000)).toISOString(),
      total_cents: outlier
        ? 4_000_000 + Math.floor(random() * 1_000_000)
        : 500 + Math.floor(random() * 25_000),
      currency: random() < 0.7 ? 'USD' : 'EUR',
      line_items: 1 + Math.floor(random() * 6),
      region: pick(REGIONS, random()),
      tags,
      metadata: {
        channel: pick(CHANNELS, random()),
        attempts: failed ? 3 : 1,
        latency_ms: outlier ? 9_000 + Math.floor(random() * 3_000) : 40 + Math.floor(random() * 300),
      },
      ...(failed ? { error: 'payment_declined: card issuer returned do_not_honor' } : {}),
    });
  }
  return records;
}

/** Pretty-printed like an API client's `--json` dump, with a record count close to `targetTokens`. */
export function orderDump(targetTokens: number, count: (text: string) => number): string {
  const sample = JSON.stringify(orderRecords(200), null, 2);
  const perRecord = count(sample) / 200;
  return JSON.stringify(orderRecords(Math.max(1, Math.round(targetTokens / perRecord))), null, 2);
}
