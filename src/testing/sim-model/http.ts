/**
 * Plumbing shared by the dialect routes: body parsing, signals, error responses and SSE streams.
 */
import type { Context } from 'hono';
import type { z } from 'zod';

import type { Admission, SimEngine } from './engine.js';
import type { SimFailure, WireError } from './errors.js';

/** Per-request Hono variables. `silent` marks a request that sends no response (its client is gone). */
export interface SimEnv {
  Variables: { silent: boolean };
}
export type SimContext = Context<SimEnv>;

export type BodyResult<T> = { ok: true; data: T } | { ok: false; failure: SimFailure };

export async function readBody<S extends z.ZodType>(
  c: SimContext,
  schema: S,
): Promise<BodyResult<z.output<S>>> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    return { ok: false, failure: { kind: 'invalid_json' } };
  }
  const result = schema.safeParse(json, { reportInput: true });
  if (result.success) return { ok: true, data: result.data };
  const issue = result.error.issues[0];
  return issue === undefined
    ? { ok: false, failure: { kind: 'invalid_json' } }
    : { ok: false, failure: { kind: 'invalid_body', issue } };
}

export function sendError(c: SimContext, error: WireError): Response {
  return c.json(error.body, error.status, error.headers);
}

/**
 * A request's abort signal: the client disconnecting, the server stopping, or the response stream being
 * cancelled (via `cancel`).
 */
export function requestSignal(
  c: SimContext,
  engine: SimEngine,
): { signal: AbortSignal; cancel: AbortController } {
  const cancel = new AbortController();
  return { signal: AbortSignal.any([c.req.raw.signal, engine.stopSignal, cancel.signal]), cancel };
}

/** For a request whose client has gone: nothing will read this response, and stats must not count it. */
export function silent(c: SimContext): Response {
  c.set('silent', true);
  return new Response(null, { status: 499 });
}

/** Maps a non-ready admission to the failure to render, or undefined when the client is gone. */
export function admissionFailure(
  admission: Exclude<Admission, { kind: 'ready' }>,
  engine: SimEngine,
): SimFailure | undefined {
  const retryAfterSeconds = engine.options.retryAfterSeconds;
  switch (admission.kind) {
    case 'context_exceeded':
      return admission;
    case 'fault':
      return admission.fault === '429'
        ? { kind: 'rate_limited', retryAfterSeconds }
        : { kind: 'server_error' };
    case 'rejected':
      return { kind: 'over_capacity', retryAfterSeconds, slots: engine.options.slots };
    case 'hang_timeout':
      return { kind: 'timeout' };
    case 'aborted':
      return undefined;
  }
}

export interface SseSink {
  send(data: string, event?: string): void;
}

/**
 * A `text/event-stream` response fed by `produce`. Headers go out at once; if the client cancels the
 * stream, `cancel` aborts so the producer stops at its next pacing step.
 */
export function sseResponse(cancel: AbortController, produce: (sink: SseSink) => Promise<void>): Response {
  const encoder = new TextEncoder();
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const sink: SseSink = {
        send(data, event) {
          if (closed) return;
          controller.enqueue(
            encoder.encode(`${event === undefined ? '' : `event: ${event}\n`}data: ${data}\n\n`),
          );
        },
      };
      // Not returned: the stream must not wait for the whole generation before delivering chunks.
      void produce(sink)
        // A producer that throws ends the stream early; the client sees a truncated stream, as it would
        // from a crashed server.
        .catch(() => undefined)
        .finally(() => {
          if (closed) return;
          closed = true;
          controller.close();
        });
    },
    cancel() {
      closed = true;
      cancel.abort();
    },
  });
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' },
  });
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
