import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/** Successive releases of one real package; each becomes a commit dated by its publish time. */
const PACKAGE = 'commander';
const VERSIONS = [
  '11.0.0',
  '11.1.0',
  '12.0.0',
  '12.1.0',
  '13.0.0',
  '13.1.0',
  '14.0.0',
  '14.0.1',
  '14.0.2',
  '14.0.3',
];

/**
 * Builds a git repository whose history is the published releases of `commander`, so `git log -p`
 * shows real diffs of real code. Author, committer and dates are fixed, so the commit hashes are the
 * same on every run as long as the registry serves the same tarballs.
 */
export async function writeCommitHistory(dir: string, env: Record<string, string>): Promise<void> {
  const run = (file: string, args: readonly string[], extra: Record<string, string> = {}) =>
    execa(file, args, { cwd: dir, env: { ...env, ...extra } });
  const { stdout } = await run('npm', ['view', PACKAGE, 'time', '--json']);
  const published = JSON.parse(stdout) as Record<string, string>;
  const tarballs = await mkdtemp(path.join(tmpdir(), 'corpus-tarballs-'));
  try {
    await run('git', ['init', '--quiet', '--initial-branch=main']);
    for (const version of VERSIONS) {
      const date = published[version];
      if (date === undefined) throw new Error(`${PACKAGE}@${version} has no publish time in the registry`);
      await run('npm', ['pack', `${PACKAGE}@${version}`, '--pack-destination', tarballs, '--silent']);
      for (const entry of await readdir(dir)) {
        if (entry !== '.git') await rm(path.join(dir, entry), { recursive: true, force: true });
      }
      await mkdir(dir, { recursive: true });
      await run('tar', ['-xzf', path.join(tarballs, `${PACKAGE}-${version}.tgz`), '--strip-components=1']);
      await run('git', ['add', '--all']);
      const identity = {
        GIT_AUTHOR_NAME: 'corpus',
        GIT_AUTHOR_EMAIL: 'corpus@localhost',
        GIT_COMMITTER_NAME: 'corpus',
        GIT_COMMITTER_EMAIL: 'corpus@localhost',
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      };
      await run('git', ['commit', '--quiet', '--message', `${PACKAGE} ${version}`], identity);
    }
  } finally {
    await rm(tarballs, { recursive: true, force: true });
  }
}
