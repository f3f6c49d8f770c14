/**
 * Crews (issue 7): agents with a role, goal and backstory doing tasks with expected outputs, in a
 * sequential or a hierarchical (manager-led) process, independent tasks in parallel, members running on
 * the AgentRuntime and sharing an access-controlled memory block. See docs/teams-crew.md.
 * @module
 */
export {
  crewAgentSchema,
  crewManagerSchema,
  crewMemorySchema,
  crewSchema,
  crewTaskSchema,
  defineCrew,
  interpolateCrew,
  type Crew,
  type CrewAgent,
  type CrewInput,
  type CrewManager,
  type CrewMemoryOptions,
  type CrewTask,
} from './definition.js';
export {
  runCrew,
  runtimeAgentName,
  type CrewEvent,
  type CrewResult,
  type CrewTaskResult,
  type CrewTaskStatus,
  type RunCrewOptions,
} from './crew.js';
export { CrewMemory, crewMemoryTools, memoryAgentName } from './memory.js';
export {
  developmentCrew,
  infrastructureCrew,
  READY_CREWS,
  researchCrew,
  type ReadyCrew,
  type ReadyCrewName,
  type ReadyCrewOptions,
} from './ready-made.js';
export { sandboxCodeTool, searchFilesTool } from './tools.js';
export { CrewProgress, crewProgressPrinter, formatElapsed, type CrewTaskState } from './progress.js';
export { CREW_NAMES, crewNameOf, runCrewByName, type RunCrewByNameOptions } from './cli.js';
