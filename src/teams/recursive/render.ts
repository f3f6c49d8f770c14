import type { TaskNodeRecord, TaskNodeStatus, TaskTree, TaskTreeEvent } from './types.js';

export interface RenderOptions {
  /** Show each finished node's result (first line, shortened). Default false. */
  results?: boolean;
  /** Longest goal or result text shown before it is cut with "…". Default 80. */
  width?: number;
}

const MARK: Record<TaskNodeStatus, string> = {
  done: '✓ done',
  running: '… running',
  failed: '✗ failed',
  pending: '○ pending',
  skipped: '⊘ skipped',
};

const shorten = (text: string, width: number): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
};

const keyOf = (nodeId: string): string => nodeId.slice(nodeId.lastIndexOf('/') + 1);

function seconds(node: TaskNodeRecord, now: Date): string | undefined {
  if (!node.startedAt) return undefined;
  const ms = (node.finishedAt ?? now).getTime() - new Date(node.startedAt).getTime();
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * The tree as indented text, one node a line: status mark, plan id, goal, and what is known (kind, who ran it,
 * attempts, tokens, time, dependencies, progress of a composite node, why it failed). A header line gives the
 * tree's status and counts.
 */
export function renderTree(tree: TaskTree, options: RenderOptions = {}, now: Date = new Date()): string {
  const width = options.width ?? 80;
  const children = new Map<string, TaskNodeRecord[]>();
  for (const node of tree.nodes) {
    if (node.parentId === null) continue;
    const siblings = children.get(node.parentId) ?? [];
    siblings.push(node);
    children.set(node.parentId, siblings);
  }
  for (const siblings of children.values()) siblings.sort((a, b) => a.seq - b.seq);
  const count = (status: TaskNodeStatus): number =>
    tree.nodes.filter((node) => node.status === status).length;
  const tokens = tree.nodes.reduce((sum, node) => sum + node.tokens.totalTokens, 0);
  const lines = [
    `${tree.tree.id}  ${tree.tree.status}  ${count('done')}/${tree.nodes.length} done` +
      `, ${count('running')} running, ${count('failed')} failed, ${count('skipped')} skipped, ${count('pending')} pending` +
      `  ${tokens} tokens`,
  ];
  const visit = (node: TaskNodeRecord, indent: string): void => {
    const facts: string[] = [];
    if (node.kind) facts.push(node.kind);
    if (node.role) facts.push(node.role);
    if (node.attempts > 1) facts.push(`${node.attempts} attempts`);
    if (node.tokens.totalTokens > 0) facts.push(`${node.tokens.totalTokens} tokens`);
    const time = seconds(node, now);
    if (time) facts.push(time);
    if (node.dependsOn.length > 0) facts.push(`after ${node.dependsOn.map(keyOf).join(', ')}`);
    const below = children.get(node.id);
    if (below)
      facts.push(`${below.filter((child) => child.status === 'done').length}/${below.length} subtasks done`);
    const label = node.parentId === null ? '' : `[${keyOf(node.id)}] `;
    let line = `${indent}${MARK[node.status]}  ${label}${shorten(node.goal, width)}`;
    if (facts.length > 0) line += `  (${facts.join(', ')})`;
    if (node.error && (node.status === 'failed' || node.status === 'skipped'))
      line += ` — ${node.error.reason}: ${shorten(node.error.message, width)}`;
    else if (node.error && node.status === 'running')
      line += ` — retrying after: ${shorten(node.error.message, width)}`;
    lines.push(line);
    if (options.results && node.status === 'done' && node.result !== null)
      lines.push(`${indent}    → ${shorten(node.result, width)}`);
    for (const child of below ?? []) visit(child, `${indent}  `);
  };
  const root = tree.nodes.find((node) => node.parentId === null);
  if (root) visit(root, '');
  return `${lines.join('\n')}\n`;
}

/** One line for a live event, for people following a run (stderr); undefined for events not worth a line. */
export function describeTreeEvent(event: TaskTreeEvent): string | undefined {
  switch (event.type) {
    case 'tree-started':
      return `${event.resumed ? 'resuming' : 'started'} ${event.treeId}: ${shorten(event.goal, 80)}`;
    case 'node-atomized':
      return `  ${event.node.id}: ${event.node.kind}${event.forced ? ' (max depth)' : ''}`;
    case 'node-planned':
      return `  ${event.node.id}: planned ${event.children.map((child) => keyOf(child.id)).join(', ')}`;
    case 'node-retry':
      return `  ${event.node.id}: retrying (attempt ${event.node.attempts}) after: ${event.error.message}`;
    case 'node-finished':
      return `  ✓ ${event.node.id}`;
    case 'node-failed':
      return `  ✗ ${event.node.id}: ${event.node.error?.reason}: ${event.node.error?.message}`;
    case 'node-skipped':
      return `  ⊘ ${event.node.id}: ${event.node.error?.reason}`;
    case 'tree-finished':
      return `${event.tree.status} ${event.treeId}`;
    default:
      return undefined;
  }
}
