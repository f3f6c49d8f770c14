import type { AgentRuntime, RuntimeRunResult } from '../agents/index.js';
import { UserError } from '../errors/index.js';
import { SUBGRAPH_SEPARATOR, WorkflowInterrupt, type NodeContext } from './context.js';
import type { WorkflowEngine } from './engine.js';
import type { NodeFunction, NodeUpdate } from './graph.js';

export interface AgentNodeOptions<State> {
  runtime: AgentRuntime;
  agent: string;
  /** The agent's task, from the state (and the branch input of a fan-out). */
  goal: (state: State, context: NodeContext) => string;
  /** The state update made from the agent's result. */
  update: (result: RuntimeRunResult, state: State) => NodeUpdate<State>;
  /** Tool calls needing a human approval first: exact names or patterns (e.g. `git_push`, /^delete_/). */
  approvalRequired?: Array<string | RegExp>;
}

/**
 * A node that runs an agent of the runtime at a decision point. The agent run's id is the node's idempotency
 * key, so a node that runs again (after a crash or an approval) resumes the same agent run instead of
 * starting over. Tool calls matching `approvalRequired` pause the workflow for a decision bound to the call.
 */
export function agentNode<State>(options: AgentNodeOptions<State>): NodeFunction<State> {
  return async (state, context) => {
    const rules = options.approvalRequired ?? [];
    const result = await options.runtime.run(options.agent, options.goal(state, context), {
      runId: `agent-run:${context.idempotencyKey}`,
      signal: context.signal,
      onEvent: (event) => {
        if (event.type === 'text-delta') context.emit({ agent: options.agent, text: event.text });
      },
      beforeToolCall: async (call) => {
        if (!rules.some((rule) => (typeof rule === 'string' ? rule === call.name : rule.test(call.name))))
          return { allow: true };
        const decision = await context.approval({ action: call.name, payload: call.arguments });
        return decision.approved
          ? { allow: true }
          : {
              allow: false,
              reason: `rejected by ${decision.by}${decision.note ? `: ${decision.note}` : ''}`,
            };
      },
    });
    return options.update(result, state);
  };
}

export interface SubgraphNodeOptions<State, ChildState> {
  engine: WorkflowEngine;
  graph: string;
  input: (state: State, context: NodeContext) => Record<string, unknown>;
  update: (childState: ChildState, state: State) => NodeUpdate<State>;
}

/**
 * A node that runs another registered graph as a durable child run (id `<parent run>::<task>`), resumed rather
 * than restarted when the node runs again. A child that pauses for an approval pauses the parent too; deciding
 * the approval resumes both.
 */
export function subgraphNode<State, ChildState extends Record<string, unknown>>(
  options: SubgraphNodeOptions<State, ChildState>,
): NodeFunction<State> {
  return async (state, context) => {
    const childId = `${context.runId}${SUBGRAPH_SEPARATOR}${context.taskId}`;
    const existing = await options.engine.store.getRun(childId);
    const result = existing
      ? await options.engine.resume(childId)
      : await options.engine.run(options.graph, options.input(state, context), { runId: childId });
    if (result.status === 'waiting') {
      const [approval] = await options.engine.pendingApprovals(childId);
      throw new WorkflowInterrupt(
        `Subgraph ${options.graph} is waiting for approval ${approval?.id ?? '?'}.`,
        approval?.id ?? '',
      );
    }
    if (result.status !== 'done') {
      throw new UserError(
        'invalid_input',
        `Subgraph ${options.graph} (run ${childId}) ended ${result.status}${result.error ? `: ${result.error.message}` : ''}.`,
        {
          ...(result.error ? { cause: result.error } : {}),
          data: { childRunId: childId },
        },
      );
    }
    return options.update(result.state as ChildState, state);
  };
}
