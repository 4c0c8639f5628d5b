import type { Query } from '../../types.js';
import { countOf, focusMask, lineScore, matchLines, termScore, termsIn } from '../line-tools.js';
import { decodeEntities } from './entities.js';

/** Elements whose content is never readable text: skipped with everything inside them. */
const SKIPPED = new Set([
  'script',
  'style',
  'svg',
  'noscript',
  'template',
  'iframe',
  'object',
  'canvas',
  'math',
]);
/** Site chrome: its text is kept only where it matches the question. */
const BOILERPLATE = new Set(['nav', 'footer']);
const BLOCKS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'form',
  'header',
  'hgroup',
  'hr',
  'html',
  'legend',
  'li',
  'main',
  'ol',
  'p',
  'section',
  'summary',
  'table',
  'tbody',
  'tfoot',
  'thead',
  'title',
  'ul',
  'option',
  'label',
]);

const TAG = /<(\/?)([a-zA-Z][\w:-]*)((?:"[^"]*"|'[^']*'|[^'">])*)>/y;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;
/** Form fields: what a page asks for, by name and id. */
const FIELDS = new Set(['form', 'input', 'select', 'textarea', 'button']);
/** Elements whose id is worth keeping beside headings and fields: the page's addressable sections. */
const ID_HOLDERS = new Set(['section', 'article', 'main', 'aside', 'dialog', 'details', 'table']);
/** Attributes that say what a field or form is; written as they stand in the page. */
const FIELD_ATTRIBUTES = ['type', 'name', 'id', 'action', 'method', 'for'];

/** The value of attribute `name` exactly as written in the tag (entities not decoded), or undefined. */
function attribute(attrs: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

/** `[script: book.js]`, `[link stylesheet: css/a.css]`: what the page loads, never dropped as chrome. */
function resourceOf(name: string, attrs: string): string | undefined {
  if (name === 'script') {
    const src = attribute(attrs, 'src');
    return src ? `[script: ${src}]` : undefined;
  }
  if (name === 'link') {
    const href = attribute(attrs, 'href');
    if (!href) return undefined;
    const rel = attribute(attrs, 'rel');
    return `[link${rel ? ` ${rel}` : ''}: ${href}]`;
  }
  return undefined;
}

/** `[input search: name=searchbar id=mdbook-searchbar]`, `[form: action=/login method=post]`. */
function fieldOf(name: string, attrs: string): string | undefined {
  const parts = FIELD_ATTRIBUTES.flatMap((a) => {
    const v = attribute(attrs, a);
    return v === undefined || v === '' ? [] : [`${a}=${v}`];
  });
  return parts.length > 0 ? `[${name}: ${parts.join(' ')}]` : undefined;
}

/** A question word found in more of the page's blocks than this (`guide` in a docs site) names none of them. */
const MAX_TERM_SHARE = 0.1;
/** Stands in a block's text for link `n` until the question decides whether its address is shown. */
const LINK_MARK = /\uE000(\d+)\uE001/g;

interface OpenLink {
  readonly href: string;
  /** Where the link's text starts in the buffer it is written to. */
  readonly at: number;
  readonly inCell: boolean;
}

interface Link {
  readonly text: string;
  readonly href: string;
}

/** One line of the readable text, before the question decides on boilerplate and link addresses. */
interface Block {
  readonly text: string;
  readonly heading: boolean;
  readonly boilerplate: boolean;
  /** What the page loads, its fields and section ids: the page's structure, kept like its headings. */
  readonly structure: boolean;
}

/**
 * Turns HTML into readable text: headings as `#` lines, paragraphs and list items one per line, table
 * rows as cells joined by ` | `, `pre` blocks verbatim in fences, inline code in backticks; scripts,
 * styles, comments and the like dropped; navigation and footers dropped unless the question names
 * something in them; links the question names keep their address. When the question names something in
 * the page's text, only the blocks that name it are kept beside the outline (headings, what the page
 * loads, fields and ids), each run of the others counted: the choice the wrapped excerpt makes by line.
 */
export function htmlToText(html: string, query: Query): string {
  const { blocks, links } = readBlocks(html);
  const texts = blocks.map((b) => b.text.replace(LINK_MARK, ''));
  const matches = matchLines(texts, query);
  const focused = focusMask(matches, MAX_TERM_SHARE);
  const terms = termsIn(matches, focused);
  const named = (k: number) => lineScore(matches, k, focused) > 0;
  const prose = (k: number) => !blocks[k]!.boilerplate && !blocks[k]!.heading && !blocks[k]!.structure;
  const thin = blocks.some((_, k) => prose(k) && named(k));
  // A named block keeps the text next to it on each side, so what it says keeps its context.
  const near = (k: number) => [k - 1, k + 1].some((j) => j >= 0 && j < blocks.length && prose(j) && named(j));
  const out: string[] = [];
  let omitted = 0;
  const noteOmitted = () => {
    if (omitted > 0) out.push(`[… ${countOf(omitted, 'block')} of text omitted …]`);
    omitted = 0;
  };
  blocks.forEach((b, k) => {
    if (b.boilerplate && !named(k)) return;
    if (thin && prose(k) && !named(k) && !near(k)) {
      omitted += 1;
      return;
    }
    noteOmitted();
    const text = b.text.replace(LINK_MARK, (mark, n: string) => {
      const link = links[Number(n)];
      // A private-use character written in the page itself, not one of ours.
      if (!link) return mark;
      const named = !link.text.includes(link.href) && termScore(`${link.text} ${link.href}`, terms) > 0;
      return named ? ` (${link.href})` : '';
    });
    if (out[out.length - 1] === text) return;
    if (b.heading && out.length > 0 && out[out.length - 1] !== '') out.push('');
    out.push(text);
  });
  noteOmitted();
  return out.join('\n');
}

function readBlocks(html: string): { blocks: Block[]; links: Link[] } {
  const blocks: Block[] = [];
  const links: Link[] = [];
  let block = '';
  let prefix = '';
  let cell: string | undefined;
  let cells: string[] | undefined;
  let pre = 0;
  let preText = '';
  let boilerplate = 0;
  const open: OpenLink[] = [];

  const emit = (text: string, heading: boolean) => {
    blocks.push({ text, heading, boilerplate: boilerplate > 0, structure: false });
  };
  // What the page loads stays wherever it sits; fields and ids in navigation and footers are chrome.
  const emitStructure = (text: string, resource: boolean) => {
    flush();
    blocks.push({ text, heading: false, boilerplate: !resource && boilerplate > 0, structure: true });
  };
  let headingId: string | undefined;
  const flush = () => {
    const text = block.replace(/\s+/g, ' ').trim();
    if (text.length > 0) emit(`${prefix}${text}`, prefix.startsWith('#'));
    block = '';
    prefix = '';
  };
  const append = (text: string) => {
    if (pre > 0) preText += text;
    else if (cell !== undefined) cell += text;
    else block += text;
  };
  const endRow = () => {
    if (cell !== undefined) cells?.push(cell.replace(/\s+/g, ' ').trim());
    cell = undefined;
    if (cells?.some((c) => c.length > 0)) emit(cells.join(' | '), false);
    cells = undefined;
  };

  const n = html.length;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    const textEnd = lt === -1 ? n : lt;
    if (textEnd > i) append(decodeEntities(html.slice(i, textEnd)));
    if (lt === -1) break;
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      i = close === -1 ? n : close + 3;
      continue;
    }
    if (html[lt + 1] === '!' || html[lt + 1] === '?') {
      const close = html.indexOf('>', lt);
      i = close === -1 ? n : close + 1;
      continue;
    }
    TAG.lastIndex = lt;
    const m = TAG.exec(html);
    if (!m) {
      // A tag with an unclosed quote is still markup, not text: skip to its end.
      const close = /[a-zA-Z/]/.test(html[lt + 1] ?? '') ? html.indexOf('>', lt) : -1;
      if (close === -1) append('<');
      i = close === -1 ? lt + 1 : close + 1;
      continue;
    }
    i = TAG.lastIndex;
    const closing = m[1] === '/';
    const name = m[2]!.toLowerCase();
    const attrs = m[3]!;
    if (!closing && pre === 0) {
      const resource = resourceOf(name, attrs);
      const id = ID_HOLDERS.has(name) ? attribute(attrs, 'id') : undefined;
      const structure =
        resource ?? (FIELDS.has(name) ? fieldOf(name, attrs) : id ? `[${name}: id=${id}]` : undefined);
      if (structure !== undefined) emitStructure(structure, resource !== undefined);
    }
    if (!closing && SKIPPED.has(name) && !attrs.trimEnd().endsWith('/')) {
      const end = new RegExp(`</${name}\\s*>`, 'gi');
      end.lastIndex = i;
      i = end.exec(html) ? end.lastIndex : n;
      continue;
    }
    if (name === 'pre') {
      if (!closing && pre++ === 0) {
        flush();
        preText = '';
      } else if (closing && pre > 0 && --pre === 0) {
        const body = preText.replace(/^\n/, '').trimEnd();
        if (body.length > 0) emit(`\`\`\`\n${body}\n\`\`\``, false);
      }
      continue;
    }
    if (pre > 0) {
      if (name === 'br') preText += '\n';
      continue;
    }
    if (BOILERPLATE.has(name)) {
      flush();
      boilerplate = Math.max(0, boilerplate + (closing ? -1 : 1));
      continue;
    }
    if (name === 'a') {
      if (!closing) {
        const h = HREF.exec(attrs);
        open.push({
          href: h ? (h[1] ?? h[2] ?? h[3] ?? '') : '',
          at: (cell ?? block).length,
          inCell: cell !== undefined,
        });
        continue;
      }
      const link = open.pop();
      if (!link || link.href === '' || /^(?:#|javascript:)/i.test(link.href)) continue;
      const source = link.inCell ? (cell ?? '') : block;
      links.push({ text: source.slice(link.at).trim(), href: decodeEntities(link.href) });
      append(`\uE000${links.length - 1}\uE001`);
      continue;
    }
    if (name === 'code') {
      append('`');
      continue;
    }
    if (name === 'tr') {
      if (cells) endRow();
      if (!closing) {
        flush();
        cells = [];
      }
      continue;
    }
    if (name === 'td' || name === 'th') {
      if (cells === undefined) {
        flush();
        cells = [];
      }
      if (cell !== undefined) cells.push(cell.replace(/\s+/g, ' ').trim());
      cell = closing ? undefined : '';
      continue;
    }
    if (name === 'table' && closing && cells) endRow();
    const heading = /^h([1-6])$/.exec(name);
    if (heading) {
      // A heading's id is its anchor (`lints.html#broken_intra_doc_links`): written after its text.
      if (closing && headingId !== undefined && block.trim().length > 0) block += ` {#${headingId}}`;
      flush();
      headingId = closing ? undefined : attribute(attrs, 'id');
      if (!closing) prefix = `${'#'.repeat(Number(heading[1]))} `;
      continue;
    }
    if (name === 'br') {
      if (cell !== undefined) cell += ' ';
      else flush();
      continue;
    }
    if (BLOCKS.has(name)) {
      if (cell === undefined) flush();
      if (name === 'li' && !closing) prefix = '- ';
    }
  }
  if (cells) endRow();
  flush();
  return { blocks, links };
}
