/** The side-effect log both sides of the crash case keep: executor starts and ends, model calls. */
import { llmExecutor, type TaskExecutor } from '../../src/teams/recursive/index.js';

/** The default executor (one model call), logging `exec-start <node>` before and `exec-end <node>` after. */
export function loggingExecutor(log: (line: string) => void): TaskExecutor {
  const inner = llmExecutor();
  return async (task, context) => {
    log(`exec-start ${task.nodeId}`);
    const output = await inner(task, context);
    log(`exec-end ${task.nodeId}`);
    return output;
  };
}

/** `<tree>/<node>#<phase>` → `<node>#<phase>`. */
export const nodeOfAgent = (agentId: string): string => agentId.slice(agentId.indexOf('/') + 1);

/** Parsed log lines of one process. */
export interface SideEffects {
  /** Nodes whose executor started, once per start. */
  execStarts: string[];
  execEnds: string[];
  /** `<node>#<phase>` of every llm syscall dispatched. */
  calls: string[];
  finished: string[];
}

export function parseLog(lines: readonly string[]): SideEffects {
  const after = (prefix: string): string[] =>
    lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
  return {
    execStarts: after('exec-start '),
    execEnds: after('exec-end '),
    calls: after('call '),
    finished: after('finished '),
  };
}
