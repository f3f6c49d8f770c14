/**
 * The abuse corpus: programs that try to escape the sandbox, exhaust it or break the host. Each must fail
 * safely, with a typed error and a clear message, and leave the host and the next run unaffected.
 */
import { afterEach, describe, expect, it } from 'vitest';

import {
  CodeExecutionError,
  QuickJsSandbox,
  toolBridge,
  type CodeErrorReason,
} from '../../../src/tools/code/index.js';
import { FunctionProvider } from './provider.js';

const sandbox = new QuickJsSandbox({ limits: { timeoutMs: 400, memoryBytes: 16 * 1024 * 1024 } });

async function failure(code: string, options: Partial<Parameters<QuickJsSandbox['run']>[0]> = {}) {
  const error = await sandbox.run({ code, ...options }).then(
    (result) => {
      throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
    },
    (e: unknown) => e,
  );
  if (!CodeExecutionError.is(error)) throw error;
  return error;
}

async function expectFailure(
  code: string,
  reason: CodeErrorReason,
  message: RegExp,
  options: Partial<Parameters<QuickJsSandbox['run']>[0]> = {},
): Promise<CodeExecutionError> {
  const error = await failure(code, options);
  expect({ reason: error.reason, message: error.message }).toMatchObject({
    reason,
    message: expect.stringMatching(message),
  });
  return error;
}

const result = async (code: string): Promise<unknown> => {
  const json = (await sandbox.run({ code })).resultJson;
  return json === undefined ? undefined : JSON.parse(json);
};

describe('sandbox abuse corpus', () => {
  afterEach(() => {
    // Keep a failure of the pollution test from spilling into the others.
    delete (Object.prototype as Record<string, unknown>)['polluted'];
  });

  it('does not let Object.prototype pollution reach the host, even through tool arguments', async () => {
    const merged: Array<Record<string, unknown>> = [];
    // A careless host tool: Object.assign and a naive recursive merge, the classic pollution sinks.
    const naiveMerge = (
      target: Record<string, unknown>,
      source: Record<string, unknown>,
    ): Record<string, unknown> => {
      for (const [key, value] of Object.entries(source)) {
        if (typeof value === 'object' && value !== null) {
          target[key] ??= {};
          naiveMerge(target[key] as Record<string, unknown>, value as Record<string, unknown>);
        } else target[key] = value;
      }
      return target;
    };
    const provider = new FunctionProvider({
      host: {
        merge: {
          description: 'merges',
          inputSchema: { type: 'object' },
          run: (args) => {
            merged.push(Object.assign({}, args), naiveMerge({}, args));
            return 'ok';
          },
        },
      },
    });
    const tools = toolBridge(provider, await provider.listTools());
    const run = await sandbox.run({
      tools,
      code: `
        Object.prototype.polluted = 'yes';
        Array.prototype.map = () => 'hijacked';
        JSON.parse = () => ({ ok: true, value: 'forged' });
        const args = JSON.parse('{}');
        const payload = { ['__proto__']: { polluted: 'yes' }, constructor: { prototype: { polluted: 'yes' } } };
        Object.defineProperty(payload, '__proto__', { value: { polluted: 'yes' }, enumerable: true });
        return await servers.host.merge(payload);
      `,
    });
    expect(run.resultJson).toBe('"ok"');
    const probe: Record<string, unknown> = {};
    expect(probe['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect([1, 2].map((n) => n * 2)).toEqual([2, 4]);
    for (const value of merged) {
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.keys(value)).toEqual([]); // __proto__ and constructor.prototype were dropped at the boundary
    }
  });

  it('finds no host behind constructor chains', async () => {
    expect(
      await result(`
        const viaThis = this.constructor.constructor('return typeof process')();
        const viaFunction = typeof Function('return globalThis')().process;
        const viaConsole = console.log.constructor('return typeof process')();
        const viaServers = servers.constructor.constructor('return typeof require')();
        const viaTools = servers.crm.constructor.constructor('return typeof fetch')();
        const viaError = new Error().constructor.constructor('return typeof process')();
        const viaAsync = (async () => {}).constructor('return typeof process');
        return [viaThis, viaFunction, viaConsole, viaServers, viaTools, viaError, await viaAsync()];
      `),
    ).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
    await expectFailure(
      'this.constructor.constructor("return process")()',
      'runtime',
      /ReferenceError: 'process' is not defined/,
    );
  });

  it('exposes no require, process, fetch, timers, module loading or host globals', async () => {
    const names = [
      'require',
      'process',
      'fetch',
      'setTimeout',
      'setInterval',
      'setImmediate',
      'queueMicrotask',
      'XMLHttpRequest',
      'WebSocket',
      'Deno',
      'Bun',
      'module',
      'exports',
      '__dirname',
      'Buffer',
      'std',
      'os',
      'WebAssembly',
      'importScripts',
      'postMessage',
    ];
    const types = await result(
      `return ${JSON.stringify(names)}.map((name) => [name, typeof globalThis[name]])`,
    );
    expect(Object.fromEntries(types as Array<[string, string]>)).toEqual(
      Object.fromEntries(names.map((name) => [name, 'undefined'])),
    );
    // No host function is reachable by name: the bridge lives in a closure.
    const globals = (await result(
      'return Object.getOwnPropertyNames(globalThis).filter((n) => /hydra|call|done/i.test(n))',
    )) as string[];
    expect(globals).toEqual([]);
    await expectFailure('await import("node:fs")', 'runtime', /import|module/i);
    await expectFailure('eval("process.exit(1)")', 'runtime', /ReferenceError: 'process' is not defined/);
  });

  it('stops an infinite loop at the deadline and stays usable', async () => {
    const started = performance.now();
    await expectFailure('while (true) {}', 'timeout', /did not finish within 400 ms/);
    expect(performance.now() - started).toBeLessThan(1_500);
    await expectFailure('try { while (true) {} } catch (e) { return "caught" }', 'timeout', /400 ms/);
    await expectFailure('for (;;) { try { while (true) {} } finally { continue } }', 'timeout', /400 ms/);
    expect(await result('return 1')).toBe(1);
  });

  it('stops a loop that starts after an await, and a run with tool calls still in flight', async () => {
    await expectFailure('await Promise.resolve(); while (true) {}', 'timeout', /400 ms/);
    let aborted = 0;
    const provider = new FunctionProvider({
      slow: {
        wait: {
          description: 'never answers before its signal aborts',
          inputSchema: { type: 'object' },
          run: (_args, signal) =>
            new Promise((_resolve, reject) =>
              signal?.addEventListener('abort', () => {
                aborted += 1;
                reject(new Error('aborted'));
              }),
            ),
        },
      },
    });
    const tools = toolBridge(provider, await provider.listTools());
    const code = 'await Promise.all([1, 2, 3, 4, 5].map(() => servers.slow.wait({})))';
    await expectFailure(code, 'timeout', /400 ms/, { tools });
    expect(aborted).toBe(5);
    expect(sandbox.moduleLoads).toBe(1); // the context was freed cleanly, pending promises and all
    expect(await result('return "next"')).toBe('next');
  });

  it('stops a memory bomb at the memory limit', async () => {
    await expectFailure(
      'const a = []; while (true) a.push({ n: a.length, s: "x" + a.length });',
      'memory_limit',
      /out of memory \(limit 16 MiB\)/,
      { limits: { timeoutMs: 10_000 } }, // the limit, not the deadline, must stop it, even on a busy machine
    );
    await expectFailure('let s = "x"; while (true) s += s;', 'runtime', /string too long|out of memory/, {
      limits: { timeoutMs: 10_000 },
    });
    expect(await result('return 2')).toBe(2);
  });

  it('stops deep recursion at the stack limit', async () => {
    await expectFailure('function f(n) { return f(n + 1) + 1 } return f(0)', 'stack_limit', /Stack overflow/);
    await expectFailure(
      'const f = async (n) => (await f(n + 1)) + 1; return await f(0)',
      'stack_limit',
      /Stack overflow/,
    );
    expect(await result('return 3')).toBe(3);
  });

  it('survives a stack limit set too high: the host stack overflows, the module is replaced', async () => {
    const risky = new QuickJsSandbox({ limits: { stackBytes: 1024 * 1024, timeoutMs: 2_000 } });
    const error = await risky
      .run({ code: 'function f(n) { return f(n + 1) + 1 } return f(0)' })
      .catch((e: unknown) => e);
    expect(CodeExecutionError.is(error, 'stack_limit')).toBe(true);
    expect(risky.moduleLoads).toBe(1);
    expect((await risky.run({ code: 'return "alive"' })).resultJson).toBe('"alive"');
    expect(risky.moduleLoads).toBe(2);
  });

  it('cuts huge output while the program runs', async () => {
    const run = await sandbox.run({
      code: 'for (let i = 0; i < 100000; i++) console.log("line " + i + " " + "x".repeat(100)); return "done"',
      limits: { timeoutMs: 10_000 },
    });
    expect(run.resultJson).toBe('"done"');
    const text = run.logs.join('\n');
    expect(text.length).toBeLessThan(40_000);
    expect(run.logs[0]).toMatch(/^line 0 /);
    expect(run.logs.at(-1)).toMatch(/^line 99999 /);
    expect(text).toMatch(/characters of logs omitted/);
  });

  it('reports a call to an undeclared tool or server inside the sandbox, catchably', async () => {
    expect(
      await result(`
        const messages = [];
        for (const call of [() => servers.crm.delete_everything({}), () => servers.nowhere.tool({})]) {
          try { await call(); } catch (error) { messages.push(error.name + ': ' + error.message); }
        }
        return messages;
      `),
    ).toEqual([
      'ToolError: There is no server "crm". Servers: (none). Use search_tools to find tools.',
      'ToolError: There is no server "nowhere". Servers: (none). Use search_tools to find tools.',
    ]);
  });

  it('reports thrown non-Error values clearly', async () => {
    await expectFailure('throw 42', 'runtime', /non-Error value was thrown: 42/);
    await expectFailure('throw "boom"', 'runtime', /non-Error value was thrown: boom/);
    await expectFailure('throw undefined', 'runtime', /non-Error value was thrown: undefined/);
    await expectFailure('throw { code: 7 }', 'runtime', /non-Error value was thrown: \{"code":7\}/);
    await expectFailure('throw { get message() { throw new Error("nope") } }', 'runtime', /unprintable/);
    await expectFailure('return Promise.reject(Symbol("s"))', 'runtime', /Symbol\(s\)/);
  });

  it('stops a promise that never settles at the deadline', async () => {
    await expectFailure('await new Promise(() => {})', 'timeout', /did not finish within 400 ms/);
  });

  it('refuses results JSON cannot carry', async () => {
    await expectFailure('return 10n', 'result_invalid', /BigInt/);
    await expectFailure('const a = {}; a.self = a; return a', 'result_invalid', /circular|cycle/i);
    await expectFailure('return () => 1', 'result_invalid', /function is not JSON/);
    await expectFailure('return { toJSON() { throw new Error("no") } }', 'result_invalid', /no/);
  });

  it('catches programs that close the wrapper function early', async () => {
    const early = await failure('}); (function () {', { typescript: false });
    expect(early.reason).toBe('syntax');
    expect(early.message).toMatch(/SyntaxError: .*closed that function early/);
    const plain = await failure('}); 1; (1', { typescript: false });
    expect([plain.reason, plain.message]).toEqual([
      'syntax',
      "SyntaxError: expecting ')' (at program.js:2:1)",
    ]);
    await expectFailure('}); 1; (1', 'syntax', /SyntaxError/); // sucrase refuses it before QuickJS sees it
  });

  it('tampering with built-ins only breaks the program itself', async () => {
    await sandbox
      .run({
        code: 'Promise.prototype.then = null; Function.prototype.call = null; JSON.stringify = () => "{}"',
      })
      .catch(() => undefined);
    expect(await result('return [1, 2].map((n) => n + 1)')).toEqual([2, 3]);
  });
});
