import { Command, CommanderError } from 'commander';

import { registerAgentsCommand } from './commands/agents.js';
import { registerConfigCommand } from './commands/config.js';
import { registerConflictsCommand } from './commands/conflicts.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerMcpCommand } from './commands/mcp.js';
import { registerMemoryCommand } from './commands/memory.js';
import { registerRunCommand } from './commands/run.js';
import { registerRunsCommand } from './commands/runs.js';
import { registerWorkflowCommand } from './commands/workflow.js';
import { registerApprovalsCommand } from './commands/approvals.js';
import { registerSkillsCommand, registerToolsCommand } from './commands/tools.js';
import { registerSimModelCommand } from './commands/sim-model.js';
import { registerTasksCommand } from './commands/tasks.js';
import { EXIT, reportFailure } from './output.js';
import { HYDRA_VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('hydra')
    .description('Hydra: an agent operating system that keeps teams of LLM agents working.')
    .version(HYDRA_VERSION, '-v, --version')
    .option(
      '-c, --config <path>',
      'config file (default: hydra.config.{ts,mts,js,mjs,json} in the working directory)',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRunCommand(program);
  registerRunsCommand(program);
  registerWorkflowCommand(program);
  registerApprovalsCommand(program);
  registerTasksCommand(program);
  registerConflictsCommand(program);
  registerToolsCommand(program);
  registerSkillsCommand(program);
  registerDemoCommand(program);
  registerDoctorCommand(program);
  registerSimModelCommand(program);
  registerAgentsCommand(program);
  registerMemoryCommand(program);
  registerConfigCommand(program);
  registerMcpCommand(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; everything else it raises is a usage mistake.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const json = process.argv.includes('--json');
    return reportFailure(error, json);
  }
}

process.exitCode = await main(process.argv);
