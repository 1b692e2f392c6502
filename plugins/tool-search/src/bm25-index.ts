import { tokenize } from './tokenize.js';

/** The searchable fields of a document; the server id is a field like any other. */
export const searchFields = ['name', 'title', 'description', 'arguments', 'server'] as const;
export type SearchField = (typeof searchFields)[number];

/**
 * How much a term counts in each field (BM25F). A hit in the tool's name says the most about what it does; the
 * description is longest and noisiest.
 */
export const defaultFieldWeights: Readonly<Record<SearchField, number>> = {
  name: 3,
  title: 2,
  description: 1,
  arguments: 1.5,
  server: 1.5,
};

export interface SearchDocument {
  /** What a hit returns (the exposed tool name). */
  readonly id: string;
  readonly fields: Partial<Record<SearchField, string>>;
}

export interface SearchHit {
  readonly id: string;
  readonly score: number;
}

interface IndexedDocument {
  readonly id: string;
  /** Per field: term → count. */
  readonly terms: Record<SearchField, Map<string, number>>;
  readonly lengths: Record<SearchField, number>;
}

/**
 * BM25F over a small set of documents (a tool catalog: tens to a few thousand). Built once per catalog change;
 * a search scores only the documents that hold a query term.
 */
export class Bm25Index {
  private readonly docs: IndexedDocument[];
  private readonly averageLength: Record<SearchField, number>;
  /** term → indexes of the documents holding it (in any field). */
  private readonly postings = new Map<string, number[]>();

  constructor(
    documents: readonly SearchDocument[],
    private readonly weights: Readonly<Record<SearchField, number>> = defaultFieldWeights,
    private readonly k1 = 1.2,
    private readonly b = 0.75,
  ) {
    this.docs = documents.map((doc) => indexDocument(doc));
    const totals = Object.fromEntries(searchFields.map((f) => [f, 0])) as Record<SearchField, number>;
    this.docs.forEach((doc, index) => {
      const seen = new Set<string>();
      for (const field of searchFields) {
        totals[field] += doc.lengths[field];
        for (const term of doc.terms[field].keys()) seen.add(term);
      }
      for (const term of seen) {
        const list = this.postings.get(term);
        if (list) list.push(index);
        else this.postings.set(term, [index]);
      }
    });
    const count = Math.max(1, this.docs.length);
    this.averageLength = Object.fromEntries(searchFields.map((f) => [f, totals[f] / count || 1])) as Record<SearchField, number>;
  }

  get size(): number {
    return this.docs.length;
  }

  /** The best `limit` documents for `query`, best first; documents matching no term are left out. */
  search(query: string, limit: number, accept: (id: string) => boolean = () => true): SearchHit[] {
    const terms = [...new Set(tokenize(query))];
    const scores = new Map<number, number>();
    for (const term of terms) {
      const holders = this.postings.get(term);
      if (!holders) continue;
      const idf = Math.log(1 + (this.docs.length - holders.length + 0.5) / (holders.length + 0.5));
      for (const index of holders) {
        const doc = this.docs[index]!;
        let weighted = 0;
        for (const field of searchFields) {
          const tf = doc.terms[field].get(term);
          if (!tf) continue;
          const norm = 1 - this.b + (this.b * doc.lengths[field]) / this.averageLength[field];
          weighted += (this.weights[field] * tf) / norm;
        }
        scores.set(index, (scores.get(index) ?? 0) + (idf * weighted) / (this.k1 + weighted));
      }
    }
    return [...scores]
      .map(([index, score]) => ({ id: this.docs[index]!.id, score }))
      .filter((hit) => accept(hit.id))
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, Math.max(0, limit));
  }
}

function indexDocument(doc: SearchDocument): IndexedDocument {
  const terms = {} as Record<SearchField, Map<string, number>>;
  const lengths = {} as Record<SearchField, number>;
  for (const field of searchFields) {
    const counts = new Map<string, number>();
    const words = tokenize(doc.fields[field]);
    for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
    terms[field] = counts;
    lengths[field] = words.length;
  }
  return { id: doc.id, terms, lengths };
}
