import {
  HydraError,
  type ErrorFault,
  type HydraErrorCode,
  type HydraErrorOptions,
} from '../../errors/index.js';

/** Why a coordination backend operation failed; finer than the shared Hydra `code`. */
export type CoordinationErrorReason =
  /** Redis is unreachable, the connection dropped, or it did not answer within the operation timeout. */
  | 'unavailable'
  /** The bus or queue was closed. */
  | 'closed';

/**
 * The errors layer has no coordination codes yet, so these reuse the closest existing ones (as the store
 * does); `reason` is the stable discriminator. Proposed code for src/errors: `coordination_unavailable`.
 */
const CLASSIFICATION: Record<CoordinationErrorReason, { code: HydraErrorCode; fault: ErrorFault }> = {
  // An external server that is down: the same handling as a provider outage (retry later), not a bug.
  unavailable: { code: 'provider_unavailable', fault: 'provider' },
  closed: { code: 'internal', fault: 'internal' },
};

/** A bus or task queue backend failed. `unavailable` is retryable: the client reconnects by itself. */
export class CoordinationError extends HydraError {
  readonly fault: ErrorFault;
  readonly reason: CoordinationErrorReason;

  constructor(reason: CoordinationErrorReason, message: string, options: HydraErrorOptions = {}) {
    const { code, fault } = CLASSIFICATION[reason];
    super(code, message, { ...options, retryable: options.retryable ?? reason === 'unavailable' });
    this.fault = fault;
    this.reason = reason;
  }
}

export function closedError(what: string): CoordinationError {
  return new CoordinationError('closed', `The ${what} is closed.`);
}
