import type { AgentRuntime } from '../../agents/index.js';
import type { MemoryService } from '../../memory/index.js';
import type { ModelProvider } from '../../models/index.js';
import type { OrchestratorEventLog } from './events.js';
import type { NovelPattern, ReorganisationThresholds, SpecialistTemplate } from './types.js';

export interface MetaOrchestratorOptions {
  runtime: AgentRuntime;
  /** The model that classifies goals. */
  provider: ModelProvider;
  templates: SpecialistTemplate[];
  /** When given, every specialist runs on a persistent memory agent created with its template's blocks. */
  memory?: MemoryService;
  /** Handles tasks classified `unknown` until a specialist type exists for their pattern. */
  generalist?: Omit<SpecialistTemplate, 'domain'>;
  thresholds?: Partial<ReorganisationThresholds>;
  /** Prefix of the specialists' agent names: `<prefix>-<domain>` (default `specialist`). */
  agentPrefix?: string;
  /** The root orchestrator's name in the collaboration matrix and events (default `orchestrator`). */
  name?: string;
  /** The pattern signature of an unknown task (default `patternSignature`). */
  signature?: (task: string) => string;
  /**
   * Writes the template of a new specialist type for a recurring unknown pattern (default: a template built
   * from the signature and example tasks, no model call).
   */
  designTemplate?: (pattern: NovelPattern) => SpecialistTemplate | Promise<SpecialistTemplate>;
  /** Model calls per classification, the first included (default 3). */
  classifyAttempts?: number;
  /** The event log to append to (default: a fresh one keeping the newest 10,000 events). */
  events?: OrchestratorEventLog;
}
