/**
 * Turns a reply draft into what is actually sent: the continuation after an assistant prefill,
 * token-sized pieces for streaming, `max_tokens` truncation, the malformed-JSON fault and the completion
 * token count.
 */
import type { Tokenizer } from '../../models/types.js';
import { fillerText } from './random.js';
import type { ReplyDraft } from './rules.js';

/** A token-sized fragment of output; `tokens` is how many model tokens it stands for. */
export interface Piece {
  text: string;
  tokens: number;
}

export interface GeneratedToolCall {
  idHash: string;
  name: string;
  arguments: string;
  pieces: Piece[];
}

export type GenerationFinish = 'stop' | 'tool_calls' | 'length';

export interface Generation {
  text: string;
  textPieces: Piece[];
  toolCalls: GeneratedToolCall[];
  finish: GenerationFinish;
  completionTokens: number;
  /** The tool-call arguments were deliberately corrupted. */
  malformed: boolean;
}

/**
 * Splits text into token-sized pieces whose concatenation is the text. Tokens that end inside a multi-byte
 * character are merged with the next ones, since a lone half-character cannot be sent as a string.
 */
export function splitIntoPieces(tokenizer: Tokenizer, text: string): Piece[] {
  if (text === '') return [];
  const pieces: Piece[] = [];
  let pending: number[] = [];
  for (const token of tokenizer.encode(text)) {
    pending.push(token);
    const decoded = tokenizer.decode(pending);
    if (!decoded.endsWith('\uFFFD') || pending.length >= 8) {
      pieces.push({ text: decoded, tokens: pending.length });
      pending = [];
    }
  }
  if (pending.length > 0) pieces.push({ text: tokenizer.decode(pending), tokens: pending.length });
  // Tokenisers round-trip text, but if one ever did not, sending the text whole keeps the reply exact.
  if (pieces.map((piece) => piece.text).join('') !== text) {
    return [{ text, tokens: tokenizer.count(text) }];
  }
  return pieces;
}

/** Cuts the arguments in half: never valid JSON for an object, and plausibly what a broken model sends. */
export function corruptArguments(args: string): string {
  return args.slice(0, Math.max(1, Math.floor(args.length / 2)));
}

export interface GenerationInput {
  draft: ReplyDraft;
  tokenizer: Tokenizer;
  /** Most tokens that may be generated: min(max_tokens, what is left of the window). */
  budget: number;
  /** Length of filler text when the draft gives none. */
  defaultReplyTokens: number;
  seed: number;
  conversationKey: string;
  malformToolJson: boolean;
  /**
   * Text the client already has (an assistant prefill). The reply's text is sent from where it stops
   * agreeing with the prefill; tool calls follow as usual.
   */
  prefill: string | undefined;
}

/** Length of the longest common prefix of two strings, in UTF-16 code units. */
export function commonPrefixLength(a: string, b: string): number {
  const limit = Math.min(a.length, b.length);
  let index = 0;
  while (index < limit && a.charCodeAt(index) === b.charCodeAt(index)) index += 1;
  return index;
}

function takePieces(pieces: Piece[], budget: number): { taken: Piece[]; used: number; cut: boolean } {
  const taken: Piece[] = [];
  let used = 0;
  for (const piece of pieces) {
    if (used + piece.tokens > budget) return { taken, used, cut: true };
    taken.push(piece);
    used += piece.tokens;
  }
  return { taken, used, cut: false };
}

export function buildGeneration(input: GenerationInput): Generation {
  const { draft, tokenizer } = input;
  const wanted = draft.completionTokens ?? input.defaultReplyTokens;
  const fullText = draft.text ?? fillerText(tokenizer, wanted, input.seed, input.conversationKey);
  const malformed = input.malformToolJson && draft.toolCalls.length > 0;
  const skip = input.prefill === undefined ? 0 : commonPrefixLength(fullText, input.prefill);

  let remaining = input.budget;
  let cut = false;
  const text = takePieces(splitIntoPieces(tokenizer, fullText.slice(skip)), remaining);
  remaining -= text.used;
  cut = text.cut;

  const toolCalls: GeneratedToolCall[] = [];
  for (const call of draft.toolCalls) {
    if (cut) break;
    const args = malformed ? corruptArguments(call.arguments) : call.arguments;
    const taken = takePieces(splitIntoPieces(tokenizer, args), remaining);
    remaining -= taken.used;
    cut = taken.cut;
    toolCalls.push({
      idHash: call.idHash,
      name: call.name,
      arguments: taken.taken.map((piece) => piece.text).join(''),
      pieces: taken.taken,
    });
  }

  const emitted = input.budget - remaining;
  // A scripted `completionTokens` stands for a longer generation than the text shows (to load a
  // benchmark); it is still bounded by what the request allowed.
  const overridden = draft.completionTokens !== undefined && draft.text !== undefined;
  // The scripted count stands for the whole reply, so a continuation owes what its prefill did not cover.
  const owed =
    overridden && skip > 0 ? Math.max(0, wanted - tokenizer.count(fullText.slice(0, skip))) : wanted;
  const completionTokens = overridden ? Math.min(owed, input.budget) : emitted;
  const lengthCut = cut || (overridden && owed > input.budget);
  return {
    text: text.taken.map((piece) => piece.text).join(''),
    textPieces: text.taken,
    toolCalls,
    finish: lengthCut ? 'length' : toolCalls.length > 0 ? 'tool_calls' : 'stop',
    completionTokens,
    malformed,
  };
}
