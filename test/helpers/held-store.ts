import { createFileStore, type FileStore } from '../../src/store/file-store.js';

/**
 * A real file store whose writes of originals wait until `release()`: a test can act (a client leaves)
 * while a body is still being compressed. `reached` resolves when the first write starts; `written`
 * settles once the held writes are done.
 */
export function heldStore(stateDir: string): {
  readonly store: FileStore;
  readonly reached: Promise<void>;
  release(): void;
  written(): Promise<void>;
} {
  const real = createFileStore({ stateDir });
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let written: Promise<void> = Promise.resolve();
  const store: FileStore = {
    ...real,
    putAll(originals) {
      reach();
      written = gate.then(() => real.putAll(originals));
      return written;
    },
  };
  return { store, reached, release, written: () => written.catch(() => undefined) };
}
