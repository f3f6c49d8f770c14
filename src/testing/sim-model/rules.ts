/**
 * Scripted replies: the first rule whose conditions all hold answers, and a rule with `times` stops
 * matching once used up. Matching happens when a request arrives, so `times` is consumed in arrival order.
 */
import type { Conversation, ConversationFacts } from './conversation.js';
import { conversationFacts, conversationKey } from './conversation.js';
import type { FaultKind, ResolvedSimRule } from './options.js';
import { hashHex } from './random.js';

/** A reply decided by the rules (or the default), before tokenisation and max_tokens are applied. */
export interface ReplyDraft {
  /** The matched rule's name or index, or undefined for the default reply. */
  rule: string | undefined;
  /** Undefined means "make up filler text". */
  text: string | undefined;
  toolCalls: DraftToolCall[];
  fault: FaultKind | undefined;
  completionTokens: number | undefined;
}

export interface DraftToolCall {
  /** Hex digest the dialect turns into `call_...` or `toolu_...`. */
  idHash: string;
  name: string;
  arguments: string;
}

const TEMPLATE = /\{\{\s*(lastUser|lastToolResult|toolName)\s*\}\}/g;

export function renderTemplate(text: string, facts: ConversationFacts): string {
  return text.replace(TEMPLATE, (_match, name: string) => {
    if (name === 'lastUser') return facts.lastUser;
    if (name === 'lastToolResult') return facts.lastToolResult;
    return facts.lastToolName;
  });
}

// Templates go into string values, not into the serialised JSON, so interpolated quotes stay valid JSON.
function renderValue(value: unknown, facts: ConversationFacts): unknown {
  if (typeof value === 'string') return renderTemplate(value, facts);
  if (Array.isArray(value)) return value.map((item) => renderValue(item, facts));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item, facts)]));
  }
  return value;
}

interface CompiledRule {
  label: string;
  rule: ResolvedSimRule;
  lastUser: RegExp | undefined;
  system: RegExp | undefined;
  remaining: number;
}

export class RuleBook {
  private compiled: CompiledRule[];

  constructor(
    private readonly rules: readonly ResolvedSimRule[],
    private readonly seed: number,
  ) {
    this.compiled = this.compile();
  }

  /** Restores every rule's `times` budget. */
  rewind(): void {
    this.compiled = this.compile();
  }

  private compile(): CompiledRule[] {
    return this.rules.map((rule, index) => ({
      label: rule.name ?? `#${index}`,
      rule,
      lastUser: rule.match.lastUser === undefined ? undefined : new RegExp(rule.match.lastUser, 'i'),
      system: rule.match.system === undefined ? undefined : new RegExp(rule.match.system, 'i'),
      remaining: rule.times ?? Number.POSITIVE_INFINITY,
    }));
  }

  private matches(entry: CompiledRule, facts: ConversationFacts, model: string): boolean {
    const { match } = entry.rule;
    if (entry.remaining <= 0) return false;
    if (entry.lastUser && !entry.lastUser.test(facts.lastUser)) return false;
    if (entry.system && !entry.system.test(facts.system)) return false;
    if (match.afterToolResult !== undefined && match.afterToolResult !== facts.afterToolResult) return false;
    if (match.toolResultFrom !== undefined && facts.finalToolName !== match.toolResultFrom) return false;
    if (match.hasTools !== undefined && match.hasTools !== facts.hasTools) return false;
    if (match.model !== undefined && match.model !== model) return false;
    return true;
  }

  /**
   * Picks the reply for a request and uses up one of the matched rule's `times`. `key` is the
   * conversation's `conversationKey`, when the caller has it already.
   */
  decide(conversation: Conversation, key = conversationKey(conversation)): ReplyDraft {
    const facts = conversationFacts(conversation);
    const entry = this.compiled.find((candidate) => this.matches(candidate, facts, conversation.model));
    if (!entry) {
      return {
        rule: undefined,
        text: undefined,
        toolCalls: [],
        fault: undefined,
        completionTokens: undefined,
      };
    }
    entry.remaining -= 1;
    const { reply } = entry.rule;
    const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
      idHash: hashHex('tool-call', this.seed, key, index),
      name: call.name,
      arguments:
        typeof call.arguments === 'string'
          ? call.arguments
          : JSON.stringify(renderValue(call.arguments, facts)),
    }));
    return {
      rule: entry.label,
      // A rule that only calls tools says nothing; only a rule with neither gets filler text.
      text:
        reply.text !== undefined ? renderTemplate(reply.text, facts) : toolCalls.length > 0 ? '' : undefined,
      toolCalls,
      fault: reply.fault,
      completionTokens: reply.completionTokens,
    };
  }
}
