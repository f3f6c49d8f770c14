/** `parseAgentFile`: Agent File text or JSON → validated, normalised bundle. */
import type { PathMap } from './errors.js';
import { Problems, invalidAt, invalidInput, zodProblems } from './errors.js';
import { convertDocument } from './convert.js';
import { decodeAgentFileJson, isRecord } from './json.js';
import { isLegacyAgentFile, legacyPath, legacyToCurrent } from './legacy.js';
import { checkReferences } from './references.js';
import { agentFileSchema } from './schema.js';
import type { AgentFileBundle, AgentFileWarning, ParseAgentFileOptions } from './types.js';

/**
 * Reads an Agent File: the file's text (also when its JSON is a string wrapping the JSON) or its parsed
 * JSON, in the current format or the legacy v1 format.
 *
 * Throws `UserError('invalid_input')` naming the JSON path of the first problem (`data.path`, and all of
 * them in `data.problems`); nothing is returned from an invalid file. Oddities Hydra can live with are
 * passed to `options.onWarning` once the file is known to be valid.
 */
export function parseAgentFile(input: unknown, options: ParseAgentFileOptions = {}): AgentFileBundle {
  const json = decodeAgentFileJson(input);
  if (isRecord(json) && isLegacyAgentFile(json)) {
    return { ...parseDocument(legacyToCurrent(json), options, legacyPath), format: 'v1' };
  }
  if (isRecord(json) && !('agents' in json)) {
    throw invalidAt(
      ['agents'],
      'expected the list of agents, but it is missing (nor is this a legacy v1 file: it has no core_memory)',
    );
  }
  return parseDocument(json, options);
}

function parseDocument(json: unknown, options: ParseAgentFileOptions, mapPath?: PathMap): AgentFileBundle {
  const result = agentFileSchema.safeParse(json);
  if (!result.success) throw invalidInput(zodProblems(result.error.issues, mapPath));
  const problems = new Problems(mapPath);
  const warnings: AgentFileWarning[] = [];
  const warn = (warning: AgentFileWarning): void => {
    warnings.push(mapPath ? { ...warning, path: mapPath(warning.path) } : warning);
  };
  checkReferences(result.data, problems, warn);
  const bundle = convertDocument(result.data, problems, warn);
  problems.throwIfAny();
  if (options.onWarning) for (const warning of warnings) options.onWarning(warning);
  return bundle;
}
