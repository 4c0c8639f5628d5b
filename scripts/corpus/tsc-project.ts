import { appendFile, cp, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Edits that break the build on purpose, appended to real files of the copied SDK. They are what the
 * corpus question asks about; the rest of tsc's output is the noise around them.
 */
const INJECTED: ReadonlyArray<readonly [file: string, code: string]> = [
  [
    'src/core/pagination.ts',
    `
export function firstItemId(page: CursorPage<{ id: string }>): number {
  return page.data[0]?.id;
}
`,
  ],
  [
    'src/resources/files.ts',
    `
export const DEFAULT_UPLOAD_PURPOSE: FilePurpose = 'fine-tuning';
`,
  ],
  [
    'src/core/streaming.ts',
    `
export function closeStream(stream: Stream<unknown>): void {
  stream.abort('closed by caller');
}
`,
  ],
];

/**
 * A copy of the openai SDK's TypeScript sources, type-checked with stricter settings than the SDK uses
 * (`verbatimModuleSyntax` alone flags every import of a type without `type`), plus three real mistakes.
 * This is what a repo mid-migration looks like: a thousand lines of one error and a few that matter.
 */
export async function writeTscProject(dir: string, mainRepo: string): Promise<void> {
  await cp(path.join(mainRepo, 'node_modules/openai/src'), path.join(dir, 'src'), { recursive: true });
  await symlink(path.join(mainRepo, 'node_modules'), path.join(dir, 'node_modules'));
  await writeFile(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'openai-fork', version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  const compilerOptions = {
    target: 'ES2022',
    module: 'preserve',
    moduleResolution: 'bundler',
    lib: ['ES2023', 'DOM', 'DOM.Iterable'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    verbatimModuleSyntax: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
  };
  await writeFile(
    path.join(dir, 'tsconfig.json'),
    `${JSON.stringify({ compilerOptions, include: ['src'] }, null, 2)}\n`,
  );
  for (const [file, code] of INJECTED) await appendFile(path.join(dir, file), code);
}
