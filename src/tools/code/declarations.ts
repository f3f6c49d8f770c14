/**
 * TypeScript declarations of the typed tool API, generated from the tools' JSON Schemas. Hand-rolled and
 * small: objects (required and optional properties, additionalProperties), arrays and tuples, enums and
 * const, anyOf/oneOf/allOf, type unions, nullable, local `$ref`s (recursion becomes `unknown`), and
 * descriptions as JSDoc comments. Anything else it does not understand becomes `unknown`, never wrong.
 */
import type { CodeToolInfo } from './types.js';

type Schema = Record<string, unknown>;

interface Context {
  root: Schema;
  /** `$ref`s being expanded on the current path, to stop recursion. */
  expanding: ReadonlySet<string>;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const MAX_DEPTH = 24;

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A property key as TypeScript wants it: bare when it is an identifier, else quoted. */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** A JSDoc block (or nothing) at `indent`, with `*\/` neutralised so a description cannot end it. */
function docComment(lines: string[], indent: string): string {
  const text = lines
    .flatMap((line) => line.split(/\r?\n/))
    .map((line) => line.replaceAll('*/', '*\\/').trimEnd());
  while (text.length > 0 && text.at(-1) === '') text.pop();
  if (text.length === 0) return '';
  if (text.length === 1) return `${indent}/** ${text[0]} */\n`;
  return `${indent}/**\n${text.map((line) => `${indent} *${line === '' ? '' : ` ${line}`}`).join('\n')}\n${indent} */\n`;
}

/** The description and the constraints a model needs to call correctly, as JSDoc lines. */
function schemaDoc(schema: Schema): string[] {
  const lines: string[] = [];
  if (typeof schema['description'] === 'string') lines.push(schema['description']);
  else if (typeof schema['title'] === 'string') lines.push(schema['title']);
  const tags: Array<[string, string]> = [
    ['format', 'format'],
    ['pattern', 'pattern'],
    ['minimum', 'minimum'],
    ['maximum', 'maximum'],
    ['exclusiveMinimum', 'exclusiveMinimum'],
    ['exclusiveMaximum', 'exclusiveMaximum'],
    ['minLength', 'minLength'],
    ['maxLength', 'maxLength'],
    ['minItems', 'minItems'],
    ['maxItems', 'maxItems'],
  ];
  for (const [key, tag] of tags) {
    const value = schema[key];
    if (typeof value === 'string' || typeof value === 'number') lines.push(`@${tag} ${String(value)}`);
  }
  if ('default' in schema) lines.push(`@default ${JSON.stringify(schema['default']) ?? 'undefined'}`);
  if (schema['deprecated'] === true) lines.push('@deprecated');
  return lines;
}

function literal(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return 'unknown';
}

function union(types: string[]): string {
  const unique = [...new Set(types)];
  if (unique.includes('unknown')) return 'unknown';
  if (unique.length === 0) return 'never';
  return unique.length === 1 ? (unique[0] ?? 'never') : unique.map(parenthesize).join(' | ');
}

/** Wraps a type that contains a top-level `|`, `&` or function arrow, for use inside another. */
function parenthesize(type: string): string {
  let depth = 0;
  for (let i = 0; i < type.length; i += 1) {
    const char = type[i];
    if (char === '"') {
      // A string literal (JSON-escaped): skip to its closing quote.
      for (i += 1; i < type.length && type[i] !== '"'; i += type[i] === '\\' ? 2 : 1);
    } else if (char === '/' && type[i + 1] === '*') {
      // A doc comment: descriptions may hold any brackets.
      const end = type.indexOf('*/', i + 2);
      i = end === -1 ? type.length : end + 1;
    } else if (char === '{' || char === '(' || char === '[' || char === '<') depth += 1;
    else if (char === '}' || char === ')' || char === ']' || char === '>') depth -= 1;
    else if (depth === 0 && (char === '|' || char === '&')) return `(${type})`;
  }
  return type;
}

function resolveRef(ref: string, ctx: Context): Schema | undefined {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (!match) return undefined;
  const defs = ctx.root[match[1] ?? ''];
  const name = (match[2] ?? '').replaceAll('~1', '/').replaceAll('~0', '~');
  return isSchema(defs) && isSchema(defs[name]) ? defs[name] : undefined;
}

/** The TypeScript type of a JSON Schema, with nested object members indented from `indent`. */
export function schemaToType(schema: unknown, indent = ''): string {
  return toType(schema, indent, undefined, 0);
}

function toType(schema: unknown, indent: string, ctx: Context | undefined, depth: number): string {
  if (schema === false) return 'never';
  if (!isSchema(schema) || depth > MAX_DEPTH) return 'unknown';
  const context: Context = ctx ?? { root: schema, expanding: new Set() };
  const next = (sub: unknown, subIndent = indent): string => toType(sub, subIndent, context, depth + 1);

  const ref = schema['$ref'];
  if (typeof ref === 'string') {
    const target = context.expanding.has(ref) ? undefined : resolveRef(ref, context);
    if (!target) return 'unknown';
    return toType(target, indent, { ...context, expanding: new Set([...context.expanding, ref]) }, depth);
  }
  let type = baseType(schema, indent, next);
  if (Array.isArray(schema['allOf'])) {
    const parts = schema['allOf'].map((sub) => next(sub)).filter((part) => part !== 'unknown');
    if (parts.length > 0)
      type = [...(type === 'unknown' ? [] : [type]), ...parts].map(parenthesize).join(' & ');
  }
  if (schema['nullable'] === true && type !== 'unknown') type = union([type, 'null']);
  return type;
}

function baseType(schema: Schema, indent: string, next: (sub: unknown, indent?: string) => string): string {
  if ('const' in schema) return literal(schema['const']);
  if (Array.isArray(schema['enum'])) return union(schema['enum'].map(literal));
  const alternatives = schema['anyOf'] ?? schema['oneOf'];
  if (Array.isArray(alternatives)) return union(alternatives.map((sub) => next(sub)));
  const declared = schema['type'];
  if (Array.isArray(declared)) {
    return union(
      declared.map((one) => (typeof one === 'string' ? typeFor(one, schema, indent, next) : 'unknown')),
    );
  }
  if (typeof declared === 'string') return typeFor(declared, schema, indent, next);
  if (isSchema(schema['properties']) || 'additionalProperties' in schema) {
    return typeFor('object', schema, indent, next);
  }
  if ('items' in schema || 'prefixItems' in schema) return typeFor('array', schema, indent, next);
  return 'unknown';
}

function typeFor(
  type: string,
  schema: Schema,
  indent: string,
  next: (sub: unknown, indent?: string) => string,
): string {
  switch (type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return arrayType(schema, next);
    case 'object':
      return objectType(schema, indent, next);
    default:
      return 'unknown';
  }
}

function arrayType(schema: Schema, next: (sub: unknown) => string): string {
  const tuple = Array.isArray(schema['prefixItems'])
    ? schema['prefixItems']
    : Array.isArray(schema['items'])
      ? schema['items']
      : undefined;
  if (tuple) {
    const rest = Array.isArray(schema['prefixItems']) ? schema['items'] : schema['additionalItems'];
    const members = tuple.map((sub) => next(sub));
    if (rest !== undefined && rest !== false) members.push(`...${arrayOf(next(rest))}`);
    return `[${members.join(', ')}]`;
  }
  return arrayOf('items' in schema ? next(schema['items']) : 'unknown');
}

function arrayOf(element: string): string {
  return /^[\w$.]+$/.test(element) || element.endsWith('}') ? `${element}[]` : `Array<${element}>`;
}

function objectType(schema: Schema, indent: string, next: (sub: unknown, indent?: string) => string): string {
  const properties = isSchema(schema['properties']) ? schema['properties'] : {};
  const required = new Set(
    Array.isArray(schema['required']) ? schema['required'].filter((k) => typeof k === 'string') : [],
  );
  const additional = schema['additionalProperties'];
  const inner = `${indent}  `;
  const members: string[] = [];
  for (const [name, sub] of Object.entries(properties)) {
    const doc = isSchema(sub) ? docComment(schemaDoc(sub), inner) : '';
    members.push(`${doc}${inner}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${next(sub, inner)};`);
  }
  const hasProperties = members.length > 0;
  if (additional !== undefined && additional !== false) {
    // A named property must fit the index signature, so with named properties the index type is `unknown`.
    const valueType = hasProperties || additional === true ? 'unknown' : next(additional, inner);
    members.push(`${inner}[key: string]: ${valueType};`);
  }
  if (members.length === 0) return additional === false ? 'Record<string, never>' : 'Record<string, unknown>';
  return `{\n${members.join('\n')}\n${indent}}`;
}

/** Whether the tool can be called without arguments (no required property). */
function argumentsOptional(inputSchema: Schema): boolean {
  return !Array.isArray(inputSchema['required']) || inputSchema['required'].length === 0;
}

/** One tool's method in its server's block: JSDoc from the description, typed arguments and result. */
export function generateToolDeclaration(tool: CodeToolInfo, indent = '    '): string {
  const result = tool.outputSchema ? schemaToType(tool.outputSchema, indent) : 'string';
  const returns = tool.outputSchema
    ? '@returns the structured result'
    : '@returns the text result (parse it yourself if it is JSON)';
  const doc = docComment([tool.description, returns], indent);
  const args = `args${argumentsOptional(tool.inputSchema) ? '?' : ''}: ${schemaToType(tool.inputSchema, indent)}`;
  return `${doc}${indent}${propertyKey(tool.name)}(${args}): Promise<${result}>;`;
}

/** The declaration module of one server: an `interface Servers` block that merges with the others. */
export function generateServerModule(server: string, tools: readonly CodeToolInfo[]): string {
  const own = tools.filter((tool) => tool.server === server);
  const methods = own.map((tool) => generateToolDeclaration(tool)).join('\n');
  const count = `${own.length} tool${own.length === 1 ? '' : 's'}`;
  return `interface Servers {\n  /** MCP server ${JSON.stringify(server)} (${count}). */\n  ${propertyKey(server)}: {\n${methods}\n  };\n}\n`;
}

/** The ambient declarations every program sees, before the server modules. */
export const DECLARATIONS_HEADER = `/** The tools, by server: \`await servers.<server>.<tool>(args)\`. A failed call throws an Error. */
declare const servers: Servers;
/** The JSON input of a skill run (run_skill's \`input\`); undefined in execute_code. */
declare const input: unknown;
`;

/** The declarations of every given tool: the header, then one module per server in order of appearance. */
export function generateDeclarations(
  tools: readonly CodeToolInfo[],
  options: { header?: boolean } = {},
): string {
  const servers = [...new Set(tools.map((tool) => tool.server))];
  const modules = servers.map((server) => generateServerModule(server, tools));
  return [...(options.header === false ? [] : [DECLARATIONS_HEADER]), ...modules].join('\n');
}
