import { ContextOverflowError, NoEligibleNodeError, UserError } from '../errors/index.js';
import type {
  CallOptions,
  ChatRequest,
  ChatResponse,
  EmbedResponse,
  ModelProvider,
  StreamEvent,
} from '../models/index.js';
import type { FunctionTool, ToolOutcome } from '../tools/index.js';
import { admit, DEFAULT_ADMISSION, type AdmissionVerdict } from './admission.js';
import { anySignal, AsyncQueue } from './async-queue.js';
import type { KernelPort, RunOutcome } from './kernel-port.js';
import { runGeneration } from './llm-generation.js';
import type { NodeRequirements } from './node-registry.js';
import type { LlmBackend } from './resources.js';
import type { GenerationSnapshot } from './snapshots.js';

/**
 * Called when a prompt does not fit the model's window, before anything is sent. Returns a smaller request
 * (the memory manager summarises or drops old messages) or `undefined` to give up with the overflow error.
 */
export type ContextCompactor = (
  request: ChatRequest,
  overflow: ContextOverflowError,
) => Promise<ChatRequest | undefined>;

export interface AcquireAgentOptions {
  /** Default priority of this agent's syscalls; higher is more urgent. */
  priority?: number;
  compact?: ContextCompactor;
}

export interface SyscallOptions {
  /** A stable id: resubmitting the id of a preempted generation resumes it from its saved snapshot. */
  id?: string;
  priority?: number;
  signal?: AbortSignal;
  /** Where the syscall may run (model served, GPU memory, tool installed). */
  requirements?: NodeRequirements;
}

export interface LlmCallOptions extends SyscallOptions {
  /** Which backend's model to use (a model id); default: the least busy eligible backend. */
  model?: string;
}

export interface ToolCallOptions extends SyscallOptions {
  /** Parallel calls the tool allows: 1 is exclusive. Fixed by the first call that names the tool. */
  concurrency?: number | 'unlimited';
  /** Retry transient failures; only safe for idempotent tools. */
  idempotent?: boolean;
}

const MAX_COMPACTIONS = 3;
const EMBEDDING_LANES = 16;

/** An admitted agent's door to the kernel: every model call, tool call and memory or storage operation goes through here. */
export class AgentHandle {
  readonly id: string;
  readonly priority: number;
  readonly #kernel: KernelPort;
  readonly #compact: ContextCompactor | undefined;
  readonly #release: () => void;

  constructor(kernel: KernelPort, id: string, options: AcquireAgentOptions, release: () => void) {
    this.#kernel = kernel;
    this.id = id;
    this.priority = options.priority ?? 0;
    this.#compact = options.compact;
    this.#release = release;
  }

  /** A chat completion as an `llm` syscall. Refused with `ContextOverflowError` if it cannot fit, unless compacted. */
  async chat(request: ChatRequest, options: LlmCallOptions = {}): Promise<ChatResponse> {
    return this.#generate('chat', request, options, undefined);
  }

  /** A streamed completion as an `llm` syscall; breaking out of the loop cancels it. */
  stream(request: ChatRequest, options: LlmCallOptions = {}): AsyncIterable<StreamEvent> {
    const controller = new AbortController();
    const queue = new AsyncQueue<StreamEvent>(() => controller.abort());
    const signal = anySignal([options.signal, controller.signal]);
    this.#generate('stream', request, { ...options, ...(signal ? { signal } : {}) }, (event) =>
      queue.push(event),
    ).then(
      (response) => {
        queue.push({ type: 'finish', response });
        queue.end();
      },
      (error: unknown) => queue.fail(error),
    );
    return queue;
  }

  async embed(input: string[], options: LlmCallOptions = {}): Promise<EmbedResponse> {
    const backend = this.#backendFor(options);
    const value = await this.#kernel.submit({
      type: 'llm',
      operation: 'embed',
      ...this.#identity(options),
      resource: this.#kernel.resource(`embed:${backend.id}`, EMBEDDING_LANES),
      cost: 0,
      retryable: true,
      target: backend.id,
      run: async (signal) => {
        const response = await backend.provider.embed(input, { signal });
        return { kind: 'done', value: response, tokensIn: response.usage.promptTokens };
      },
    });
    return value as EmbedResponse;
  }

  /** Runs a tool as a `tool` syscall under the tool's parallelism limit; calls beyond it wait, none is dropped. */
  async tool<T>(
    name: string,
    run: (signal: AbortSignal) => Promise<T>,
    options: ToolCallOptions = {},
  ): Promise<T> {
    const value = await this.#kernel.submit({
      type: 'tool',
      operation: name,
      ...this.#identity(options),
      resource: this.#kernel.resource(
        `tool:${name}`,
        options.concurrency ?? this.#kernel.config.toolConcurrency,
      ),
      cost: 0,
      retryable: options.idempotent ?? false,
      target: this.#placement(options.requirements),
      run: async (signal) => ({ kind: 'done', value: await run(signal) }),
    });
    return value as T;
  }

  /** Calls a function tool with model-provided arguments; validation errors come back as a failed outcome. */
  callTool(
    tool: FunctionTool,
    args: Record<string, unknown>,
    options: SyscallOptions = {},
  ): Promise<ToolOutcome> {
    const context = (signal: AbortSignal) => ({
      signal,
      ...(options.id !== undefined ? { callId: options.id } : {}),
    });
    return this.tool(tool.name, (signal) => tool.run(args, context(signal)), {
      ...options,
      concurrency: tool.concurrency,
      idempotent: tool.annotations.idempotent ?? false,
    });
  }

  memory<T>(
    operation: string,
    run: (signal: AbortSignal) => Promise<T>,
    options: SyscallOptions = {},
  ): Promise<T> {
    return this.#poolCall('memory', operation, run, options);
  }

  storage<T>(
    operation: string,
    run: (signal: AbortSignal) => Promise<T>,
    options: SyscallOptions = {},
  ): Promise<T> {
    return this.#poolCall('storage', operation, run, options);
  }

  /** A `ModelProvider` whose calls are this agent's syscalls, for code written against providers (the agent loop). */
  asProvider(model?: string): ModelProvider {
    const provider = this.#backendFor(model === undefined ? {} : { model }).provider;
    const withModel = (options: CallOptions = {}): LlmCallOptions => ({
      ...(options.signal ? { signal: options.signal } : {}),
      ...(model !== undefined ? { model } : {}),
    });
    return {
      id: provider.id,
      provider: provider.provider,
      model: provider.model,
      contextWindow: provider.contextWindow,
      tokenizer: provider.tokenizer,
      supportsPrefill: provider.supportsPrefill,
      countTokens: (request) => provider.countTokens(request),
      chat: (request, options) => this.chat(request, withModel(options)),
      stream: (request, options) => this.stream(request, withModel(options)),
      embed: (input, options) => this.embed(input, withModel(options)),
    };
  }

  /** Leaves the kernel, letting a waiting agent in. */
  release(): void {
    this.#release();
  }

  async #generate(
    operation: 'chat' | 'stream',
    request: ChatRequest,
    options: LlmCallOptions,
    onEvent: ((event: StreamEvent) => void) | undefined,
  ): Promise<ChatResponse> {
    const backend = this.#backendFor(options);
    const { request: admitted, verdict } = await this.#admitWithCompaction(backend, request);
    let snapshot: GenerationSnapshot | undefined = options.id
      ? await this.#kernel.snapshots.load(options.id)
      : undefined;
    const kernel = this.#kernel;
    const value = await kernel.submit({
      type: 'llm',
      operation,
      ...this.#identity(options),
      resource: backend,
      cost: verdict.chargedPromptTokens + verdict.replyTokens,
      retryable: true,
      target: backend.id,
      run: async (signal, syscallId): Promise<RunOutcome> => {
        const outcome = await runGeneration({
          backend,
          syscallId,
          agentId: this.id,
          request: admitted,
          signal,
          timeSliceMs: kernel.config.scheduler.timeSliceMs,
          shouldYield: () => backend.queued > 0,
          snapshot,
          snapshots: kernel.snapshots,
          onEvent,
          now: kernel.now,
        });
        if (outcome.kind === 'preempted') {
          snapshot = outcome.snapshot;
          return { kind: 'preempted', partialTokens: outcome.snapshot.completionTokens };
        }
        const usage = outcome.response.usage;
        return {
          kind: 'done',
          value: outcome.response,
          tokensIn: usage.promptTokens,
          tokensOut: usage.completionTokens,
        };
      },
    });
    return value as ChatResponse;
  }

  async #admitWithCompaction(
    backend: LlmBackend,
    request: ChatRequest,
  ): Promise<{ request: ChatRequest; verdict: AdmissionVerdict }> {
    let current = request;
    for (let round = 0; ; round++) {
      try {
        const verdict = this.#kernel.measure(() => admit(backend.provider, current, DEFAULT_ADMISSION));
        return { request: current, verdict };
      } catch (error) {
        if (!(error instanceof ContextOverflowError)) throw error;
        const compacted =
          this.#compact && round < MAX_COMPACTIONS ? await this.#compact(current, error) : undefined;
        if (!compacted) {
          this.#kernel.noteContextOverflow();
          throw error;
        }
        current = compacted;
      }
    }
  }

  #poolCall<T>(
    type: 'memory' | 'storage',
    operation: string,
    run: (signal: AbortSignal) => Promise<T>,
    options: SyscallOptions,
  ): Promise<T> {
    return this.#kernel
      .submit({
        type,
        operation,
        ...this.#identity(options),
        resource: this.#kernel.pools[type],
        cost: 0,
        retryable: true,
        target: this.#placement(options.requirements),
        run: async (signal) => ({ kind: 'done', value: await run(signal) }),
      })
      .then((value) => value as T);
  }

  #identity(options: SyscallOptions): {
    agentId: string;
    priority: number;
    id?: string;
    signal?: AbortSignal;
  } {
    return {
      agentId: this.id,
      priority: options.priority ?? this.priority,
      ...(options.id !== undefined ? { id: options.id } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
  }

  #placement(requirements: NodeRequirements | undefined): string | undefined {
    if (!requirements || !this.#kernel.router) return undefined;
    return this.#kernel.router.place(requirements).id;
  }

  /** The least busy backend serving the requested model on a node that meets the requirements. */
  #backendFor(options: LlmCallOptions): LlmBackend {
    const backends = this.#kernel.backends;
    if (backends.length === 0) {
      throw new UserError(
        'invalid_input',
        'The kernel has no model backends; pass `backends` (or configure a model) to make llm syscalls.',
      );
    }
    let candidates =
      options.model === undefined ? backends : backends.filter((backend) => backend.id === options.model);
    if (candidates.length === 0) {
      throw new UserError(
        'invalid_input',
        `No backend serves model "${options.model}"; configured: ${backends.map((b) => b.id).join(', ')}.`,
      );
    }
    const router = this.#kernel.router;
    if (options.requirements && router) {
      const eligible = new Set(
        router
          .eligible({ ...options.requirements, ...(options.model ? { model: options.model } : {}) })
          .map((node) => node.id),
      );
      candidates = candidates.filter(
        (backend) => backend.nodeId === undefined || eligible.has(backend.nodeId),
      );
      if (candidates.length === 0) router.place(options.requirements); // throws NoEligibleNodeError with the reasons
      if (candidates.length === 0)
        throw new NoEligibleNodeError('No backend runs on a node meeting the requirements.');
    }
    let best = candidates[0] as LlmBackend;
    for (const backend of candidates) {
      if ((backend.busy + backend.queued) / backend.limit < (best.busy + best.queued) / best.limit)
        best = backend;
    }
    return best;
  }
}
