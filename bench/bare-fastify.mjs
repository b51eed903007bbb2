// The baseline: a bare Fastify route returning a user-shaped JSON object, no auth, no database.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const user = {
  id: '0b6c5d86-6d7e-4a44-8a49-3c1f3a3f3c11',
  username: 'admin@example.test',
  givenName: 'Bench',
  familyName: 'Admin',
  email: 'admin@example.test',
  realm: 'palantir-internal-realm',
  organization: 'ri.multipass..organization.5b8d0f39-3f5a-4c8f-a3b1-1f0d2a3c4b5d',
  status: 'ACTIVE',
  attributes: {},
};
app.get('/user', async () => user);
await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
process.stdout.write(`READY ${app.server.address().port}\n`);
