import type { AgentBlock } from './blocks.js';

export interface MemoryFacts {
  recallCount: number;
  archivalCount: number;
  archivalTags: string[];
  now: Date;
}

/**
 * The system prompt: the agent's instructions, then its core memory blocks with their usage, then facts
 * about what lies outside the context. Block layout follows Letta's so prompts written for Letta agents
 * read the same here.
 */
export function compileSystemPrompt(
  instructions: string,
  blocks: readonly AgentBlock[],
  facts: MemoryFacts,
): string {
  const rendered = blocks.map((block) => {
    const metadata = [
      ...(block.readOnly || block.access === 'r' ? ['- read_only=true'] : []),
      `- chars_current=${block.value.length}`,
      `- chars_limit=${block.limit}`,
    ];
    return [
      `<${block.label}>`,
      ...(block.description ? ['<description>', block.description, '</description>'] : []),
      '<metadata>',
      ...metadata,
      '</metadata>',
      '<value>',
      block.value,
      '</value>',
      `</${block.label}>`,
    ].join('\n');
  });
  const tags =
    facts.archivalTags.length > 0
      ? `\n- Available archival memory tags: ${facts.archivalTags.slice(0, 50).join(', ')}`
      : '';
  return [
    instructions.trim(),
    '',
    '<memory_blocks>',
    'The following memory blocks are currently engaged in your core memory unit:',
    '',
    rendered.join('\n\n'),
    '</memory_blocks>',
    '',
    '<memory_metadata>',
    `- The current time is: ${facts.now.toISOString()}`,
    `- ${facts.recallCount} previous messages between you and the user are stored in recall memory (use conversation_search to find them)`,
    `- ${facts.archivalCount} total memories you created are stored in archival memory (use archival_memory_search to find them)${tags}`,
    '</memory_metadata>',
  ].join('\n');
}

/** The automated alert shown to the model when its context is filling up. */
export const MEMORY_PRESSURE_WARNING =
  '[This is an automated system message hidden from the user] The conversation history will soon reach its maximum length and be summarised. ' +
  'Save anything important now: core_memory_append / memory_replace for key facts, archival_memory_insert for details.';

/** The message that stands in for evicted messages at the start of the context. */
export function summaryMessage(summary: string, hiddenCount: number, totalCount: number): string {
  return (
    `[This is an automated system message hidden from the user] Note: ${hiddenCount} of ${totalCount} earlier messages have been moved out of the context window ` +
    `and remain in recall memory (use conversation_search to read them). Summary of the conversation so far:\n${summary}`
  );
}
