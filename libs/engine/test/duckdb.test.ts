import { describe, expect, it } from 'vitest';
import { FailedPreconditionError, InvalidArgumentError } from '@openfoundry/kernel';
import { createEngine } from '../src/duckdb.js';

describe('Engine', () => {
  it('applies its options and works in UTC', async () => {
    const engine = await createEngine({ threads: 1, memoryLimit: '256MB' });
    try {
      const row = await engine.withConnection(async (c) =>
        (await c.runAndReadAll("SELECT current_setting('threads'), current_setting('TimeZone'), TIMESTAMP '2024-01-01 10:00'::TIMESTAMPTZ::VARCHAR")).getRows()[0],
      );
      expect(row).toEqual([1n, 'UTC', '2024-01-01 10:00:00+00']);
    } finally {
      engine.close();
    }
  });

  it('gives each operation its own connection and closes it when the operation throws', async () => {
    const engine = await createEngine({ threads: 1 });
    try {
      await expect(engine.withConnection((c) => c.run('SELECT * FROM no_such_table'))).rejects.toThrow(/no_such_table/);
      // Temporary tables are per connection: a second operation does not see the first one's.
      await engine.withConnection((c) => c.run('CREATE TEMP TABLE t AS SELECT 1 AS x'));
      await expect(engine.withConnection((c) => c.run('SELECT * FROM t'))).rejects.toThrow(/t/);
    } finally {
      engine.close();
    }
  });

  it('refuses work after close, and close is idempotent', async () => {
    const engine = await createEngine();
    engine.close();
    engine.close();
    await expect(engine.connect()).rejects.toBeInstanceOf(FailedPreconditionError);
  });

  it('refuses a nonsensical thread count', async () => {
    await expect(createEngine({ threads: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
