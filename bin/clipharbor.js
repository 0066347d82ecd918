#!/usr/bin/env node
'use strict';

const fs = require('fs');
const path = require('path');

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `ClipHarbor needs Node 22 or newer (this is Node ${process.versions.node}, on which better-sqlite3 crashes); ` +
      'inside the project run `npx clipharbor`, which puts the bundled Node 22 first on PATH.',
  );
  process.exit(1);
}

const cli = path.join(__dirname, '..', 'out', 'main', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error(`ClipHarbor is not built yet (${cli} is missing): run \`npm run build\` in the project first.`);
  process.exit(1);
}

// The CLI runs itself only as the main module; required from here, it is started explicitly.
require(cli).run(process.argv.slice(2));
