/**
 * Pattern signatures of tasks no known domain fits, so that "the same kind of task again" can be counted
 * without a model call: the task's first verb and its first noun-like keywords.
 *
 * Without a part-of-speech tagger, "verb" means the first content word: tasks are written as imperatives
 * ("Resize image 7 to 200px"), and polite or filler openers ("please", "can you") are skipped first. Keywords
 * are the following content words in order, with stop words, numbers and words containing digits (ids,
 * sizes, dates) dropped, and a plural "s" trimmed, so that "Resize images 7 and 8" and "resize the image 9"
 * share the signature `resize:image`. Keeping the order (not sorting) keeps "convert csv to json" apart from
 * "convert json to csv".
 */
export function patternSignature(task: string, options: { keywords?: number } = {}): string {
  const keywords = options.keywords ?? 2;
  const words = task
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 1 && !/\d/.test(word));
  let start = 0;
  while (start < words.length && OPENERS.has(words[start] as string)) start++;
  const verb = words[start];
  if (verb === undefined) return '(empty)';
  const nouns: string[] = [];
  for (const word of words.slice(start + 1)) {
    if (nouns.length >= keywords) break;
    if (STOP_WORDS.has(word) || OPENERS.has(word)) continue;
    const noun = singular(word);
    if (!nouns.includes(noun)) nouns.push(noun);
  }
  return `${verb}:${nouns.join('+')}`;
}

function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

const OPENERS = new Set([
  'please',
  'kindly',
  'can',
  'could',
  'would',
  'will',
  'you',
  'help',
  'me',
  'us',
  'i',
  'we',
  'need',
  'want',
  'like',
  'to',
  'hi',
  'hello',
  'hey',
]);

const STOP_WORDS = new Set(
  (
    'a an the this that these those my our your their its his her of to in on at by for from with into onto ' +
    'about as and or but so than then if when it is are was were be been being do does did have has had not ' +
    'no all any some each every new old up down out over under again very just also only more most less ' +
    'same other such own what which who whom whose how why where there here them they him she he one two'
  ).split(' '),
);
