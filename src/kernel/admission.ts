import { ContextOverflowError } from '../errors/index.js';
import type { ChatRequest, ModelProvider } from '../models/index.js';

export interface AdmissionOptions {
  /**
   * Extra share of the prompt reserved when the token count is an approximation (a model whose tokenizer
   * Hydra does not have). The measured worst underestimate is under 3% (BENCHMARKS.md, tokenizer).
   */
  inexactMargin: number;
  /** Tokens kept free for the reply when a request does not set `maxTokens`. */
  defaultReplyReserve: number;
}

export const DEFAULT_ADMISSION: AdmissionOptions = { inexactMargin: 0.05, defaultReplyReserve: 16 };

export interface AdmissionVerdict {
  promptTokens: number;
  /** Prompt tokens plus the margin applied for inexact counts. */
  chargedPromptTokens: number;
  replyTokens: number;
  contextWindow: number;
}

/**
 * Counts the prompt before anything is sent. A prompt that cannot fit the window with its reply is
 * refused with a `ContextOverflowError` saying by how much, so the agent's memory manager can compact it;
 * such a request never reaches the backend.
 */
export function admit(
  provider: ModelProvider,
  request: ChatRequest,
  options: AdmissionOptions = DEFAULT_ADMISSION,
): AdmissionVerdict {
  const promptTokens = provider.countTokens(request);
  const chargedPromptTokens = provider.tokenizer.exact
    ? promptTokens
    : Math.ceil(promptTokens * (1 + options.inexactMargin));
  const replyTokens = request.maxTokens ?? options.defaultReplyReserve;
  const contextWindow = provider.contextWindow;
  const needed = chargedPromptTokens + replyTokens;
  if (needed > contextWindow) {
    const margin =
      chargedPromptTokens > promptTokens
        ? ` (+${chargedPromptTokens - promptTokens} margin for an approximate count)`
        : '';
    throw new ContextOverflowError(
      `The prompt does not fit ${provider.id}'s context window: ${promptTokens} prompt tokens${margin} + ${replyTokens} reply tokens = ${needed} > ${contextWindow}. Compact the context by at least ${needed - contextWindow} tokens.`,
      {
        data: {
          model: provider.id,
          promptTokens,
          chargedPromptTokens,
          replyTokens,
          contextWindow,
          excessTokens: needed - contextWindow,
        },
      },
    );
  }
  return { promptTokens, chargedPromptTokens, replyTokens, contextWindow };
}
