import { describe, expect, it } from 'vitest';
import { extractQuery } from '../../src/compress/query.js';
import {
  ERROR_PATTERN,
  formatCount,
  isErrorText,
  queryScore,
  queryScorer,
  termMatcher,
} from '../../src/compress/signals.js';

describe('isErrorText', () => {
  it('flags error words in any case and failure glyphs', () => {
    for (const text of [
      'ERROR db: connect ECONNREFUSED 10.0.0.5:5432',
      'Build failed in 3s',
      'npm ERR! code ELIFECYCLE',
      "src/a.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'.",
      '   × UserService > rejects an invalid email 6ms',
      'request timed out after 30s',
    ]) {
      expect(isErrorText(text), text).toBe(true);
    }
  });

  it('flags thrown exception classes, not option names that end in Error', () => {
    expect(isErrorText("TypeError: Cannot read properties of undefined (reading 'sku')")).toBe(true);
    expect(isErrorText('ValueError: invalid literal for int()')).toBe(true);
    expect(isErrorText('Caused by: java.lang.IllegalStateException: pool closed')).toBe(true);
    expect(isErrorText('tests/test_refunds.py:42: AssertionError')).toBe(true);
    expect(isErrorText('  onError: handleFailure,')).toBe(false);
    expect(isErrorText(' * @throws {HTTPException} when the body is too large')).toBe(false);
  });

  it('does not flag reports of zero errors', () => {
    for (const text of [
      'Found 0 errors. Watching for file changes.',
      'Tests: 0 failed, 12 passed, 12 total',
      'Failures: 0, Errors: 0, Skipped: 1',
      'found 0 vulnerabilities',
      'compiled without errors',
      '"failed": 0,',
    ]) {
      expect(isErrorText(text), text).toBe(false);
    }
    expect(isErrorText('Errors: 0, Failures: 2')).toBe(true);
  });

  it('leaves warnings to the warning pattern', () => {
    expect(
      isErrorText('npm WARN deprecated glob@7.2.3: Glob versions prior to v9 are no longer supported'),
    ).toBe(false);
    expect(isErrorText('WARNING: disk usage above 80%')).toBe(false);
    expect(ERROR_PATTERN.test('warning: unused variable `x`')).toBe(false);
  });

  it('does not take a multiplication sign inside a size for a failed test', () => {
    expect(isErrorText('resized the image to 1920×1080')).toBe(false);
  });
});

describe('queryScore', () => {
  it('counts each term the text mentions once, whatever the case', () => {
    const query = extractQuery('why does getUser fail for the Admin role?');
    expect(queryScore('const user = await getUserById(id); // admin only', query)).toBe(2);
    expect(queryScore('nothing relevant here', query)).toBe(0);
  });

  it('matches a number as a number or the start of a version, not inside a longer one', () => {
    const score = queryScorer(extractQuery('why did glob 7 come in?'));
    expect(score('npm silly placeDep ROOT glob@7.2.3 OK for: rimraf@3.0.2')).toBe(2);
    expect(score('glob-parent@6.0.2 want: ^6.0.2 (17 deps)')).toBe(1);
    expect(score('resolved 1.7 and 70 and v7')).toBe(1);
    const exact = queryScorer(extractQuery('what changed in 2.3.1?'));
    expect(exact('released 2.3.1 today')).toBe(1);
    expect(exact('released 2.3.10 and 12.3.1')).toBe(0);
  });
});

describe('formatCount', () => {
  it('writes counts exactly as toLocaleString does, without loading ICU for whole numbers', () => {
    const values = [
      0,
      -0,
      1,
      7,
      999,
      1000,
      -1000,
      12_345,
      999_999,
      1_000_000,
      -98_765_432,
      2 ** 53 - 1,
      2 ** 53,
      1.5,
      -1234.5678,
    ];
    for (let n = 1; n < 1e15; n = n * 7 + 3) values.push(n, -n);
    for (const value of values) expect(formatCount(value), String(value)).toBe(value.toLocaleString('en-US'));
  });
});

describe('termMatcher.maybe', () => {
  it('rules out only texts that mention no term, numbers held to their boundaries', () => {
    const texts = [
      'id=104200-3 path=/api/items/7 status=200',
      'job 1042 failed',
      'worker 1042: retry',
      'release 2.1042 and 31042',
      'v1042x',
      'Investigate the \u212Aey of 104200',
      'the job ran 1042.5 s',
      'nothing here',
      'JOB done in 5 s, ticket 9',
      'JOB done; see 1.1042 and 1.2.3 and 1.2.30',
      '\u212Aey 104200 of İnvestigation',
      'the \u212AEY at 19 and 1.2.30',
      'İnvestigate 104200',
    ];
    for (const question of [
      'Investigate job 1042.',
      'why did 1.2.3 break key 9?',
      'what about v2 and 7?',
      'what is the key of job 1042?',
      'i̇nvestigate 1042',
    ]) {
      const query = extractQuery(question);
      const matcher = termMatcher(query);
      for (const text of texts) {
        const lower = text.toLowerCase();
        const mentioned = query.terms.some((_, t) => matcher.mentions(lower, t));
        const any = matcher.any?.test(text) === true;
        // Never more than `any`, never less than what is mentioned.
        if (matcher.maybe(text)) expect(any, `${question} / ${text}`).toBe(true);
        else if (any) expect(mentioned, `${question} / ${text}`).toBe(false);
      }
    }
    const matcher = termMatcher(extractQuery('Investigate job 1042.'));
    expect(matcher.maybe('id=104200-3 status=200')).toBe(false);
    expect(matcher.maybe('id=1042-3 status=200')).toBe(true);
    expect(matcher.maybe('Job 104200')).toBe(true);
  });
});
