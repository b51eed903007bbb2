import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@openfoundry/kernel';
import { readingsOf, scanQuery } from '../src/references.js';

/** Finding the datasets a query names, without being fooled by strings and comments. */
describe('scanQuery', () => {
  it('finds dataset paths and RIDs in double quotes and backticks, once each, and rewrites backticks', () => {
    const rid = 'ri.foundry.main.dataset.0f0e';
    const r = scanQuery(`SELECT * FROM "/A/B/sales" s JOIN \`${rid}\` t ON s.id = t.id JOIN "/A/B/sales" x USING (id) WHERE "amount" > 1`);
    expect(r.identifiers).toEqual(['/A/B/sales', rid]);
    expect(r.sql).toBe(`SELECT * FROM "/A/B/sales" s JOIN "${rid}" t ON s.id = t.id JOIN "/A/B/sales" x USING (id) WHERE "amount" > 1`);
  });

  it('ignores what is inside strings, comments and dollar quotes, and keeps doubled quotes', () => {
    const r = scanQuery(`SELECT '"/A/not" it''s', $$ "/A/dollar" $$ -- "/A/line"
      /* "/A/block" */ FROM "/A/with ""quotes"""`);
    expect(r.identifiers).toEqual(['/A/with "quotes"']);
    expect(r.sql).toContain('"/A/with ""quotes"""');
  });

  it('refuses an unterminated identifier', () => {
    expect(() => scanQuery('SELECT * FROM "/A/B')).toThrow(InvalidArgumentError);
  });
});

describe('readingsOf', () => {
  it('reads a trailing @ as a branch or transaction, and tries the whole name first', () => {
    expect(readingsOf('/A/sales')).toEqual([{ name: '/A/sales', target: '/A/sales' }]);
    expect(readingsOf('/A/sales@feature')).toEqual([
      { name: '/A/sales@feature', target: '/A/sales@feature' },
      { name: '/A/sales@feature', target: '/A/sales', branch: 'feature' },
    ]);
    expect(readingsOf('/A/sales@ri.foundry.main.transaction.1a')[1]).toEqual({ name: '/A/sales@ri.foundry.main.transaction.1a', target: '/A/sales', transactionRid: 'ri.foundry.main.transaction.1a' });
    expect(readingsOf('amount')).toEqual([]);
    expect(readingsOf('ri.foundry.main.folder.x')).toEqual([]);
  });
});
