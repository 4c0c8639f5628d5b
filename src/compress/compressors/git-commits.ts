/** The header of a commit in `git log` and `git show` output: `commit <hash>`, then its fields. */
export const COMMIT_LINE = /^commit [0-9a-f]{7,}/;
export const COMMIT_FIELD = /^(?:Author|AuthorDate|Commit|CommitDate|Date|Merge|From|Subject):/;

/**
 * Keeps, for every commit of a `git log` that has a kept line, the lines that say which commit it is: the
 * `commit` line, its `Author:`/`Date:` fields and the subject under them. A stat line or message line
 * the question matched is no answer without the commit it belongs to. Text with fewer than two commits
 * is left as it is.
 */
export function keepCommitHeaders(lines: readonly string[], keep: boolean[]): void {
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.startsWith('commit ') && COMMIT_LINE.test(lines[i]!)) starts.push(i);
  }
  if (starts.length < 2) return;
  for (let c = 0; c < starts.length; c++) {
    const start = starts[c]!;
    const end = starts[c + 1] ?? lines.length;
    let kept = false;
    for (let i = start; i < end && !kept; i++) kept = keep[i]!;
    if (!kept) continue;
    let i = start;
    keep[i++] = true;
    while (i < end && COMMIT_FIELD.test(lines[i]!)) keep[i++] = true;
    // The subject: the first line of the indented message below the blank line.
    while (i < end && lines[i]!.trim() === '') i += 1;
    if (i < end && lines[i]!.startsWith('    ')) keep[i] = true;
  }
}
