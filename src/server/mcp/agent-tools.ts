import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

import { runMemoryAgentTurn, type AgentEvent } from '../../agents/index.js';
import { ConfigError } from '../../errors/index.js';
import type { Kernel } from '../../kernel/index.js';
import { DEFAULT_BLOCKS, type AgentRecord, type MemoryService } from '../../memory/index.js';
import { parseModelId } from '../../models/index.js';
import { guarded } from './results.js';
import type { HydraMcpDeps } from './types.js';

const agentRef = z.string().min(1).describe('The agent: its id, or its name when the name is unique.');

async function summarize(memory: MemoryService, agent: AgentRecord): Promise<Record<string, unknown>> {
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description,
    model: agent.model ?? null,
    blocks: (await memory.blocks(agent.id)).map((block) => block.label),
    messages: await memory.recallCount(agent.id),
    created_at: agent.createdAt.toISOString(),
  };
}

// Turns of one agent run one after another: two interleaved turns would interleave its stored conversation.
const turnQueues = new WeakMap<Kernel, Map<string, Promise<void>>>();

function oneAtATime<T>(kernel: Kernel, agentId: string, work: () => Promise<T>): Promise<T> {
  let queues = turnQueues.get(kernel);
  if (!queues) turnQueues.set(kernel, (queues = new Map()));
  const run = (queues.get(agentId) ?? Promise.resolve()).then(work);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(agentId, tail);
  void tail.then(() => {
    if (queues.get(agentId) === tail) queues.delete(agentId);
  });
  return run;
}

function stepUsage(event: Extract<AgentEvent, { type: 'step-end' }>): Record<string, unknown> {
  const cost: unknown = 'costUsd' in event ? event.costUsd : undefined;
  return { step: event.step, usage: event.usage, ...(typeof cost === 'number' ? { cost_usd: cost } : {}) };
}

function maxSteps(value: number | undefined): { maxSteps?: number } {
  return value === undefined ? {} : { maxSteps: value };
}

/** `list_agents`, `create_agent` and `send_message`. */
export function registerAgentTools(server: McpServer, deps: HydraMcpDeps): void {
  const { memory, kernel, onError } = deps;

  server.registerTool(
    'list_agents',
    {
      title: 'List agents',
      description: "Lists Hydra's persistent agents: id, name, model, memory block labels and message count.",
      inputSchema: z.object({}),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () =>
      guarded(
        'list_agents',
        async () => {
          const agents = await memory.listAgents();
          return { agents: await Promise.all(agents.map((agent) => summarize(memory, agent))) };
        },
        onError,
      ),
  );

  server.registerTool(
    'create_agent',
    {
      title: 'Create an agent',
      description:
        'Creates a persistent agent with Letta-style memory: a persona block (who the agent is) and a human block ' +
        '(what it knows about the user), base instructions, and optionally its model.',
      inputSchema: z.object({
        name: z.string().min(1).max(200).describe('A name; unique names can be used instead of the id.'),
        persona: z.string().default('').describe('The persona memory block.'),
        human: z.string().default('').describe('The human memory block.'),
        instructions: z
          .string()
          .optional()
          .describe(
            "Base instructions before the memory blocks (default: Hydra's memory-agent instructions).",
          ),
        model: z.string().optional().describe('Model id, e.g. "openai:gpt-4o-mini".'),
      }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    (args) =>
      guarded(
        'create_agent',
        async () => {
          if (args.model !== undefined) parseModelId(args.model);
          const [persona, human] = DEFAULT_BLOCKS;
          const agent = await memory.createAgent({
            name: args.name,
            ...(args.instructions !== undefined ? { instructions: args.instructions } : {}),
            ...(args.model !== undefined ? { model: args.model } : {}),
            blocks: [
              { ...persona, label: 'persona', value: args.persona },
              { ...human, label: 'human', value: args.human },
            ],
          });
          return { agent: await summarize(memory, agent) };
        },
        onError,
      ),
  );

  server.registerTool(
    'send_message',
    {
      title: 'Send a message to an agent',
      description:
        'Sends the agent a user message and returns its reply. The agent answers with its memory and tools (it may edit its own memory blocks), and remembers the turn. Returns the model steps and token usage.',
      inputSchema: z.object({
        agent: agentRef,
        message: z.string().min(1),
        max_steps: z.number().int().min(1).max(50).optional().describe('Stop after this many model calls.'),
      }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    (args, ctx) =>
      guarded(
        'send_message',
        async () => {
          const agent = await memory.getAgent(args.agent);
          if (kernel.backends.length === 0) {
            throw new ConfigError(
              'This Hydra MCP server has no model, so agents cannot answer. Restart it with HYDRA_MODEL set (or --model).',
              { code: 'model_not_configured', data: { field: 'model', envVar: 'HYDRA_MODEL' } },
            );
          }
          return oneAtATime(kernel, agent.id, async () => {
            const steps: Array<Record<string, unknown>> = [];
            const result = await runMemoryAgentTurn({
              memory,
              agentId: agent.id,
              kernel,
              message: args.message,
              tools: deps.tools ?? [],
              ...maxSteps(args.max_steps ?? deps.turn?.maxSteps),
              policy: deps.turn?.policy,
              signal: ctx.mcpReq.signal,
              onEvent: (event) => {
                if (event.type === 'step-end') steps.push(stepUsage(event));
              },
            });
            // The sleep-time pass runs on after the reply; its failure must not become an unhandled rejection.
            result.sleeptime?.catch((error: unknown) => onError?.(error, `sleep-time pass of ${agent.id}`));
            return {
              agent: { id: agent.id, name: agent.name },
              reply: result.answer,
              stop_reason: result.stopReason,
              steps: result.steps,
              usage: result.usage,
              step_usage: steps,
              ...(result.sleeptime ? { sleeptime_pass: 'started' } : {}),
            };
          });
        },
        onError,
      ),
  );
}
