/**
 * One program run inside a fresh QuickJS runtime and context (see sandbox.ts for the module that owns
 * them). Host calls are bridged with deferred promises: the guest's `call` returns a QuickJS promise at
 * once, the host settles it when the tool answers and then runs the guest's pending jobs, so any number of
 * calls can be in flight (`Promise.all` works). Only strings cross the boundary.
 */
import type {
  QuickJSContext,
  QuickJSDeferredPromise,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
  SuccessOrFail,
} from 'quickjs-emscripten-core';

import { describeError } from '../../errors/index.js';
import { CodeExecutionError, type CodeErrorReason } from './errors.js';
import {
  classifyFailure,
  errorMessage,
  fail,
  isPlainObject,
  parseGuestJson,
  timeoutOutcome,
  type Outcome,
} from './outcome.js';
import { LogBuffer } from './output.js';
import { PRELUDE_SOURCE } from './prelude.js';
import type { CodeLimits } from './types.js';

/** The tools a run may call, by server, and how to call them. */
export interface SandboxToolBridge {
  /** Tool names by server: what `servers.<server>.<tool>` offers. */
  catalog: Readonly<Record<string, readonly string[]>>;
  /** Calls a tool; resolves with what the program gets, rejects with an error the program can catch. */
  call(server: string, tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<unknown>;
}

export interface ExecutionResult {
  /** The returned value as JSON text; undefined when the program returned nothing. */
  resultJson: string | undefined;
  logs: string[];
  toolCalls: number;
  durationMs: number;
}

export class Execution {
  private readonly runtime: QuickJSRuntime;
  private readonly vm: QuickJSContext;
  private readonly logs: LogBuffer;
  private readonly controller = new AbortController();
  private readonly pending = new Set<QuickJSDeferredPromise>();
  private readonly deadline: number;
  private settle: (outcome: Outcome) => void = () => undefined;
  private settled = false;
  private closed = false;
  private toolCalls = 0;
  private toolLimitHit = false;
  /** Set when the WebAssembly module failed underneath us; the sandbox must not reuse it. */
  crashed = false;

  constructor(
    module: QuickJSWASMModule,
    private readonly limits: CodeLimits,
    private readonly bridge: SandboxToolBridge | undefined,
  ) {
    this.deadline = Date.now() + limits.timeoutMs;
    this.logs = new LogBuffer(Math.max(4 * limits.maxOutputChars, 16_384));
    this.runtime = module.newRuntime();
    this.runtime.setMemoryLimit(limits.memoryBytes);
    this.runtime.setMaxStackSize(limits.stackBytes);
    this.runtime.setInterruptHandler(() => this.settled || Date.now() > this.deadline);
    this.vm = this.runtime.newContext();
  }

  /** Runs the wrapped program (a function expression) to its end, its deadline or the caller's abort. */
  async execute(program: string, inputJson: string, signal?: AbortSignal): Promise<ExecutionResult> {
    const started = performance.now();
    const onAbort = (): void =>
      this.finish({ kind: 'failed', reason: 'aborted', message: 'The run was aborted.' });
    const outcome = new Promise<Outcome>((resolve) => (this.settle = resolve));
    const timer = setTimeout(() => this.finish(this.timeout()), this.limits.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) onAbort();
      else this.guard(() => this.boot(program, inputJson));
      const result = await outcome;
      if (result.kind === 'failed') {
        throw new CodeExecutionError(result.reason, result.message, {
          cause: result.cause,
          data: { logs: this.logs.lines(), toolCalls: this.toolCalls },
        });
      }
      const durationMs = performance.now() - started;
      return {
        resultJson: result.resultJson,
        logs: this.logs.lines(),
        toolCalls: this.toolCalls,
        durationMs,
      };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.close();
    }
  }

  private boot(program: string, inputJson: string): void {
    const vm = this.vm;
    const factory = this.unwrap(
      vm.evalCode(PRELUDE_SOURCE, 'hydra-prelude.js', { type: 'global', strict: true }),
    );
    if (!factory) return;
    const args = [
      vm.newFunction('call', (payload) => this.onCall(payload)),
      vm.newFunction('log', (level, text) => this.onLog(level, text)),
      vm.newFunction('done', (kind, text) => this.onDone(kind, text)),
      vm.newString(JSON.stringify(this.bridge?.catalog ?? {})),
      vm.newString(inputJson),
    ];
    const start = this.unwrap(vm.callFunction(factory, vm.undefined, ...args));
    factory.dispose();
    for (const handle of args) handle.dispose();
    if (!start) return;
    const main = this.unwrap(vm.evalCode(program, 'program.js', { type: 'global' }), 'syntax');
    if (main) {
      const started = this.unwrap(vm.callFunction(start, vm.undefined, main));
      started?.dispose();
      main.dispose();
    }
    start.dispose();
    this.pump();
  }

  /** The value of a guest call, or undefined after settling the run with the guest's exception. */
  private unwrap(
    result: SuccessOrFail<QuickJSHandle, QuickJSHandle>,
    syntaxReason: CodeErrorReason = 'runtime',
  ): QuickJSHandle | undefined {
    if (!('error' in result) || result.error === undefined) return result.value;
    const error = this.readError(result.error);
    result.error.dispose();
    const reason = error.name === 'SyntaxError' ? syntaxReason : 'runtime';
    this.finish(this.classify(error.name, error.message, error.stack, reason));
    return undefined;
  }

  private readError(handle: QuickJSHandle): { name: string; message: string; stack: string } {
    const read = (key: string): string => {
      try {
        const value = this.vm.getProp(handle, key);
        const text = this.vm.typeof(value) === 'string' ? this.vm.getString(value) : '';
        value.dispose();
        return text;
      } catch {
        return '';
      }
    };
    if (this.vm.typeof(handle) !== 'object')
      return { name: 'Error', message: 'the program failed', stack: '' };
    return { name: read('name') || 'Error', message: read('message'), stack: read('stack') };
  }

  /** Maps a guest failure to a reason: the limits by their QuickJS messages, else the given reason. */
  private classify(name: string, message: string, stack: string, fallback: CodeErrorReason): Outcome {
    const timedOut = Date.now() > this.deadline;
    return classifyFailure(
      { name, message, stack },
      { limits: this.limits, timedOut, toolLimitHit: this.toolLimitHit, fallback },
    );
  }

  private timeout(): Outcome {
    return timeoutOutcome(this.limits);
  }

  private onCall(payload: QuickJSHandle): QuickJSHandle {
    const deferred = this.vm.newPromise();
    this.pending.add(deferred);
    const reply = (message: string): void => this.reply(deferred, { ok: false, message });
    const text = this.vm.typeof(payload) === 'string' ? this.vm.getString(payload) : '';
    const request = text === '' ? undefined : parseGuestJson(text);
    if (!Array.isArray(request) || typeof request[0] !== 'string' || typeof request[1] !== 'string') {
      queueMicrotask(() => reply('Malformed tool call.'));
      return deferred.handle;
    }
    const [server, tool, args] = request as [string, string, unknown];
    this.toolCalls += 1;
    if (this.toolCalls > this.limits.maxToolCalls) {
      this.toolLimitHit = true;
      queueMicrotask(() =>
        reply(`Tool call limit reached: a run may make at most ${this.limits.maxToolCalls} calls.`),
      );
    } else if (!this.bridge?.catalog[server]?.includes(tool)) {
      queueMicrotask(() => reply(`servers.${server}.${tool} is not a tool.`));
    } else if (!isPlainObject(args)) {
      queueMicrotask(() => reply(`The arguments of servers.${server}.${tool} must be an object.`));
    } else {
      this.bridge.call(server, tool, args, this.controller.signal).then(
        (value) => this.reply(deferred, { ok: true, value }),
        (error: unknown) => this.reply(deferred, { ok: false, message: errorMessage(error) }),
      );
    }
    return deferred.handle;
  }

  private reply(
    deferred: QuickJSDeferredPromise,
    reply: { ok: boolean; value?: unknown; message?: string },
  ): void {
    this.pending.delete(deferred);
    if (this.closed || !deferred.alive) return;
    let text: string;
    try {
      text = JSON.stringify(reply);
    } catch (error) {
      text = JSON.stringify({ ok: false, message: `The tool's result is not JSON: ${describeError(error)}` });
    }
    this.guard(() => {
      const handle = this.vm.newString(text);
      deferred.resolve(handle);
      handle.dispose();
      this.pump();
    });
  }

  private onLog(level: QuickJSHandle, text: QuickJSHandle): void {
    if (this.settled || this.vm.typeof(level) !== 'string' || this.vm.typeof(text) !== 'string') return;
    this.logs.push(this.vm.getString(level), this.vm.getString(text));
  }

  private onDone(kind: QuickJSHandle, text: QuickJSHandle): void {
    const k = this.vm.typeof(kind) === 'string' ? this.vm.getString(kind) : '';
    const body = this.vm.typeof(text) === 'string' ? this.vm.getString(text) : '';
    if (k === 'ok') return this.finish({ kind: 'ok', resultJson: body === '' ? undefined : body });
    if (k === 'syntax') return this.finish(fail('syntax', `SyntaxError: ${body}`));
    if (k === 'invalid') {
      return this.finish(fail('result_invalid', `The returned value cannot be turned into JSON: ${body}`));
    }
    const error = parseGuestJson(body || '{}');
    const field = (key: string): string =>
      isPlainObject(error) && typeof error[key] === 'string' ? error[key] : '';
    this.finish(this.classify(field('name') || 'Error', field('message'), field('stack'), 'runtime'));
  }

  private pump(): void {
    if (this.settled) return;
    const result = this.runtime.executePendingJobs();
    if (result.error) {
      const error = this.readError(result.error);
      result.error.dispose();
      this.finish(this.classify(error.name, error.message, error.stack, 'runtime'));
    }
  }

  /** Runs host-side work on the guest; a host exception here means the WebAssembly module failed. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.crashed = true;
      const overflow = error instanceof RangeError;
      this.finish(
        overflow
          ? fail(
              'stack_limit',
              'Stack overflow: recursion exhausted the host stack; lower the recursion depth.',
              error,
            )
          : fail('sandbox_crashed', `The sandbox failed: ${describeError(error)}`, error),
      );
    }
  }

  private finish(outcome: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(outcome);
  }

  /** Aborts tool calls still running and frees the context and runtime (unless the module crashed). */
  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.controller.abort();
    if (this.crashed) return; // the module is discarded whole; freeing into it could fail again
    try {
      for (const deferred of this.pending) deferred.dispose();
      this.pending.clear();
      this.vm.dispose();
      this.runtime.dispose();
    } catch {
      this.crashed = true;
    }
  }
}
