/** Cross-reference checks of a schema-valid current-format document: ids, and what refers to them. */
import type { JsonPath, Problems } from './errors.js';
import { formatPath } from './errors.js';
import { isRecord } from './json.js';
import type { RawAgentFile } from './schema.js';
import type { AgentFileWarning } from './types.js';

export type Warn = (warning: AgentFileWarning) => void;

/**
 * Ids are unique across the whole file (messages included, as Letta requires); every id an agent, group or
 * file refers to exists; an agent's in-context ids are its own messages; tool names are unique; an agent's
 * block labels are unique. Tool rules naming a tool the agent lacks are only warned about.
 */
export function checkReferences(doc: RawAgentFile, problems: Problems, warn: Warn): void {
  const seen = new Map<string, string>();
  const register = (id: string, path: JsonPath): void => {
    const first = seen.get(id);
    if (first === undefined) seen.set(id, formatPath(path));
    else problems.add(path, `duplicate id ${JSON.stringify(id)} (already used at ${first})`);
  };
  const collections = [
    ['agents', doc.agents],
    ['groups', doc.groups],
    ['blocks', doc.blocks],
    ['files', doc.files],
    ['sources', doc.sources],
    ['tools', doc.tools],
    ['mcp_servers', doc.mcp_servers],
  ] as const;
  for (const [key, items] of collections) {
    (items ?? []).forEach((item, i) => register(item.id, [key, i, 'id']));
  }
  doc.agents.forEach((agent, a) =>
    (agent.messages ?? []).forEach((message, m) => register(message.id, ['agents', a, 'messages', m, 'id'])),
  );

  const blocks = new Map((doc.blocks ?? []).map((block) => [block.id, block]));
  const tools = new Map((doc.tools ?? []).map((tool) => [tool.id, tool]));
  const toolNames = new Map<string, number>();
  (doc.tools ?? []).forEach((tool, t) => {
    const first = toolNames.get(tool.name);
    if (first === undefined) toolNames.set(tool.name, t);
    else
      problems.add(
        ['tools', t, 'name'],
        `duplicate tool name ${JSON.stringify(tool.name)} (also $.tools[${first}])`,
      );
  });
  const agentIds = new Set(doc.agents.map((agent) => agent.id));
  const messageOwner = new Map<string, string>();
  for (const agent of doc.agents)
    for (const message of agent.messages ?? []) messageOwner.set(message.id, agent.id);

  doc.agents.forEach((agent, a) => {
    const at = (...rest: PropertyKey[]): JsonPath => ['agents', a, ...rest];
    const labels = new Map<string, string>();
    checkList(agent.block_ids ?? [], at('block_ids'), problems, (id, path) => {
      const block = blocks.get(id);
      if (!block) return `unknown block id ${JSON.stringify(id)}: no entry of $.blocks has it`;
      const other = labels.get(block.label);
      labels.set(block.label, id);
      if (other !== undefined) {
        problems.add(
          path,
          `the agent has two blocks labelled ${JSON.stringify(block.label)} (${other} and ${id})`,
        );
      }
      return undefined;
    });
    const agentToolNames = new Set<string>();
    checkList(agent.tool_ids ?? [], at('tool_ids'), problems, (id) => {
      const tool = tools.get(id);
      if (!tool) return `unknown tool id ${JSON.stringify(id)}: no entry of $.tools has it`;
      agentToolNames.add(tool.name);
      return undefined;
    });
    checkList(agent.in_context_message_ids ?? [], at('in_context_message_ids'), problems, (id) => {
      const owner = messageOwner.get(id);
      if (owner === agent.id) return undefined;
      if (owner !== undefined) return `message ${JSON.stringify(id)} belongs to ${owner}, not to ${agent.id}`;
      return `unknown message id ${JSON.stringify(id)}: not one of the agent's messages`;
    });
    (agent.tool_rules ?? []).forEach((rule, r) => {
      const name = rule.tool_name;
      if (typeof name === 'string' && !agentToolNames.has(name)) {
        warn({
          code: 'tool_rule_unknown_tool',
          path: formatPath(at('tool_rules', r, 'tool_name')),
          message: `tool rule ${JSON.stringify(rule.type)} names ${JSON.stringify(name)}, which the agent does not have`,
        });
      }
    });
  });

  checkCarriedReferences(doc, agentIds, problems);
}

/** Each entry passes `check` (which returns a problem or nothing) and appears once. */
function checkList(
  ids: readonly string[],
  path: JsonPath,
  problems: Problems,
  check: (id: string, path: JsonPath) => string | undefined,
): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) return problems.add([...path, i], `${JSON.stringify(id)} is listed twice`);
    seen.add(id);
    const problem = check(id, [...path, i]);
    if (problem !== undefined) problems.add([...path, i], problem);
  });
}

/** Groups name existing agents; files name existing sources (what Letta's importer relies on). */
function checkCarriedReferences(doc: RawAgentFile, agentIds: ReadonlySet<string>, problems: Problems): void {
  (doc.groups ?? []).forEach((group, g) => {
    const agents = group['agent_ids'];
    if (Array.isArray(agents)) {
      agents.forEach((id: unknown, i) => {
        if (typeof id !== 'string' || !agentIds.has(id)) {
          problems.add(['groups', g, 'agent_ids', i], `unknown agent id ${JSON.stringify(id)}`);
        }
      });
    }
    const config = group['manager_config'];
    const manager = isRecord(config) ? config['manager_agent_id'] : undefined;
    if (typeof manager === 'string' && !agentIds.has(manager)) {
      problems.add(
        ['groups', g, 'manager_config', 'manager_agent_id'],
        `unknown agent id ${JSON.stringify(manager)}`,
      );
    }
  });
  const sourceIds = new Set((doc.sources ?? []).map((source) => source.id));
  (doc.files ?? []).forEach((file, f) => {
    const source = file['source_id'];
    if (source !== undefined && source !== null && (typeof source !== 'string' || !sourceIds.has(source))) {
      problems.add(['files', f, 'source_id'], `unknown source id ${JSON.stringify(source)}`);
    }
  });
}
