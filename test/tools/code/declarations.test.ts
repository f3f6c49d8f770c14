import ts from 'typescript';
import { describe, expect, it } from 'vitest';

import {
  generateDeclarations,
  generateServerModule,
  schemaToType,
  type CodeToolInfo,
} from '../../../src/tools/code/index.js';

const issueTools: CodeToolInfo[] = [
  {
    server: 'github',
    name: 'create_issue',
    description: 'Creates an issue.\nNeeds write access; see */ in docs.',
    inputSchema: {
      type: 'object',
      properties: {
        repo: { type: 'string', description: 'owner/name', pattern: '^[^/]+/[^/]+$' },
        title: { type: 'string', minLength: 1 },
        labels: { type: 'array', items: { type: 'string' }, description: 'Label names' },
        state: { enum: ['open', 'closed'], default: 'open' },
        priority: { type: ['integer', 'null'] },
        'x-meta': { type: 'object', additionalProperties: { type: 'number' } },
      },
      required: ['repo', 'title'],
    },
    outputSchema: {
      type: 'object',
      properties: { number: { type: 'integer' }, url: { type: 'string', format: 'uri' } },
      required: ['number', 'url'],
    },
  },
  {
    server: 'github',
    name: 'list-repos',
    description: 'Lists repositories.',
    inputSchema: { type: 'object', properties: {} },
  },
  {
    server: 'my-drive',
    name: 'get_document',
    description: 'Reads a document.',
    inputSchema: {
      type: 'object',
      properties: { documentId: { type: 'string' }, tree: { $ref: '#/$defs/node' } },
      required: ['documentId'],
      $defs: {
        node: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/$defs/node' } },
          },
          required: ['name'],
        },
      },
    },
  },
];

/** Type-checks the declarations together with a program that uses them; returns the diagnostics. */
function typeCheck(declarations: string, program: string): string[] {
  const files = new Map([
    ['/decl.d.ts', declarations],
    ['/program.ts', `export {};\nasync function main() {\n${program}\n}\nvoid main;\n`],
  ]);
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version) => {
    const text = files.get(name);
    return text === undefined ? original(name, version) : ts.createSourceFile(name, text, version);
  };
  host.fileExists = (name) => files.has(name) || ts.sys.fileExists(name);
  host.readFile = (name) => files.get(name) ?? ts.sys.readFile(name);
  const programObject = ts.createProgram([...files.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(programObject)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('generateDeclarations', () => {
  it('renders objects, optional and required properties, arrays, enums, unions and docs', () => {
    expect(generateServerModule('github', issueTools)).toBe(`interface Servers {
  /** MCP server "github" (2 tools). */
  github: {
    /**
     * Creates an issue.
     * Needs write access; see *\\/ in docs.
     * @returns the structured result
     */
    create_issue(args: {
      /**
       * owner/name
       * @pattern ^[^/]+/[^/]+$
       */
      repo: string;
      /** @minLength 1 */
      title: string;
      /** Label names */
      labels?: string[];
      /** @default "open" */
      state?: "open" | "closed";
      priority?: number | null;
      "x-meta"?: {
        [key: string]: number;
      };
    }): Promise<{
      number: number;
      /** @format uri */
      url: string;
    }>;
    /**
     * Lists repositories.
     * @returns the text result (parse it yourself if it is JSON)
     */
    "list-repos"(args?: Record<string, unknown>): Promise<string>;
  };
}
`);
  });

  it('handles $ref, recursion, tuples, const, allOf, nullable and unknown shapes', () => {
    expect(
      schemaToType({ type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false }),
    ).toBe('[string, number]');
    expect(
      schemaToType({ type: 'array', items: [{ type: 'string' }], additionalItems: { type: 'boolean' } }),
    ).toBe('[string, ...boolean[]]');
    expect(schemaToType({ const: 'fixed' })).toBe('"fixed"');
    expect(schemaToType({ anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'number' } }] })).toBe(
      'string | number[]',
    );
    expect(schemaToType({ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] } })).toBe(
      'Array<string | number>',
    );
    expect(
      schemaToType({
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
          { type: 'object', properties: { b: { type: 'number' } } },
        ],
      }),
    ).toBe('{\n  a: string;\n} & {\n  b?: number;\n}');
    expect(schemaToType({ type: 'string', nullable: true })).toBe('string | null');
    expect(schemaToType({ type: 'object', additionalProperties: false })).toBe('Record<string, never>');
    expect(
      schemaToType({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true }),
    ).toBe('{\n  a?: string;\n  [key: string]: unknown;\n}');
    expect(schemaToType({ $ref: '#/definitions/missing' })).toBe('unknown');
    expect(schemaToType({ type: 'custom' })).toBe('unknown');
    expect(schemaToType(true)).toBe('unknown');
    expect(schemaToType(false)).toBe('never');
    const tree = schemaToType(issueTools[2]?.inputSchema);
    expect(tree).toContain('tree?: {');
    expect(tree).toContain('children?: unknown[];'); // the recursive reference stops at unknown
  });

  it('produces declarations TypeScript accepts, and that reject wrong calls', () => {
    const declarations = generateDeclarations(issueTools);
    const good = `
      const issue = await servers.github.create_issue({ repo: 'a/b', title: 't', labels: ['bug'], state: 'open', priority: null });
      const n: number = issue.number;
      const text: string = await servers.github['list-repos']();
      const doc = await servers['my-drive'].get_document({ documentId: 'd', tree: { name: 'root', children: [] } });
      const value: unknown = input;
      void [n, text, doc, value];
    `;
    expect(typeCheck(declarations, good)).toEqual([]);
    const bad = `
      await servers.github.create_issue({ repo: 'a/b' });
      await servers.github.create_issue({ repo: 'a/b', title: 't', state: 'merged' });
      await servers.github.delete_repo({});
    `;
    const errors = typeCheck(declarations, bad);
    expect(errors).toHaveLength(3);
    expect(errors.join('\n')).toMatch(/title/);
    expect(errors.join('\n')).toMatch(/merged/);
    expect(errors.join('\n')).toMatch(/delete_repo/);
  });
});

describe('schemaToType with awkward text', () => {
  it('parenthesizes by structure, not by brackets inside string literals or doc comments', () => {
    const odd = { enum: ['{', 'a|b', 'x"}'] };
    expect(
      schemaToType({
        allOf: [
          { type: 'object', properties: { a: { type: 'string', description: 'one of (a | {b' } } },
          odd,
        ],
      }),
    ).toBe('{\n  /** one of (a | {b */\n  a?: string;\n} & ("{" | "a|b" | "x\\"}")');
  });
});
