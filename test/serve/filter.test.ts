import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { parseFilter, type FilterItem } from '../../src/serve/filter.ts';

const items: FilterItem[] = [
  { id: '1', properties: { genre: 'Comedy', year: 1995, categories: ['Comedy', 'Romance'], date: '2001-05-01' } },
  { id: '2', properties: { genre: 'Comedy', year: 1985, categories: ['Comedy'] } },
  { id: '3', properties: { genre: 'Drama', year: '1999', categories: ['Drama', 'War'], adult: false } },
  { id: '4', properties: { genre: 'Comedy', year: 2003, date: '2003-01-01' } },
  { id: '5', properties: {} },
];

function ids(filter: string): string[] {
  const p = parseFilter(filter);
  return items.filter(p).map((i) => i.id);
}

test('filters: equality, ranges, in, not, and/or, parentheses', () => {
  const cases: [string, string[]][] = [
    ['genre = "Comedy"', ['1', '2', '4']],
    ['genre == "Comedy"', ['1', '2', '4']],
    ['genre != "Comedy"', ['3']],
    ['year >= 1990', ['1', '3', '4']],
    ['year > 1995', ['3', '4']],
    ['year < 1995', ['2']],
    ['year <= 1995', ['1', '2']],
    ['year = 1999', ['3']],
    ['genre = "Comedy" and year >= 1990 and not (id in ["1", "2"])', ['4']],
    ['genre = "Drama" or year < 1990', ['2', '3']],
    ['genre = "Drama" or year < 1990 and genre = "Comedy"', ['2', '3']],
    ['(genre = "Drama" or year < 1990) and genre = "Comedy"', ['2']],
    ['categories = "Comedy"', ['1', '2']],
    ['categories in ["War", "Romance"]', ['1', '3']],
    ['categories not in ["Comedy"]', ['3', '4', '5']],
    ['not genre = "Comedy"', ['3', '5']],
    ['NOT (genre = "Comedy") AND id != "5"', ['3']],
    ['adult = false', ['3']],
    ['date >= "2002-01-01"', ['4']],
    ['id in []', []],
    ['missing = 1', []],
    ['  year>=1990and genre="Comedy"', ['1', '4']],
  ];
  for (const [filter, expected] of cases) assert.deepEqual(ids(filter), expected, filter);
});

test('strings escape quotes and backslashes', () => {
  const p = parseFilter('title = "say \\"hi\\" \\\\o/"');
  assert.ok(p({ id: 'x', properties: { title: 'say "hi" \\o/' } }));
});

test('syntax errors are ConfigErrors that name the 1-based position', () => {
  const cases: [string, RegExp][] = [
    ['genre = ', /^filter: position 9: expected a value$/],
    ['', /position 1: the filter is empty/],
    ['genre = Comedy', /position 9: expected a value, got "Comedy" \(strings go in double quotes\)/],
    ['genre = "Comedy', /position 9: unterminated string/],
    ['(genre = "Comedy"', /position 18: expected "\)", got the end/],
    ['genre "Comedy"', /position 7: expected an operator/],
    ['genre = "Comedy" year > 3', /position 18: expected "and", "or" or the end, got "year"/],
    ['id in ["1" "2"]', /position 12: expected "," or "\]"/],
    ['id in "1"', /position 7: expected "\[" to start a list/],
    ['and = 3', /position 1: expected a field name, got "and"/],
    ['year ! 3', /position 6: unexpected "!"/],
    ['year = 3 ; drop', /position 10: unexpected ";"/],
    ['id not = "1"', /position 8: expected "in" after "not"/],
  ];
  for (const [filter, message] of cases) {
    assert.throws(
      () => parseFilter(filter),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
      `${filter} → ${message}`,
    );
  }
});

test('deep nesting and very long filters are refused, not a stack overflow', () => {
  assert.throws(() => parseFilter('('.repeat(1000) + 'a = 1' + ')'.repeat(1000)), /nested deeper than 64/);
  assert.throws(() => parseFilter('not '.repeat(500) + 'a = 1'), /nested deeper than 64/);
  assert.throws(() => parseFilter(`a = "${'x'.repeat(5000)}"`), /longer than 4096/);
});
