import { ConfigError } from '../errors/index.js';
import { AnthropicProvider } from './anthropic-provider.js';
import {
  contextWindowFromModelEntry,
  DEFAULT_CONTEXT_WINDOW,
  knownContextWindow,
} from './context-windows.js';
import { DEFAULT_BASE_URLS, formatModelId, parseModelId, type ModelRef } from './model-id.js';
import { OpenAIProvider } from './openai-provider.js';
import { tokenizerForModel } from './tokenizer.js';
import type { ModelProvider } from './types.js';

/** Connection settings for one provider kind (from config, environment or flags). */
export interface ProviderSettings {
  apiKey?: string | undefined;
  baseUrl?: string | undefined;
  maxRetries?: number | undefined;
  timeoutMs?: number | undefined;
  embeddingModel?: string | undefined;
  /**
   * Whether the server continues a trailing assistant message. Default: Anthropic yes, vLLM and generic
   * OpenAI-compatible servers yes (vLLM's `continue_final_message`), OpenAI and the others no.
   */
  assistantPrefill?: boolean | undefined;
}

export interface CreateProviderOptions {
  settings?: ProviderSettings | undefined;
  /** Overrides every other source of the context window. */
  contextWindow?: number | undefined;
  /**
   * Ask a self-hosted server's `/models` endpoint for the window (vLLM's `max_model_len` and friends)
   * when it is not configured. On by default for every provider except OpenAI and Anthropic.
   */
  discoverContextWindow?: boolean | undefined;
}

/** Creates the provider for a model id such as `openai:gpt-4o-mini` or `openai-compatible:<url>#<model>`. */
export async function createModelProvider(
  modelId: string,
  options: CreateProviderOptions = {},
): Promise<ModelProvider> {
  const ref = parseModelId(modelId);
  const settings = options.settings ?? {};
  const baseUrl = ref.baseUrl ?? settings.baseUrl ?? DEFAULT_BASE_URLS[ref.provider];
  const tokenizer = tokenizerForModel(ref.provider, ref.model);
  const selfHosted = ref.provider !== 'openai' && ref.provider !== 'anthropic';
  const discovered =
    options.contextWindow === undefined && (options.discoverContextWindow ?? selfHosted) && baseUrl
      ? await discoverContextWindow(baseUrl, ref.model, settings.apiKey)
      : undefined;
  const contextWindow =
    options.contextWindow ?? discovered ?? knownContextWindow(ref.model) ?? DEFAULT_CONTEXT_WINDOW;
  const common = {
    id: formatModelId(ref),
    model: ref.model,
    contextWindow,
    tokenizer,
    baseUrl,
    maxRetries: settings.maxRetries,
    timeoutMs: settings.timeoutMs,
  };

  if (ref.provider === 'anthropic') {
    const apiKey = settings.apiKey ?? (baseUrl ? 'not-needed' : undefined);
    if (!apiKey) throw missingKey(ref, 'ANTHROPIC_API_KEY', 'providers.anthropic.apiKey');
    return new AnthropicProvider({ ...common, apiKey, supportsPrefill: settings.assistantPrefill ?? true });
  }
  if (ref.provider === 'openai' && !settings.apiKey && !settings.baseUrl) {
    throw missingKey(ref, 'OPENAI_API_KEY', 'providers.openai.apiKey');
  }
  return new OpenAIProvider({
    ...common,
    provider: ref.provider,
    apiKey: settings.apiKey,
    embeddingModel: settings.embeddingModel,
    useMaxCompletionTokens: ref.provider === 'openai' && !settings.baseUrl,
    supportsPrefill:
      settings.assistantPrefill ?? (ref.provider === 'vllm' || ref.provider === 'openai-compatible'),
  });
}

function missingKey(ref: ModelRef, envVar: string, field: string): ConfigError {
  return new ConfigError(
    `${formatModelId(ref)} needs an API key: set ${envVar} or "${field}" in hydra.config.json.`,
    {
      code: 'model_not_configured',
      data: { field, envVar },
    },
  );
}

/** Best effort: a server that does not answer quickly, or does not report a window, changes nothing. */
async function discoverContextWindow(
  baseUrl: string,
  model: string,
  apiKey: string | undefined,
): Promise<number | undefined> {
  try {
    const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/models`, {
      signal: AbortSignal.timeout(2_000),
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { data?: unknown };
    const entries = Array.isArray(body.data) ? (body.data as Array<Record<string, unknown>>) : [];
    const entry =
      entries.find((candidate) => candidate['id'] === model) ??
      (entries.length === 1 ? entries[0] : undefined);
    return entry ? contextWindowFromModelEntry(entry) : undefined;
  } catch {
    return undefined;
  }
}
