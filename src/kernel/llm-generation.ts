import { AbortedError, HydraError } from '../errors/index.js';
import type { ChatRequest, ChatResponse, StreamEvent } from '../models/index.js';
import type { LlmBackend } from './resources.js';
import type { GenerationSnapshot, SnapshotStore } from './snapshots.js';

export interface GenerationContext {
  backend: LlmBackend;
  syscallId: string;
  agentId: string;
  request: ChatRequest;
  /** Fires when the caller gives up or the kernel closes. */
  signal: AbortSignal | undefined;
  /** Preempt after this long, if `shouldYield()` says someone is waiting. */
  timeSliceMs: number | undefined;
  shouldYield: () => boolean;
  /** The partial output of earlier segments, when resuming. */
  snapshot: GenerationSnapshot | undefined;
  snapshots: SnapshotStore;
  /** Receives text and tool-call events as they arrive (streaming syscalls). */
  onEvent: ((event: StreamEvent) => void) | undefined;
  now: () => number;
}

export type GenerationOutcome =
  { kind: 'done'; response: ChatResponse } | { kind: 'preempted'; snapshot: GenerationSnapshot };

/**
 * Runs one segment of a generation on a backend. With a time slice and a model that can continue a
 * trailing assistant message, a generation that outlives its slice while others wait is cut: its partial
 * text becomes a snapshot (saved to the store before the slot is given up) and a later segment resumes it
 * as an assistant prefill. The final response joins the segments, so the caller sees one answer.
 */
export async function runGeneration(context: GenerationContext): Promise<GenerationOutcome> {
  const { backend, snapshot } = context;
  const provider = backend.provider;
  const request = segmentRequest(context.request, snapshot);
  const preemptible = context.timeSliceMs !== undefined && provider.supportsPrefill;

  if (!preemptible && !context.onEvent && !snapshot) {
    const options = context.signal ? { signal: context.signal } : {};
    return { kind: 'done', response: await provider.chat(request, options) };
  }

  const controller = new AbortController();
  const onAbort = (): void => controller.abort(context.signal?.reason);
  context.signal?.addEventListener('abort', onAbort, { once: true });
  let preempted = false;
  let toolCallStarted = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  if (preemptible) {
    timer = setInterval(() => {
      // A tool call's JSON cannot be resumed as text, so a generation that has started one runs to its end.
      if (!toolCallStarted && context.shouldYield()) {
        preempted = true;
        controller.abort();
      }
    }, context.timeSliceMs);
  }

  let segmentText = '';
  try {
    let final: ChatResponse | undefined;
    for await (const event of provider.stream(request, { signal: controller.signal })) {
      if (event.type === 'finish') {
        final = event.response;
        continue;
      }
      if (event.type === 'text-delta') segmentText += event.text;
      else toolCallStarted = true;
      context.onEvent?.(event);
    }
    if (!final) throw new AbortedError('The generation ended without a final response.');
    const response = joinSegments(snapshot, final);
    if (snapshot) await context.snapshots.delete(context.syscallId);
    return { kind: 'done', response };
  } catch (error) {
    if (!preempted || context.signal?.aborted || !(HydraError.isInstance(error) && error.code === 'aborted'))
      throw error;
    const next: GenerationSnapshot = {
      syscallId: context.syscallId,
      agentId: context.agentId,
      target: backend.id,
      request: context.request,
      partialText: (snapshot?.partialText ?? '') + segmentText,
      promptTokens: (snapshot?.promptTokens ?? 0) + provider.countTokens(request),
      completionTokens: (snapshot?.completionTokens ?? 0) + provider.tokenizer.count(segmentText),
      preemptions: (snapshot?.preemptions ?? 0) + 1,
      savedAt: context.now(),
    };
    await context.snapshots.save(next);
    return { kind: 'preempted', snapshot: next };
  } finally {
    if (timer) clearInterval(timer);
    context.signal?.removeEventListener('abort', onAbort);
  }
}

/** The request for the next segment: the original plus the partial output as an assistant prefill. */
function segmentRequest(request: ChatRequest, snapshot: GenerationSnapshot | undefined): ChatRequest {
  if (!snapshot || snapshot.partialText === '') return request;
  const resumed: ChatRequest = {
    ...request,
    messages: [...request.messages, { role: 'assistant', content: snapshot.partialText }],
  };
  if (request.maxTokens !== undefined)
    resumed.maxTokens = Math.max(1, request.maxTokens - snapshot.completionTokens);
  return resumed;
}

function joinSegments(snapshot: GenerationSnapshot | undefined, final: ChatResponse): ChatResponse {
  if (!snapshot) return final;
  const promptTokens = snapshot.promptTokens + final.usage.promptTokens;
  const completionTokens = snapshot.completionTokens + final.usage.completionTokens;
  return {
    ...final,
    message: { ...final.message, content: snapshot.partialText + final.message.content },
    usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
  };
}
