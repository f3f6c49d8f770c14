import type { AgentRuntime } from '../../agents/index.js';
import { NotFoundError, UserError } from '../../errors/index.js';
import type { AgentRecord, MemoryService } from '../../memory/index.js';
import type { ModelProvider } from '../../models/index.js';
import { CollaborationMatrix } from './collaboration.js';
import { OrchestratorEventLog } from './events.js';
import { patternSignature } from './signature.js';
import type { MetaOrchestratorOptions } from './options.js';
import {
  parseTemplate,
  RESERVED_DOMAINS,
  resolveThresholds,
  UNKNOWN_DOMAIN,
  type NovelPattern,
  type ReorganisationThresholds,
  type SpecialistInfo,
  type SpecialistTemplate,
  type TeamInfo,
} from './types.js';

const DEFAULT_GENERALIST: Omit<SpecialistTemplate, 'domain'> = {
  description: 'Tasks no specialist covers yet.',
  persona: 'You are a capable generalist. Do the task carefully and say plainly what you could not do.',
};

interface PatternRecord extends NovelPattern {
  /** The specialist type created for it, once created (or being created). */
  domain?: Promise<string>;
}

/**
 * What an orchestrator and its sub-orchestrators share: the specialist templates (the configured ones and
 * the types created since), the specialists spawned from them, the collaboration matrix, the teams, the
 * counts of unknown task patterns and the event log. Reorganisation rules that depend on this state (merge,
 * new type) live here; the queue rule lives with each orchestrator's own queue.
 */
export class Organisation {
  /** What the root orchestrator was made with; sub-orchestrators are made with the same. */
  readonly options: MetaOrchestratorOptions;
  readonly runtime: AgentRuntime;
  readonly provider: ModelProvider;
  readonly memory: MemoryService | undefined;
  readonly thresholds: ReorganisationThresholds;
  readonly events: OrchestratorEventLog;
  readonly matrix = new CollaborationMatrix();
  readonly signature: (task: string) => string;
  readonly classifyAttempts: number;
  readonly #prefix: string;
  readonly #templates = new Map<string, SpecialistTemplate>();
  readonly #generalist: SpecialistTemplate;
  readonly #designTemplate: MetaOrchestratorOptions['designTemplate'];
  /** Spawns in flight or done, by domain: a promise so that concurrent first needs spawn once. */
  readonly #spawning = new Map<string, Promise<SpecialistInfo>>();
  readonly #spawned = new Map<string, SpecialistInfo>();
  readonly #agentDomain = new Map<string, string>();
  /** Each agent's team: the same array object for every member of a team. */
  readonly #teamOf = new Map<string, string[]>();
  readonly #patterns = new Map<string, PatternRecord>();

  constructor(options: MetaOrchestratorOptions) {
    this.options = options;
    this.runtime = options.runtime;
    this.provider = options.provider;
    this.memory = options.memory;
    this.thresholds = resolveThresholds(options.thresholds);
    this.events = options.events ?? new OrchestratorEventLog();
    this.signature = options.signature ?? ((task) => patternSignature(task));
    this.classifyAttempts = options.classifyAttempts ?? 3;
    this.#designTemplate = options.designTemplate;
    this.#prefix = options.agentPrefix ?? 'specialist';
    if (!/^[a-zA-Z0-9_-]{1,15}$/.test(this.#prefix))
      throw new UserError(
        'invalid_input',
        `agentPrefix "${this.#prefix}" must be 1-15 letters, digits, "_" or "-".`,
        {
          data: { field: 'agentPrefix' },
        },
      );
    for (const template of options.templates) this.#addTemplate(parseTemplate(template));
    this.#generalist = { ...(options.generalist ?? DEFAULT_GENERALIST), domain: 'generalist' };
  }

  /** Every known domain with its description, in the order they became known. */
  domains(): Array<{ domain: string; description: string }> {
    return [...this.#templates.values()].map(({ domain, description }) => ({ domain, description }));
  }

  hasDomain(domain: string): boolean {
    return domain === UNKNOWN_DOMAIN || this.#templates.has(domain);
  }

  agentName(domain: string): string {
    return `${this.#prefix}-${domain === UNKNOWN_DOMAIN ? this.#generalist.domain : domain}`;
  }

  isSpecialist(name: string): boolean {
    return this.#agentDomain.has(name);
  }

  specialists(): SpecialistInfo[] {
    return [...this.#spawned.values()];
  }

  /** The domain's specialist, spawned from its template on first need and reused afterwards. */
  specialist(domain: string, orchestrator: string): Promise<SpecialistInfo> {
    let spawning = this.#spawning.get(domain);
    if (!spawning) {
      spawning = this.#spawn(domain, orchestrator);
      this.#spawning.set(domain, spawning);
      // A failed spawn (a tool the runtime lacks, the store down) may be retried by the next task.
      spawning.catch(() => this.#spawning.delete(domain));
    }
    return spawning;
  }

  async #spawn(domain: string, orchestrator: string): Promise<SpecialistInfo> {
    const template = domain === UNKNOWN_DOMAIN ? this.#generalist : this.#templates.get(domain);
    if (!template)
      throw new NotFoundError(`No specialist template for domain "${domain}".`, { data: { domain } });
    const agent = this.agentName(domain);
    const memoryAgent = this.memory ? await this.#memoryAgent(this.memory, agent, template) : undefined;
    this.runtime.define({
      name: agent,
      instructions: template.persona,
      ...(template.tools ? { tools: template.tools } : {}),
      ...(memoryAgent ? { memoryAgent: memoryAgent.id } : {}),
    });
    const info: SpecialistInfo = { domain, agent, ...(memoryAgent ? { memoryAgentId: memoryAgent.id } : {}) };
    this.#spawned.set(domain, info);
    this.#agentDomain.set(agent, domain);
    this.events.append(orchestrator, { type: 'specialist-spawned', ...info });
    return info;
  }

  /**
   * The specialist's persistent memory agent: the one already stored under its name (a specialist keeps its
   * memory across orchestrator restarts on the same store), or a new one with the template's blocks.
   */
  async #memoryAgent(
    memory: MemoryService,
    name: string,
    template: SpecialistTemplate,
  ): Promise<AgentRecord> {
    try {
      return await memory.getAgent(name);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    return memory.createAgent({
      name,
      description: template.description,
      instructions: template.persona,
      ...(template.tools ? { tools: template.tools } : {}),
      ...(template.memoryBlocks ? { blocks: template.memoryBlocks } : {}),
      metadata: { createdBy: 'teams/orchestrator', domain: template.domain },
    });
  }

  /**
   * The domains a task's work passes through: its own, each widened to its agent's whole team (in the team's
   * order), without repeats.
   */
  chain(domains: string[]): string[] {
    const chain: string[] = [];
    for (const domain of domains) {
      const team = this.#teamOf.get(this.agentName(domain));
      const widened = team ? team.map((agent) => this.#agentDomain.get(agent) as string) : [domain];
      for (const each of widened) if (!chain.includes(each)) chain.push(each);
    }
    return chain;
  }

  teams(): TeamInfo[] {
    const seen = new Set<string[]>();
    const teams: TeamInfo[] = [];
    for (const members of this.#teamOf.values()) {
      if (seen.has(members)) continue;
      seen.add(members);
      teams.push(this.#teamInfo(members));
    }
    return teams;
  }

  #teamInfo(members: string[]): TeamInfo {
    const domains = members.map((agent) => this.#agentDomain.get(agent) as string);
    return { name: `team-${domains.join('+')}`, members: [...members], domains };
  }

  /**
   * Records a handoff, then applies the merge rule to every pair involving the receiver: its interactions just
   * grew, so that is the only place a pair can have crossed the threshold (or reached the minimum count).
   */
  recordHandoff(orchestrator: string, taskId: string, from: string, to: string, domain: string): void {
    this.matrix.record(from, to);
    this.events.append(orchestrator, { type: 'handoff', taskId, from, to, domain });
    if (!this.isSpecialist(to)) return;
    const { mergeShare, mergeMinInteractions } = this.thresholds;
    const peers = [...this.#agentDomain.keys()].filter(
      (peer) => peer !== to && this.matrix.collaborations(to, peer) > 0,
    );
    // The pair just handed over comes first, so the team's order follows the work.
    peers.sort((a, b) => Number(b === from) - Number(a === from));
    for (const peer of peers) {
      const team = this.#teamOf.get(to);
      if (team && team === this.#teamOf.get(peer)) continue;
      const shares: [number, number] = [this.matrix.share(peer, to), this.matrix.share(to, peer)];
      const enough =
        Math.min(this.matrix.interactions(peer), this.matrix.interactions(to)) >= mergeMinInteractions;
      if (enough && shares[0] > mergeShare && shares[1] > mergeShare)
        this.#merge(orchestrator, peer, to, shares);
    }
  }

  #merge(orchestrator: string, first: string, second: string, shares: [number, number]): void {
    const members = [...(this.#teamOf.get(first) ?? [first])];
    for (const agent of this.#teamOf.get(second) ?? [second])
      if (!members.includes(agent)) members.push(agent);
    for (const agent of members) this.#teamOf.set(agent, members);
    const team = this.#teamInfo(members);
    this.events.append(orchestrator, {
      type: 'teams-merged',
      team: team.name,
      members: team.members,
      domains: team.domains,
      pair: [first, second],
      collaborations: this.matrix.collaborations(first, second),
      shares,
    });
  }

  /**
   * Counts an unknown task's pattern; returns the specialist type for it when one exists, or when this
   * recurrence took the count past the threshold and created it.
   */
  async notePattern(orchestrator: string, goal: string, signature: string): Promise<string | undefined> {
    const pattern = this.#patterns.get(signature) ?? { signature, examples: [], recurrences: 0 };
    this.#patterns.set(signature, pattern);
    if (pattern.domain) return pattern.domain;
    pattern.recurrences++;
    if (pattern.examples.length < 20) pattern.examples.push(goal);
    if (pattern.recurrences <= this.thresholds.novelPatternRecurrences) return undefined;
    pattern.domain = this.#createType(orchestrator, pattern);
    // A failed design is forgotten so that the next recurrence tries again.
    pattern.domain.catch(() => delete pattern.domain);
    return pattern.domain;
  }

  async #createType(orchestrator: string, pattern: PatternRecord): Promise<string> {
    const snapshot: NovelPattern = {
      signature: pattern.signature,
      examples: [...pattern.examples],
      recurrences: pattern.recurrences,
    };
    const designed = parseTemplate(await (this.#designTemplate ?? defaultTemplate)(snapshot));
    let domain = designed.domain;
    for (let n = 2; this.#templates.has(domain); n++) domain = `${designed.domain.slice(0, 28)}-${n}`;
    const template = { ...designed, domain };
    this.#addTemplate(template);
    this.events.append(orchestrator, {
      type: 'specialist-type-created',
      domain,
      signature: pattern.signature,
      recurrences: pattern.recurrences,
      template,
    });
    return domain;
  }

  #addTemplate(template: SpecialistTemplate): void {
    if (this.#templates.has(template.domain))
      throw new UserError(
        'invalid_input',
        `Two specialist templates share the domain "${template.domain}".`,
        {
          data: { field: 'templates', domain: template.domain },
        },
      );
    this.#templates.set(template.domain, template);
  }
}

/** A specialist type from the pattern alone (no model call): named after its signature, shown its examples. */
export function defaultTemplate(pattern: NovelPattern): SpecialistTemplate {
  const domain =
    pattern.signature
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 32)
      .replace(/-+$/, '') || 'pattern';
  const examples = pattern.examples.slice(0, 3).map((example) => `- ${example}`);
  return {
    domain: RESERVED_DOMAINS.has(domain) ? 'pattern' : domain,
    description: `Tasks of the pattern "${pattern.signature}", for example: ${pattern.examples[0] ?? ''}`,
    persona: [
      `You are the specialist for tasks of the pattern "${pattern.signature}", a kind of task that came up ${pattern.recurrences} times with no specialist for it.`,
      'Examples:',
      ...examples,
    ].join('\n'),
  };
}
