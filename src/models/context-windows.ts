/**
 * Context windows of well-known models, used when neither the config nor the server says otherwise.
 * Prefix match, longest prefix first. Sources: the providers' model pages.
 */
const WINDOWS: Array<[prefix: string, tokens: number]> = [
  ['gpt-4.1', 1_047_576],
  ['gpt-4o', 128_000],
  ['gpt-4-turbo', 128_000],
  ['gpt-4', 8_192],
  ['gpt-3.5-turbo', 16_385],
  ['gpt-5', 400_000],
  ['o1', 200_000],
  ['o3', 200_000],
  ['o4', 200_000],
  ['gpt-oss', 131_072],
  ['claude', 200_000],
  ['llama3.1', 131_072],
  ['llama3.2', 131_072],
  ['llama3.3', 131_072],
  ['llama3', 8_192],
  ['qwen2.5', 32_768],
  ['qwen3', 40_960],
  ['mistral', 32_768],
  ['gemma3', 131_072],
  ['phi4', 16_384],
];
const KNOWN_WINDOWS = WINDOWS.sort((a, b) => b[0].length - a[0].length);

/** Hydra's assumption for an unknown model: small enough that admission control is never optimistic. */
export const DEFAULT_CONTEXT_WINDOW = 8_192;

export function knownContextWindow(model: string): number | undefined {
  const name = model.toLowerCase().replace(/^.*\//, '');
  return KNOWN_WINDOWS.find(([prefix]) => name.startsWith(prefix))?.[1];
}

/** Reads the context window from an OpenAI-compatible `/models` entry (vLLM, LM Studio, llama.cpp, Hydra's simulator). */
export function contextWindowFromModelEntry(entry: Record<string, unknown>): number | undefined {
  for (const key of ['max_model_len', 'context_window', 'context_length', 'max_context_length']) {
    const value = entry[key];
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  const meta = entry['meta'];
  if (typeof meta === 'object' && meta !== null) {
    const nCtx = (meta as Record<string, unknown>)['n_ctx_train'];
    if (typeof nCtx === 'number' && nCtx > 0) return nCtx;
  }
  return undefined;
}
