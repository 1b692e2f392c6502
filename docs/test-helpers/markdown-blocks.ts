/** A fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The info string's first word: `ts`, `json`, `sh`, … */
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** For `ts` blocks: the name given by a first line `// file: name.ts`. */
  file?: string;
}

/** Every fenced block (``` or ~~~), in order. */
export function extractCodeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(```+|~~~+)\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.startsWith(fence)) body.push(lines[j++]!);
    if (j >= lines.length) throw new Error(`unclosed code fence opened at line ${i + 1}`);
    const code = `${body.join('\n')}\n`;
    const file = /^\/\/ file: (\S+)\s*$/.exec(body[0] ?? '')?.[1];
    blocks.push({ lang: open[2] ?? '', code, line: i + 1, ...(file ? { file } : {}) });
    i = j;
  }
  return blocks;
}

/** The names a block imports from `specifier` with `import { a, b as c } from '…'` (types included). */
export function namedImportsFrom(code: string, specifier: string): string[] {
  const names: string[] = [];
  const pattern = /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+['"]([^'"]+)['"]/g;
  for (const match of code.matchAll(pattern)) {
    if (match[2] !== specifier) continue;
    for (const part of match[1]!.split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)[0]!
        .trim();
      if (name) names.push(name);
    }
  }
  return names;
}
