/**
 * File-local ids for export. A bundle's local ids that already have Letta's `<prefix>-<n>` form are kept
 * (so the groups, files and agent fields carried through still point at the right things); any other id
 * (a database id, say) gets the next unused number of its prefix. Message ids are unique across the file.
 */
import type { JsonPath } from './errors.js';
import { Problems } from './errors.js';
import type { IdPrefix } from './schema.js';
import { isLocalId } from './schema.js';
import type { AgentFileBundle } from './types.js';

/** Bundle local id → file id, per kind; messages per agent (index of `bundle.agents`). */
export interface IdPlan {
  agents: Map<string, string>;
  blocks: Map<string, string>;
  tools: Map<string, string>;
  messages: Array<Map<string, string>>;
}

/** Checks the bundle's own references and plans its file ids; throws `invalid_input` naming the bundle path. */
export function planIds(bundle: AgentFileBundle): IdPlan {
  const problems = new Problems();
  uniqueIds(bundle.agents, ['agents'], problems);
  uniqueIds(bundle.blocks, ['blocks'], problems);
  uniqueIds(bundle.tools, ['tools'], problems);
  const blockIds = new Set(bundle.blocks.map((block) => block.localId));
  const toolIds = new Set(bundle.tools.map((tool) => tool.localId));
  bundle.agents.forEach((agent, a) => {
    const at = (...rest: PropertyKey[]): JsonPath => ['agents', a, ...rest];
    uniqueIds(agent.messages, at('messages'), problems);
    const messageIds = new Set(agent.messages.map((message) => message.localId));
    const refs = [
      ['blockLocalIds', agent.blockLocalIds, blockIds, 'a block of the bundle'],
      ['toolLocalIds', agent.toolLocalIds, toolIds, 'a tool of the bundle'],
      ['inContextMessageLocalIds', agent.inContextMessageLocalIds, messageIds, "one of the agent's messages"],
    ] as const;
    for (const [key, ids, known, what] of refs) {
      ids.forEach((id, i) => {
        if (!known.has(id)) problems.add(at(key, i), `${JSON.stringify(id)} is not ${what}`);
      });
    }
    agent.messages.forEach((message, m) => {
      if (!(message.createdAt instanceof Date) || Number.isNaN(message.createdAt.getTime())) {
        problems.add(at('messages', m, 'createdAt'), 'expected a valid Date');
      }
    });
  });
  problems.throwIfAny('Agent File bundle');

  const messageFileIds = assign(
    bundle.agents.flatMap((agent) => agent.messages.map((message) => message.localId)),
    'message',
  );
  let offset = 0;
  const messages = bundle.agents.map((agent) => {
    const map = new Map<string, string>();
    for (const message of agent.messages)
      map.set(message.localId, messageFileIds[offset++] ?? message.localId);
    return map;
  });
  return {
    agents: plan(bundle.agents, 'agent'),
    blocks: plan(bundle.blocks, 'block'),
    tools: plan(bundle.tools, 'tool'),
    messages,
  };
}

function uniqueIds(items: ReadonlyArray<{ localId: string }>, path: JsonPath, problems: Problems): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.localId);
    if (first === undefined) seen.set(item.localId, i);
    else
      problems.add(
        [...path, i, 'localId'],
        `duplicate local id ${JSON.stringify(item.localId)} (also at index ${first})`,
      );
  });
}

function plan(items: ReadonlyArray<{ localId: string }>, prefix: IdPrefix): Map<string, string> {
  const ids = items.map((item) => item.localId);
  const fileIds = assign(ids, prefix);
  return new Map(ids.map((id, i) => [id, fileIds[i] ?? id]));
}

/** Keeps well-formed, first-seen ids; numbers the rest with the lowest unused `<prefix>-<n>`. */
function assign(ids: readonly string[], prefix: IdPrefix): string[] {
  const taken = new Set<string>();
  const kept = ids.map((id) => {
    if (!isLocalId(id, prefix) || taken.has(id)) return undefined;
    taken.add(id);
    return id;
  });
  let next = 0;
  return kept.map((id) => {
    if (id !== undefined) return id;
    while (taken.has(`${prefix}-${next}`)) next++;
    const fresh = `${prefix}-${next}`;
    taken.add(fresh);
    return fresh;
  });
}
