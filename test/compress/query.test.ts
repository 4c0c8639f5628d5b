import { describe, expect, it } from 'vitest';
import { extractQuery, isAnalysisRequest, isReadAllRequest } from '../../src/compress/query.js';

describe('extractQuery', () => {
  it('keeps identifiers, versions and paths and drops filler words', () => {
    const q = extractQuery('Why does getUserById fail in src/api/users.ts since version 2.3.1?');
    expect(q.terms).toContain('getuserbyid');
    expect(q.terms).toContain('src/api/users.ts');
    expect(q.terms).toContain('users.ts');
    expect(q.terms).toContain('2.3.1');
    expect(q.terms).not.toContain('why');
    expect(q.terms).not.toContain('does');
  });

  it('ignores text inside system reminders the agent injected', () => {
    const q = extractQuery(
      '<system-reminder>secretword should not count</system-reminder>What is the price of claude-3-opus?',
    );
    expect(q.terms).not.toContain('secretword');
    expect(q.terms).toContain('claude-3-opus');
  });

  it('names the entities: ids, years, versions, paths, dotted and camelCase names, proper names', () => {
    expect(extractQuery('Compare Acme Widgets north sales with store 1042 in 2019').entities).toEqual([
      'acme widgets',
      '1042',
      '2019',
    ]);
    expect(
      extractQuery('Why does getUserById fail in src/api/users.ts since version 2.3.1?').entities,
    ).toEqual(['getuserbyid', 'src/api/users.ts', 'users.ts', '2.3.1']);
    expect(extractQuery('What does Math.min return for "not a number"?').entities).toEqual([
      'not a number',
      'math.min',
    ]);
    // A capital that opens a sentence is no name.
    expect(extractQuery('Compare the sales. Totals please').entities).toEqual([]);
  });

  it('names the member a dotted name ends in, not a file extension or a short word', () => {
    expect(
      extractQuery('Who wrote _OptionParser._match_short_opt and res.sendFile in lib/response.js?').entities,
    ).toEqual([
      '_optionparser._match_short_opt',
      '_match_short_opt',
      'res.sendfile',
      'sendfile',
      'lib/response.js',
      'response.js',
    ]);
    expect(extractQuery('Why is config.json ignored by Math.min?').entities).toEqual([
      'config.json',
      'math.min',
    ]);
  });

  it('keeps quoted phrases whole', () => {
    expect(extractQuery('find "connection reset by peer" in the logs').terms).toContain(
      'connection reset by peer',
    );
  });
});

describe('isAnalysisRequest', () => {
  it('spots requests to review or explain code', () => {
    expect(isAnalysisRequest('Please review this function')).toBe(true);
    expect(isAnalysisRequest('explain what parseConfig does')).toBe(true);
    expect(isAnalysisRequest('list the files')).toBe(false);
  });
});

describe('isReadAllRequest', () => {
  it('spots requests that reproduce the content: port, translate, convert, copy, verbatim, entire', () => {
    for (const q of [
      'Port this module to TypeScript with identical behaviour',
      'porting fileinput.py to Rust',
      'translate it to Go',
      'rewrite this in Kotlin',
      'convert the CSV to JSON',
      'copy the config exactly',
      'reproduce the function',
      'show the entire file',
      'print it verbatim',
      'the full text please',
    ])
      expect(isReadAllRequest(q), q).toBe(true);
  });

  it('does not take the noun port, or an ordinary question, as one', () => {
    expect(isReadAllRequest('which port does the server listen on?')).toBe(false);
    expect(isReadAllRequest('where is the hook for compressed files?')).toBe(false);
  });
});
