// A reader for nginx configuration files, enough for tests to ask what a rendered config says:
// directives with their arguments and blocks, quoted strings unescaped the way nginx does
// (`\"`, `\'`, `\\`, `\t`, `\r`, `\n`), comments dropped. Braces inside quotes (a JSON body in a
// `return`) are text, which is why a regular expression over the file will not do.

export interface Directive {
  name: string;
  args: string[];
  /** The `{ … }` that follows, for block directives (http, server, location, upstream …). */
  block?: Directive[];
}

type Token = { kind: 'word'; text: string } | { kind: '{' | '}' | ';' };

const UNESCAPE: Record<string, string> = { t: '\t', r: '\r', n: '\n' };

function* tokens(text: string): Generator<Token> {
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';') {
      i++;
      yield { kind: c };
    } else {
      const quote = c === '"' || c === "'" ? c : undefined;
      if (quote) i++;
      let word = '';
      for (; i < text.length; i++) {
        const ch = text[i]!;
        if (quote ? ch === quote : /[\s{};]/.test(ch)) break;
        if (ch === '\\' && i + 1 < text.length) {
          const next = text[++i]!;
          word += UNESCAPE[next] ?? (`"'\\`.includes(next) ? next : `\\${next}`);
        } else {
          word += ch;
        }
      }
      if (quote) {
        if (text[i] !== quote) throw new Error(`unterminated ${quote} string`);
        i++;
      }
      yield { kind: 'word', text: word };
    }
  }
}

/** Every directive of `text`, in order, blocks nested. */
export function parseNginxConf(text: string): Directive[] {
  const stack: Directive[][] = [[]];
  let current: Directive | undefined;
  for (const token of tokens(text)) {
    const level = stack[stack.length - 1]!;
    if (token.kind === 'word') {
      if (current) current.args.push(token.text);
      else current = { name: token.text, args: [] };
    } else if (token.kind === ';') {
      if (!current) throw new Error('";" without a directive');
      level.push(current);
      current = undefined;
    } else if (token.kind === '{') {
      if (!current) throw new Error('"{" without a directive');
      current.block = [];
      level.push(current);
      stack.push(current.block);
      current = undefined;
    } else {
      if (current || stack.length === 1) throw new Error('unexpected "}"');
      stack.pop();
    }
  }
  if (current || stack.length !== 1) throw new Error('the configuration ends inside a directive or block');
  return stack[0]!;
}

/** Every directive named `name` at any depth below `directives`. */
export function findAll(directives: Directive[], name: string): Directive[] {
  return directives.flatMap((d) => [...(d.name === name ? [d] : []), ...findAll(d.block ?? [], name)]);
}
