#!/usr/bin/env node
// Runner for the Node.js drivers pg, mysql2 and mongodb: the protocol is in
// ../README.md. One JSON case per stdin line, one JSON answer per stdout
// line, in order; a failed connection is an answer, never an exit code.
//
// The configurations (what each driver's documentation tells users to write):
//   pg       verify: postgres://…?sslmode=verify-full&sslrootcert=CA
//            (pg-connection-string; without a CA: Node's bundled roots)
//            no-verify: postgres://…?sslmode=no-verify (pg's own spelling:
//            encrypt, check nothing; the CA is not passed)
//   mysql2   verify: { ssl: { ca } } (rejectUnauthorized defaults to true;
//            mysql2 does not check the host name unless verifyIdentity: true)
//            no-verify: { ssl: { rejectUnauthorized: false } }
//   mongodb  verify: mongodb://…/?tls=true&tlsCAFile=CA
//            no-verify: mongodb://…/?tls=true&tlsInsecure=true
//
// An optional `variant` field in a case picks another configuration of the
// same driver (research only; the suite does not send it): see VARIANTS.
'use strict';

const fs = require('fs');
const readline = require('readline');
const path = require('path');

const versionOf = (name) => {
  try {
    return require(path.join(__dirname, 'node_modules', name, 'package.json')).version;
  } catch {
    return null;
  }
};

const firstLine = (s) => String(s ?? '').split('\n')[0];

// Configurations per driver, by variant name. `verify` and `no-verify` are
// the protocol's; the others are for research.
const VARIANTS = {
  pg: {
    verify: { sslmode: 'verify-full', passCa: true },
    'no-verify': { sslmode: 'no-verify', passCa: false },
    require: { sslmode: 'require', passCa: false },
    'require+ca': { sslmode: 'require', passCa: true },
    'verify-ca': { sslmode: 'verify-ca', passCa: true },
    prefer: { sslmode: 'prefer', passCa: true },
    'libpq-require': { sslmode: 'require', passCa: false, libpq: true },
    'libpq-require+ca': { sslmode: 'require', passCa: true, libpq: true },
    'libpq-verify-ca': { sslmode: 'verify-ca', passCa: true, libpq: true },
    'libpq-verify-full': { sslmode: 'verify-full', passCa: true, libpq: true },
    'libpq-prefer': { sslmode: 'prefer', passCa: false, libpq: true },
    disable: { sslmode: 'disable', passCa: false },
    none: { sslmode: null, passCa: false },
  },
  mysql2: {
    verify: { ssl: (ca) => (ca ? { ca: 'FILE' } : {}), mode: 'verify-ca' },
    'no-verify': { ssl: () => ({ rejectUnauthorized: false }), mode: 'require' },
    'verify-identity': {
      ssl: (ca) => (ca ? { ca: 'FILE', verifyIdentity: true } : { verifyIdentity: true }),
      mode: 'verify-full',
    },
    none: { ssl: () => null, mode: 'disable' },
  },
  mongodb: {
    verify: { params: (ca) => (ca ? { tls: 'true', tlsCAFile: ca } : { tls: 'true' }) },
    'no-verify': { params: () => ({ tls: 'true', tlsInsecure: 'true' }) },
    'allow-invalid-certificates': {
      params: (ca) => ({ tls: 'true', ...(ca ? { tlsCAFile: ca } : {}), tlsAllowInvalidCertificates: 'true' }),
    },
    'allow-invalid-hostnames': {
      params: (ca) => ({ tls: 'true', ...(ca ? { tlsCAFile: ca } : {}), tlsAllowInvalidHostnames: 'true' }),
    },
    'ca-only': { params: (ca) => (ca ? { tlsCAFile: ca } : {}) },
    none: { params: () => ({}) },
  },
};

const hostPort = (c) => `${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`;

async function runPg(c, v, timeoutMs) {
  const { Client } = require('pg');
  const params = new URLSearchParams();
  if (v.libpq) params.set('uselibpqcompat', 'true');
  if (v.sslmode) params.set('sslmode', v.sslmode);
  if (v.passCa && c.ca) params.set('sslrootcert', c.ca);
  const user = encodeURIComponent(c.user || 'tlscheck');
  const db = encodeURIComponent(c.database || 'postgres');
  // URLSearchParams would encode '/' in the CA path; pg-connection-string
  // decodes either form, and users write the path as is.
  const query = [...params].map(([k, val]) => `${k}=${k === 'sslrootcert' ? val : encodeURIComponent(val)}`).join('&');
  const url = `postgres://${user}@${hostPort(c)}/${db}${query ? `?${query}` : ''}`;
  const answer = {
    config: `connectionString ${url}`,
    tlscheck: ['--client', 'node-postgres', url],
  };
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', (e) => console.error(`[${c.id}] pg client error after connect: ${e.message}`));
  const cleanup = () => client.end().catch(() => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ...answer, ok: true, auth_refused: false, error: null, cleanup };
  } catch (e) {
    const sqlstate = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : null;
    const refused = sqlstate !== null && sqlstate.startsWith('28');
    return { ...answer, ok: refused, auth_refused: refused, error: firstLine(e.message), code: e.code ?? null, cleanup };
  }
}

async function runMysql2(c, v, timeoutMs) {
  const mysql = require('mysql2');
  let ssl = v.ssl(c.ca);
  let shown = 'no ssl option';
  if (ssl) {
    const parts = Object.entries(ssl).map(([k, val]) =>
      k === 'ca' ? `ca: fs.readFileSync(${JSON.stringify(c.ca)})` : `${k}: ${JSON.stringify(val)}`
    );
    shown = `ssl: { ${parts.join(', ')} }`.replace('{  }', '{}');
    if (ssl.ca === 'FILE') ssl = { ...ssl, ca: fs.readFileSync(c.ca) };
  }
  const tlscheck = ['--client', 'mysql2', '--protocol', 'mysql', '--mode', v.mode];
  if (c.ca && ssl && ssl.ca) tlscheck.push('--ca-file', c.ca);
  tlscheck.push(hostPort(c));
  const answer = { config: `mysql.createConnection({host, port, user, ${shown}})`, tlscheck };
  const opts = {
    host: c.host,
    port: c.port,
    user: c.user || 'tlscheck',
    database: c.database || undefined,
    connectTimeout: timeoutMs,
  };
  if (ssl) opts.ssl = ssl;
  // mysql2's database is optional; a database the user may not see would
  // turn an auth success into 1044, so only pass what the case asks for.
  if (!c.database || c.database === 'postgres') delete opts.database;
  const conn = mysql.createConnection(opts);
  conn.on('error', (e) => console.error(`[${c.id}] mysql2 connection error: ${e.message}`));
  const cleanup = () => {
    try {
      conn.destroy();
    } catch {}
  };
  try {
    await conn.promise().query('SELECT 1');
    return { ...answer, ok: true, auth_refused: false, error: null, cleanup };
  } catch (e) {
    const refused = e.errno === 1045;
    return { ...answer, ok: refused, auth_refused: refused, error: firstLine(e.message), code: e.code ?? null, cleanup };
  }
}

async function runMongo(c, v, timeoutMs) {
  const { MongoClient } = require('mongodb');
  const params = v.params(c.ca);
  const query = Object.entries(params).map(([k, val]) => `${k}=${val}`).join('&');
  const url = `mongodb://${hostPort(c)}/${query ? `?${query}` : ''}`;
  const answer = { config: `new MongoClient(${JSON.stringify(url)})`, tlscheck: ['--client', 'node-mongodb', url] };
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    monitorCommands: false,
  });
  // Server selection waits its whole timeout after a failed hello; the first
  // failed heartbeat already holds the error it would report, and a
  // certificate failure does not change on a retry. Stop there.
  let heartbeatFailure = null;
  const failedFast = new Promise((resolve) => {
    client.on('serverHeartbeatFailed', (ev) => {
      if (heartbeatFailure === null) {
        heartbeatFailure = ev.failure;
        resolve();
      }
    });
  });
  const cleanup = () => client.close(true).catch(() => {});
  try {
    const work = (async () => {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      return true;
    })();
    work.catch(() => {});
    const done = await Promise.race([work, failedFast.then(() => false)]);
    if (done === true) return { ...answer, ok: true, auth_refused: false, error: null, cleanup };
    const e = heartbeatFailure;
    return { ...answer, ok: false, auth_refused: false, error: firstLine(e && e.message), code: (e && (e.cause?.code ?? e.code)) ?? null, cleanup };
  } catch (e) {
    const refused = e && (e.code === 18 || e.codeName === 'AuthenticationFailed');
    const cause = e && e.cause;
    return {
      ...answer,
      ok: !!refused,
      auth_refused: !!refused,
      error: firstLine(e && e.message),
      code: (cause && cause.code) ?? (e && e.code) ?? null,
      cleanup,
    };
  }
}

const RUNNERS = { pg: runPg, mysql2: runMysql2, mongodb: runMongo };

async function handle(c) {
  const driver = c.driver;
  const base = { id: c.id ?? null, driver, version: versionOf(driver) };
  const variants = VARIANTS[driver];
  if (!variants) {
    return { ...base, ok: false, auth_refused: false, error: `runner: unknown driver ${JSON.stringify(driver)}`, config: null, tlscheck: null };
  }
  const name = c.variant || (c.verify ? 'verify' : 'no-verify');
  const v = variants[name];
  if (!v) {
    return { ...base, ok: false, auth_refused: false, error: `runner: unknown variant ${JSON.stringify(name)}`, config: null, tlscheck: null };
  }
  const timeoutMs = Math.max(1, Number(c.timeout_s) || 10) * 1000;
  let timer;
  // The driver's own timeouts come first; this one answers when a driver
  // does not give up by itself.
  const hard = new Promise((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, auth_refused: false, error: `runner: no answer from ${driver} within ${timeoutMs + 2000} ms`, config: null, tlscheck: null }),
      timeoutMs + 2000
    );
  });
  let r;
  try {
    r = await Promise.race([RUNNERS[driver](c, v, timeoutMs), hard]);
  } catch (e) {
    r = { ok: false, auth_refused: false, error: `runner: ${firstLine(e && e.stack)}`, config: null, tlscheck: null };
  }
  clearTimeout(timer);
  if (r.cleanup) {
    // Closing must not hold the next case up for long.
    await Promise.race([Promise.resolve().then(r.cleanup), new Promise((res) => setTimeout(res, 1000).unref())]);
  }
  const out = { ...base, ok: r.ok, auth_refused: r.auth_refused, error: r.error, config: r.config, tlscheck: r.tlscheck };
  if (name !== 'verify' && name !== 'no-verify') out.variant = name;
  if (r.code !== undefined && r.code !== null) out.code = String(r.code);
  return out;
}

process.on('uncaughtException', (e) => console.error(`runner: uncaught: ${e && e.stack}`));
process.on('unhandledRejection', (e) => console.error(`runner: unhandled rejection: ${e && e.stack}`));

async function main() {
  // Whole-process guard: RUNNER_MAX_S (default 600) bounds everything.
  const maxS = Number(process.env.RUNNER_MAX_S) || 600;
  setTimeout(() => {
    console.error(`runner: giving up after ${maxS} s`);
    process.exit(0);
  }, maxS * 1000).unref();

  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    let c;
    try {
      c = JSON.parse(line);
    } catch (e) {
      process.stdout.write(JSON.stringify({ id: null, ok: false, auth_refused: false, error: `runner: bad case: ${e.message}` }) + '\n');
      continue;
    }
    const answer = await handle(c);
    process.stdout.write(JSON.stringify(answer) + '\n');
  }
  // Drivers may keep sockets or timers alive: leave once stdout is flushed.
  process.stdout.write('', () => process.exit(0));
}

main();
