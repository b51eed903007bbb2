// The ontology benchmark's baseline: a bare Fastify route that looks an object up by primary key
// with `pg` in the same PostgreSQL table the server indexed (no auth, no audit, no metrics).
// Arguments: <port> <database url> <JSON { table, columns: { property: column }, primaryKey }>.
import Fastify from 'fastify';
import pg from 'pg';

const [port = '0', url, specText] = process.argv.slice(2);
const spec = JSON.parse(specText);
const names = Object.keys(spec.columns);
const quote = (id) => `"${id.replace(/"/g, '""')}"`;
const text = `select ${names.map((n) => `${quote(spec.columns[n])} as ${quote(n)}`).join(', ')} from ontology_index.${quote(spec.table)} where ${quote(spec.columns[spec.primaryKey])} = $1 limit 1`;
// Dates as the API writes them (YYYY-MM-DD), not as JavaScript Dates.
pg.types.setTypeParser(1082, (v) => v);
// The server's pool size (libs/db).
const pool = new pg.Pool({ connectionString: url, max: 10 });

const app = Fastify({ logger: false });
app.get('/objects/:pk', async (request, reply) => {
  const { rows } = await pool.query(text, [request.params.pk]);
  if (!rows.length) return reply.code(404).send({ errorCode: 'NOT_FOUND' });
  return rows[0];
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write(`READY ${app.server.address().port}\n`);
process.on('SIGTERM', () => void app.close().then(() => pool.end()).then(() => process.exit(0)));
