import type { McpCallResult, McpContentBlock } from './types.js';

/**
 * Turns a `tools/call` result into the text a model reads: text blocks joined, `structuredContent` as JSON
 * (unless a text block already carries the same JSON, as the spec asks servers to do for old clients), and
 * binary content described by type and size, since the chat interface carries text only.
 */
export function formatCallResult(result: McpCallResult): string {
  const parts = result.content.map(describeBlock);
  if (result.structuredContent !== undefined && !echoedInText(result)) {
    parts.push(JSON.stringify(result.structuredContent));
  }
  const text = parts.filter((part) => part !== '').join('\n');
  return text === ''
    ? result.isError
      ? '(the tool reported an error without details)'
      : '(no output)'
    : text;
}

export function describeBlock(block: McpContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type}: ${block.mimeType}, ${formatBytes(base64Bytes(block.data))}]`;
    case 'resource_link':
      return `[resource link: ${block.name} <${block.uri}>${block.mimeType ? ` (${block.mimeType})` : ''}]`;
    case 'resource': {
      const resource = block.resource;
      if ('text' in resource && typeof resource.text === 'string') {
        return `[resource <${resource.uri}>]\n${resource.text}`;
      }
      const size = 'blob' in resource && typeof resource.blob === 'string' ? base64Bytes(resource.blob) : 0;
      return `[resource <${resource.uri}>: ${resource.mimeType ?? 'binary'}, ${formatBytes(size)}]`;
    }
    default:
      // Content kinds from later protocol revisions: say what arrived rather than dropping it silently.
      return `[${(block as { type: string }).type} content]`;
  }
}

function echoedInText(result: McpCallResult): boolean {
  const expected = JSON.stringify(result.structuredContent);
  const texts = result.content.flatMap((block) => (block.type === 'text' ? [block.text] : []));
  const asJson = texts.some((text) => {
    try {
      return JSON.stringify(JSON.parse(text)) === expected;
    } catch {
      return false;
    }
  });
  if (asJson) return true;
  // Servers such as server-filesystem wrap the same text in an object ({ content: "<the text>" }): sending
  // both doubles what a long file costs the model.
  const structured = result.structuredContent;
  if (typeof structured !== 'object' || structured === null || Array.isArray(structured)) return false;
  const joined = texts.join('\n');
  const values = Object.values(structured);
  return values.length > 0 && values.every((value) => typeof value === 'string' && joined.includes(value));
}

/** Decoded size of base64 data, without decoding it. */
function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
