import { ConfigError } from '../errors/index.js';

/** Provider kinds Hydra can talk to. All but `anthropic` speak the OpenAI chat-completions API. */
export const PROVIDER_KINDS = [
  'openai',
  'anthropic',
  'ollama',
  'vllm',
  'llamacpp',
  'lmstudio',
  'tabbyapi',
  'openai-compatible',
] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** Where local OpenAI-compatible servers listen unless configured otherwise. */
export const DEFAULT_BASE_URLS: Partial<Record<ProviderKind, string>> = {
  ollama: 'http://127.0.0.1:11434/v1',
  vllm: 'http://127.0.0.1:8000/v1',
  llamacpp: 'http://127.0.0.1:8080/v1',
  lmstudio: 'http://127.0.0.1:1234/v1',
  tabbyapi: 'http://127.0.0.1:5000/v1',
};

/** A parsed model id. `baseUrl` is set only for `openai-compatible:<url>#<model>`. */
export interface ModelRef {
  provider: ProviderKind;
  model: string;
  baseUrl?: string;
}

const EXAMPLES =
  'openai:gpt-4o-mini, anthropic:claude-sonnet-4-5, ollama:llama3.1, openai-compatible:http://127.0.0.1:8000/v1#my-model';

function invalid(id: string, reason: string): ConfigError {
  return new ConfigError(`Invalid model id "${id}": ${reason}. Use <provider>:<model>, e.g. ${EXAMPLES}.`, {
    code: 'model_id_invalid',
    data: { modelId: id, reason },
  });
}

function isProviderKind(value: string): value is ProviderKind {
  return (PROVIDER_KINDS as readonly string[]).includes(value);
}

/** Parses `openai:gpt-4o-mini`, `ollama:llama3.1` or `openai-compatible:<url>#<model>`. */
export function parseModelId(id: string): ModelRef {
  const trimmed = id.trim();
  const colon = trimmed.indexOf(':');
  if (colon <= 0) {
    const hint = trimmed.length > 0 ? ` (did you mean "openai:${trimmed}"?)` : '';
    throw invalid(id, `no provider prefix${hint}`);
  }
  const provider = trimmed.slice(0, colon).toLowerCase();
  const rest = trimmed.slice(colon + 1);
  if (!isProviderKind(provider)) {
    throw invalid(id, `unknown provider "${provider}" (known: ${PROVIDER_KINDS.join(', ')})`);
  }
  if (provider === 'openai-compatible') {
    const hash = rest.lastIndexOf('#');
    if (hash < 0) throw invalid(id, 'openai-compatible needs "<base url>#<model>"');
    const baseUrl = rest.slice(0, hash);
    const model = rest.slice(hash + 1);
    if (!isHttpUrl(baseUrl)) throw invalid(id, `"${baseUrl}" is not an http(s) URL`);
    if (model.trim() === '') throw invalid(id, 'the model name after "#" is empty');
    return { provider, model, baseUrl: baseUrl.replace(/\/+$/, '') };
  }
  if (rest.trim() === '') throw invalid(id, 'the model name is empty');
  return { provider, model: rest };
}

/** The canonical id of a model reference; `parseModelId(formatModelId(ref))` gives `ref` back. */
export function formatModelId(ref: ModelRef): string {
  return ref.provider === 'openai-compatible'
    ? `${ref.provider}:${ref.baseUrl ?? ''}#${ref.model}`
    : `${ref.provider}:${ref.model}`;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
