#!/usr/bin/env node
// Writes src/trust/node_roots.pem: the root certificates compiled into this
// `node` (require('tls').rootCertificates), in Node's order, with a header
// naming the Node.js and OpenSSL versions. tlscheck embeds the file as
// Node's bundled store; tests/trust_stores.rs compares it with the installed
// node and asks for this script to be run again when they differ.
//
// Usage: node tests/drivers/node/export-roots.js [output.pem]
// (default: src/trust/node_roots.pem of this repository)
'use strict';

const fs = require('fs');
const path = require('path');
const tls = require('tls');

const out = process.argv[2] || path.join(__dirname, '..', '..', '..', 'src', 'trust', 'node_roots.pem');
const roots = tls.rootCertificates;
if (!Array.isArray(roots) || roots.length === 0) {
  console.error('tls.rootCertificates is empty: nothing to export');
  process.exit(1);
}

const header = [
  `# Node.js ${process.version} (OpenSSL ${process.versions.openssl}): require('tls').rootCertificates`,
  `# ${roots.length} certificates, in Node's order.`,
  '#',
  '# These are public root certificates from Mozilla\'s NSS list, as compiled',
  `# into the Node.js ${process.version} release (src/node_root_certs.h).`,
  '# Written by tests/drivers/node/export-roots.js; do not edit by hand: run',
  '# `node tests/drivers/node/export-roots.js` with the Node.js release wanted.',
  '',
];

const body = roots.map((pem) => pem.trim() + '\n').join('');
fs.writeFileSync(out, header.join('\n') + '\n' + body);
console.log(`wrote ${roots.length} roots of Node.js ${process.version} (OpenSSL ${process.versions.openssl}) to ${out}`);
