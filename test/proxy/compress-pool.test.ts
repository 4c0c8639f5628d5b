import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../../src/proxy/compress-pool.js';

describe('compression worker flags', () => {
  it('keeps node flags but never the parent’s own -e/-p script', () => {
    expect(workerExecArgv(['--max-old-space-size=512', '--input-type=module', '-e', 'startProxy()'])).toEqual(
      ['--max-old-space-size=512'],
    );
    expect(workerExecArgv(['--expose-gc', '--import', 'tsx', '--eval=x', '-p', '1'])).toEqual([
      '--expose-gc',
      '--import',
      'tsx',
    ]);
  });
});
