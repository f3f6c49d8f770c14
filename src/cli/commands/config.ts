import type { Command } from 'commander';

import { loadCliConfig } from '../context.js';
import { printJson } from '../output.js';
import { redact } from './doctor.js';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('Print the resolved configuration (file < environment < flags), with secrets hidden.')
    .action(async (_flags: unknown, command: Command) => {
      const { config, file, envVars } = await loadCliConfig(command);
      const providers = Object.fromEntries(
        Object.entries(config.providers).map(([kind, settings]) => [
          kind,
          settings?.apiKey ? { ...settings, apiKey: '***' } : settings,
        ]),
      );
      printJson({
        sources: { file: file ?? null, env: envVars },
        config: {
          ...config,
          providers,
          ...(config.databaseUrl ? { databaseUrl: redact(config.databaseUrl) } : {}),
          ...(config.redisUrl ? { redisUrl: redact(config.redisUrl) } : {}),
        },
      });
    });
}
