import { clip } from '../line-tools.js';

/** What a block-opening statement declares, which decides whether its body is walked, kept or elided. */
export type BlockShape = 'container' | 'function' | 'callback' | 'other';

const MODIFIERS =
  /^(?:(?:export|default|declare|public|private|protected|internal|static|final|abstract|sealed|partial|open|override|virtual|readonly|async|unsafe|inline|suspend|data|inner|synchronized|native|extern(?:\s+"[^"]*")?|pub(?:\([\w:\s]+\))?)\s+)+/;

const CONTAINER =
  /^(?:const\s+)?(?:class|interface|struct|enum|trait|impl|namespace|module|object|record|union|protocol|extension|mod)(?:\s+|(?=<))(?:<[^>]*>\s*)?([\w$][\w$.:]*)/;
const GO_TYPE = /^type\s+(\w+)\s+(?:struct|interface)\b/;
const TYPE_ALIAS = /^type\s+([\w$]+)(?:<[^>]*>)?\s*=\s*\{?\s*$/;

/** Declarations that name a function, each capturing the name. */
const NAMED_FUNCTIONS: readonly RegExp[] = [
  /^function\b\s*\*?\s*([\w$.:]*)/,
  /^(?:local\s+)?function\s+([\w.:]+)/,
  /^def\s+(?:self\.)?([\w$]+[?!=]?)/,
  /^(?:const\s+)?fn\s+(\w+)/,
  /^func\s+(?:\([^)]*\)\s*)?(\w+)/,
  /^fun\s+(?:<[^>]*>\s*)?(?:[\w.<>]+\.)?(\w+)/,
  /^(?:const|let|var)\s+([\w$]+)\s*(?::[^=]*)?=\s*(?:async\s+)?(?:function\b|\(|[\w$]+\s*=>)/,
  /^(#?[\w$]+)\s*(?::[^=]*)?=\s*(?:async\s+)?(?:\([^)]*\)|[\w$]+)\s*(?::[^=]+)?=>/,
];

/** An anonymous function passed to a call: `it('works', () => {`, `app.get('/', function (req) {`, `do |x|`. */
const CALLBACK = /(?:=>|\bfunction\s*[\w$]*\s*\([^)]*\))\s*[{(]?\s*$|\bdo(?:\s*\|[^|]*\|)?\s*$/;
const CALL_HEAD = /^([\w$.]+)\s*\(\s*(['"`][^'"`]{0,48}['"`])?/;

/** C-family methods and functions: `Promise<User> fetchUser(id: string) {`, `int main(void) {`. */
const METHOD = /^(?:[\w$<>[\],.?*&:~]+\s+)*?[*&]*([\w$~:#]+)\s*(?:<[^>]*>)?\s*\([^;]*\)[^;{}=]*\{\s*$/;
const NOT_NAMES = new Set([
  'if',
  'for',
  'while',
  'switch',
  'catch',
  'with',
  'return',
  'else',
  'elif',
  'do',
  'try',
  'foreach',
  'using',
  'lock',
  'sizeof',
  'typeof',
  'new',
  'await',
  'yield',
  'throw',
  'case',
  'match',
  'when',
  'unless',
  'until',
  'loop',
  'assert',
  'super',
  'this',
]);

const VARIABLE = /^(?:const|let|var|val)\s+([\w$]+)/;

export interface BlockHead {
  readonly shape: BlockShape;
  /** What a note calls the block: `parseConfig`, `describe('loader')`, `"if __name__ …"`. */
  readonly name: string;
}

/** Reads a block's (joined, trimmed) header text. */
export function readHead(header: string): BlockHead {
  // Classifying a minified line in full would cost more than it could tell.
  const text = clip(header, 300).replace(MODIFIERS, '');
  const container = CONTAINER.exec(text) ?? GO_TYPE.exec(text) ?? TYPE_ALIAS.exec(text);
  if (container) return { shape: 'container', name: container[1]! };
  if (/^extern\s+"[^"]*"\s*\{\s*$/.test(header)) return { shape: 'container', name: header };
  for (const pattern of NAMED_FUNCTIONS) {
    const m = pattern.exec(text);
    if (m?.[1]) return { shape: 'function', name: m[1] };
  }
  if (CALLBACK.test(text)) {
    const variable = VARIABLE.exec(text);
    const call = CALL_HEAD.exec(text);
    const name = variable ? variable[1]! : call ? `${call[1]}(${call[2] ?? ''})` : `"${clip(text, 40)}"`;
    return { shape: 'callback', name };
  }
  const method = METHOD.exec(text);
  if (method?.[1] && !NOT_NAMES.has(method[1])) return { shape: 'function', name: method[1] };
  const variable = VARIABLE.exec(text);
  return { shape: 'other', name: variable?.[1] ?? `"${clip(text, 40)}"` };
}

/** Statements whose whole block is kept: imports and module headers. */
export const IMPORT =
  /^(?:import\b|from\s+\S+\s+import\b|export\s+(?:\*|\{|type\s+\{)|#include\b|using\s+[\w.]+|use\s+[\w:{]|(?:const|let|var)\s+[\w${},\s]+=\s*require\(|package\b|extern\s+crate\b|@import\b|library\b|part\s+')/;

/** Lines that handle or raise errors; kept inside elided bodies. */
export const ERROR_HANDLING =
  /\b(?:throw|throws|raise|catch|except|rescue|panic!?|recover)\b|\bErr\(|\breturn\s+(?:nil,\s*|None,\s*)?(?:err|error)\b|\berr\s*!=\s*nil\b|\berrors\.New\(|\bErrorf?\(|\.(?:error|fatal|Fatalf?|Panicf?)\(|\bdie\b|\b(?:process\.exit|sys\.exit|os\.Exit|exit)\s*\(?\s*[1-9]/;

/** Language words: a question that says `return` or `null` names no particular line. */
export const CODE_WORDS: ReadonlySet<string> = new Set([
  'return',
  'returns',
  'null',
  'none',
  'nil',
  'true',
  'false',
  'function',
  'functions',
  'func',
  'def',
  'class',
  'const',
  'let',
  'var',
  'import',
  'export',
  'async',
  'await',
  'self',
  'this',
  'new',
  'string',
  'number',
  'boolean',
  'int',
  'void',
  'type',
  'interface',
  'struct',
  'public',
  'private',
  'static',
  'undefined',
  'method',
  'variable',
]);

/** A comment or docstring opener with no words of its own (`/**`, `"""`), so the next line says what it is. */
export const BARE_OPENER = /^\s*(?:\/\*\*?|"""|'''|\/\/\/?|#+|--)\s*$/;
