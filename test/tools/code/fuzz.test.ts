import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { CodeExecutionError, QuickJsSandbox, toolBridge } from '../../../src/tools/code/index.js';
import { sampleProvider } from './provider.js';

// Short deadlines and small heaps: random programs are mostly syntax errors, and the machine is shared.
const sandbox = new QuickJsSandbox({ limits: { timeoutMs: 150, memoryBytes: 8 * 1024 * 1024 } });

/** Fragments that make random strings more likely to parse and to touch the interesting paths. */
const fragment = fc.constantFrom(
  'return ',
  'await ',
  'servers.crm.update_record({ id: "x" })',
  'servers.nope.x()',
  'throw ',
  'new Error("e")',
  'console.log(',
  ')',
  '(',
  '{',
  '}',
  '[',
  ']',
  ';',
  '"',
  '`',
  '${',
  '\\',
  '/*',
  '*/',
  '//',
  '\n',
  'while(1);',
  'Promise.all([',
  'input',
  'JSON.parse("',
  'null',
  'undefined',
  '1e308',
  '-0',
  '10n',
  'function f(){return f()}',
  'f()',
  'Symbol()',
  'this',
  'globalThis',
  'constructor',
  '__proto__',
  'Object.prototype.x=1',
  'as any',
  ': number',
  '<T,>',
);
const program = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.array(fragment, { maxLength: 12 }).map((parts) => parts.join(' ')),
);

describe('fuzzing the sandbox with arbitrary programs', () => {
  it('never crashes the host: every run resolves or fails with a CodeExecutionError', async () => {
    const provider = sampleProvider();
    const tools = toolBridge(provider, await provider.listTools());
    await fc.assert(
      fc.asyncProperty(program, fc.boolean(), async (code, typescript) => {
        try {
          const result = await sandbox.run({ code, typescript, tools, input: { n: 1 } });
          if (result.resultJson !== undefined) JSON.parse(result.resultJson);
        } catch (error) {
          if (!CodeExecutionError.is(error)) throw error;
          expect(error.reason).not.toBe('sandbox_crashed');
          expect(Array.isArray(error.data['logs'])).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
    expect((await sandbox.run({ code: 'return "still fine"' })).resultJson).toBe('"still fine"');
    expect(sandbox.moduleLoads).toBe(1);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
});
