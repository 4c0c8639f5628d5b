import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { colorLevel, createLogger } from '../../src/cli/logger.js';

function sinks(tty: boolean) {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty, columns: 80 });
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  const read = (s: PassThrough) => () => String(s.read() ?? '');
  return { streams: { stdout, stderr }, out: read(stdout), err: read(stderr) };
}

describe('logger', () => {
  it('colours only a terminal, and honours NO_COLOR over FORCE_COLOR', () => {
    expect(colorLevel({}, true)).toBe(1);
    expect(colorLevel({}, false)).toBe(0);
    expect(colorLevel({ FORCE_COLOR: '1' }, false)).toBe(1);
    expect(colorLevel({ FORCE_COLOR: '3' }, false)).toBe(3);
    expect(colorLevel({ FORCE_COLOR: '0' }, true)).toBe(0);
    expect(colorLevel({ NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(0);
  });

  it('keeps stdout to data only in JSON mode, while errors still reach stderr', () => {
    const io = sinks(false);
    const logger = createLogger({ json: true, env: {}, streams: io.streams });
    logger.out('a table');
    logger.info('a status line');
    logger.warn('a warning');
    logger.printJson({ rows: [] });
    logger.error('it broke');
    expect(JSON.parse(io.out())).toEqual({ rows: [] });
    expect(io.err()).toBe('error: it broke\n');
  });

  it('allows spinners only on a terminal outside CI', () => {
    expect(createLogger({ env: {}, streams: sinks(true).streams }).interactive).toBe(true);
    expect(createLogger({ env: { CI: 'true' }, streams: sinks(true).streams }).interactive).toBe(false);
    expect(createLogger({ env: {}, streams: sinks(false).streams }).interactive).toBe(false);
  });
});
