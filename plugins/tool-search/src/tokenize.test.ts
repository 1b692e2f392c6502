import { describe, expect, it } from 'vitest';
import { stem, tokenize } from './tokenize.js';

describe('tokenize', () => {
  it('splits snake_case, camelCase, kebab-case and dotted names into the same terms', () => {
    const expected = ['read', 'text', 'file'];
    expect(tokenize('read_text_file')).toEqual(expected);
    expect(tokenize('readTextFile')).toEqual(expected);
    expect(tokenize('read-text-file')).toEqual(expected);
    expect(tokenize('read.text.file')).toEqual(expected);
    expect(tokenize('HTMLParser getURL')).toEqual(['html', 'parser', 'url']);
  });

  it('drops stop words and lower-cases', () => {
    expect(tokenize('Read THE contents of a File')).toEqual(['read', 'content', 'file']);
    expect(tokenize(undefined)).toEqual([]);
  });

  it('stems plurals and verb forms lightly so they meet', () => {
    expect(stem('files')).toBe('file');
    expect(stem('entities')).toBe('entity');
    expect(stem('directories')).toBe('directory');
    expect(stem('reading')).toBe('read');
    expect(stem('running')).toBe('run');
    expect(stem('created')).toBe(stem('create'));
    expect(stem('matches')).toBe('match');
    expect(stem('called')).toBe('call');
    expect(stem('status')).toBe('status');
    expect(stem('has')).toBe('has');
  });
});
