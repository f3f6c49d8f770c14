import { AbortedError } from '../../errors/index.js';
import type { ChatResponse, ModelProvider, StreamEvent, TokenUsage } from '../../models/index.js';
import type { TaskTreeLimits } from './types.js';

/** The tree's budget is spent: no new model call starts. A node that meets it ends with reason 'budget'. */
export class BudgetExhaustedError extends AbortedError {
  constructor(spent: { tokens: number; costUsd: number }, limits: TaskTreeLimits) {
    super(
      `The task tree's budget is spent (${spent.tokens} tokens of ${limits.maxTokens ?? '∞'}, $${spent.costUsd.toFixed(4)} of ${limits.maxCostUsd === undefined ? '∞' : `$${limits.maxCostUsd}`}).`,
      { data: { reason: 'budget', spentTokens: spent.tokens, spentCostUsd: spent.costUsd } },
    );
  }
}

export const zeroUsage = (): TokenUsage => ({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });

export function addUsage(into: TokenUsage, usage: TokenUsage): void {
  into.promptTokens += usage.promptTokens;
  into.completionTokens += usage.completionTokens;
  into.totalTokens += usage.totalTokens;
}

/** What a node's calls add up to; the engine commits it with the node's next transition. */
export interface UsageSink {
  tokens: TokenUsage;
  costUsd: number;
}

/**
 * The whole tree's spending. Checked before every model call, not during one: calls already in flight when
 * the budget runs out finish (so a tree can overshoot by what its parallel calls cost).
 */
export class BudgetMeter {
  readonly limits: TaskTreeLimits;
  tokens: number;
  costUsd: number;

  constructor(limits: TaskTreeLimits, spent: { tokens: number; costUsd: number }) {
    this.limits = limits;
    this.tokens = spent.tokens;
    this.costUsd = spent.costUsd;
  }

  get spent(): boolean {
    const { maxTokens, maxCostUsd } = this.limits;
    return (
      (maxTokens !== undefined && this.tokens >= maxTokens) ||
      (maxCostUsd !== undefined && this.costUsd >= maxCostUsd)
    );
  }

  assertAvailable(): void {
    if (this.spent)
      throw new BudgetExhaustedError({ tokens: this.tokens, costUsd: this.costUsd }, this.limits);
  }

  charge(usage: TokenUsage, sink: UsageSink, costUsd?: number): void {
    const { pricing } = this.limits;
    const cost =
      costUsd ??
      (pricing
        ? (usage.promptTokens * pricing.inputPerMillion + usage.completionTokens * pricing.outputPerMillion) /
          1_000_000
        : 0);
    this.tokens += usage.totalTokens;
    this.costUsd += cost;
    addUsage(sink.tokens, usage);
    sink.costUsd += cost;
  }
}

/** `provider` with the budget checked before each call and each call's usage charged to `sink`. */
export function meteredProvider(provider: ModelProvider, meter: BudgetMeter, sink: UsageSink): ModelProvider {
  return {
    ...provider,
    countTokens: (request) => provider.countTokens(request),
    embed: (input, options) => provider.embed(input, options),
    async chat(request, options): Promise<ChatResponse> {
      meter.assertAvailable();
      const response = await provider.chat(request, options);
      meter.charge(response.usage, sink);
      return response;
    },
    stream(request, options): AsyncIterable<StreamEvent> {
      return {
        async *[Symbol.asyncIterator]() {
          meter.assertAvailable();
          for await (const event of provider.stream(request, options)) {
            if (event.type === 'finish') meter.charge(event.response.usage, sink);
            yield event;
          }
        },
      };
    },
  };
}
