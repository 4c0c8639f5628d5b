import { describe, expect, it } from 'vitest';
import { headroomFastify, headroomHono, headroomNode } from '../../src/middleware/index.js';

const invalidOption = expect.objectContaining({
  name: 'HeadroomError',
  code: 'INVALID_OPTION',
  fix: expect.stringContaining('routes'),
});

describe('middleware options', () => {
  it('refuses a misspelt or proxy-only option instead of ignoring it', () => {
    for (const make of [headroomHono, headroomNode, headroomFastify]) {
      // `rouets` would leave the default routes on, and a `port` means nothing inside an app.
      expect(() => make({ rouets: { '/llm/v1/messages': 'anthropic' } } as never)).toThrow(
        'Unknown option `rouets`.',
      );
      expect(() => make({ port: 8787 } as never)).toThrow(invalidOption);
      expect(() => make(null as never)).toThrow(invalidOption);
    }
  });
});
