import { HydraError, type HydraErrorOptions } from '../errors/index.js';

/** A human decision on an approval request. */
export interface ApprovalDecision {
  approved: boolean;
  by: string;
  note: string | null;
}

/** What a node gets besides the state. */
export interface NodeContext {
  runId: string;
  step: number;
  taskId: string;
  /** `<runId>:<taskId>`: the same when a step re-runs after a crash; use it to make side effects idempotent. */
  idempotencyKey: string;
  /** The branch input of a fan-out task (`send(node, input)`); undefined otherwise. */
  input: unknown;
  attempt: number;
  /** Aborted on cancellation or when the node's timeout passes. */
  signal: AbortSignal;
  /**
   * Asks a human to approve an action described exactly by `action` and `payload`. The first time, the run
   * pauses durably (this call does not return); when a decision arrives, the step runs again and this call
   * returns it. Ask for approval before the side effect, and let it depend only on state and input.
   */
  approval(request: { action: string; payload: unknown }): Promise<ApprovalDecision>;
  /** Streams something a node produces as it goes (an agent's tokens) to the run's listeners. */
  emit(data: unknown): void;
}

/**
 * Control flow, not a failure: a node asked for an approval that has not been given yet. The engine stores
 * the request, marks the run waiting, and stops it cleanly.
 */
export class WorkflowInterrupt extends HydraError {
  readonly fault = 'user' as const;
  readonly approvalId: string;
  constructor(message: string, approvalId: string, options: HydraErrorOptions = {}) {
    super('interrupted', message, options);
    this.approvalId = approvalId;
  }
}

export function isInterrupt(error: unknown): error is WorkflowInterrupt {
  return HydraError.isInstance(error) && error.code === 'interrupted';
}

/** Separates a parent run id from the task that started a subgraph run. */
export const SUBGRAPH_SEPARATOR = '::';
