/**
 * What a line of an HTML file carries: visible text, a structural tag (heading, landmark, the frame of a
 * script), or only markup, comment, or the inside of a `<script>`/`<style>`/`<svg>` (`raw:script`).
 */
export type HtmlLineKind = 'text' | 'structure' | 'markup' | 'comment' | 'blank' | `raw:${string}`;

/** Elements whose content is not text, tracked across lines. */
const RAW = new Set(['script', 'style', 'svg', 'noscript', 'template']);
/** Tags that give a page its outline; lines holding them stay. */
const STRUCTURE = new Set([
  'html',
  'head',
  'body',
  'title',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'main',
  'section',
  'article',
  'header',
  'nav',
  'footer',
  'aside',
  'form',
  'table',
  'script',
  'style',
  // What the page loads and asks for.
  'link',
  'input',
  'select',
  'textarea',
  'button',
]);

const TAG_NAME = /\/?([a-zA-Z][\w:-]*)/y;

/** Classifies every line in one pass, carrying open tags, comments and raw elements across lines. */
export function classifyHtmlLines(lines: readonly string[]): HtmlLineKind[] {
  const kinds: HtmlLineKind[] = [];
  let mode: 'text' | 'tag' | 'comment' | 'raw' = 'text';
  let rawName = '';
  let tagName = '';
  let tagClosing = false;
  let quote = '';
  let rawEnd: RegExp | undefined;
  for (const line of lines) {
    const startMode = mode;
    let visible = false;
    let structure = false;
    let outsideRaw = false;
    let sawTag = startMode === 'tag';
    let sawComment = startMode === 'comment';
    let i = 0;
    while (i < line.length) {
      if (mode === 'raw') {
        rawEnd!.lastIndex = i;
        const found = rawEnd!.exec(line);
        if (!found) {
          i = line.length;
          break;
        }
        i = found.index;
        mode = 'text';
        continue;
      }
      if (mode === 'comment') {
        outsideRaw = true;
        const close = line.indexOf('-->', i);
        if (close === -1) break;
        i = close + 3;
        mode = 'text';
        continue;
      }
      const c = line[i]!;
      if (mode === 'tag') {
        outsideRaw = true;
        if (quote !== '') {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') {
          const selfClosing = line[i - 1] === '/';
          mode = 'text';
          if (!tagClosing && !selfClosing && RAW.has(tagName)) {
            mode = 'raw';
            rawName = tagName;
            rawEnd = new RegExp(`</${rawName}\\b`, 'gi');
          }
        }
        i += 1;
        continue;
      }
      if (c === '<') {
        outsideRaw = true;
        if (line.startsWith('<!--', i)) {
          sawComment = true;
          mode = 'comment';
          i += 4;
          continue;
        }
        TAG_NAME.lastIndex = i + 1;
        const m = TAG_NAME.exec(line);
        if (m || line[i + 1] === '!' || line[i + 1] === '?') {
          tagName = m ? m[1]!.toLowerCase() : '';
          tagClosing = line[i + 1] === '/';
          if (STRUCTURE.has(tagName)) structure = true;
          sawTag = true;
          mode = 'tag';
          quote = '';
          i = m ? TAG_NAME.lastIndex : i + 2;
          continue;
        }
      }
      if (c !== ' ' && c !== '\t') {
        visible = true;
        outsideRaw = true;
      }
      i += 1;
    }
    if (visible) kinds.push('text');
    else if (structure) kinds.push('structure');
    else if (line.trim().length === 0) kinds.push('blank');
    else if (startMode === 'raw' && !outsideRaw) kinds.push(`raw:${rawName}`);
    else kinds.push(sawComment && !sawTag ? 'comment' : 'markup');
  }
  return kinds;
}
