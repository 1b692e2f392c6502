/** Words too common in tool descriptions to tell tools apart. */
const stopWords = new Set(
  'a an and are as at be by can for from get has have in into is it its of on or that the this to with which will you your use used using when all any one'.split(
    ' ',
  ),
);

/**
 * Light suffix stripping (not a full Porter stemmer): enough that "files"/"file", "entities"/"entity",
 * "reading"/"read", "created"/"create" meet. Short words are left alone so "news" or "is" stay what they are.
 */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ing') && word.length > 5) return undouble(word.slice(0, -3));
  if (word.endsWith('ed') && word.length > 4) return undouble(word.slice(0, -2));
  if (word.endsWith('es') && /(?:x|ch|sh|ss|zz)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us')) return word.slice(0, -1);
  return word;
}

/** "running" → "runn" → "run"; keeps "ll"/"ss" (e.g. "called" → "call"). */
function undouble(word: string): string {
  const last = word.at(-1);
  if (word.length > 3 && last === word.at(-2) && last !== 'l' && last !== 's') return word.slice(0, -1);
  // "created" → "creat" → "create": the bare form usually ends in e when the stem ends in a consonant + t/z/v.
  if (/[^aeiou][aeiou](?:t|z|v|c)$/.test(word) || /at$/.test(word)) return `${word}e`;
  return word;
}

/**
 * Splits text into search terms: snake_case, camelCase, kebab-case, dotted and spaced words all break apart
 * (`readTextFile`, `read_text_file` and `read-text-file` give the same terms), lower-cased, stop words dropped,
 * stemmed.
 */
export function tokenize(text: string | undefined): string[] {
  if (!text) return [];
  const spaced = text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
  const terms: string[] = [];
  for (const word of spaced.split(/[^a-z0-9]+/)) {
    if (!word || stopWords.has(word)) continue;
    terms.push(stem(word));
  }
  return terms;
}
