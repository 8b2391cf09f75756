'use strict';
// Copies the Grafana dashboards (deploy/grafana/dashboards/*.json, the ones docker compose
// provisions) into the Helm chart (helm/herald/dashboards/, shipped as ConfigMaps), and removes
// chart copies whose source is gone. `--check` changes nothing and exits 1 when they differ.
//
//   node scripts/sync-dashboards.js [--check]

const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'deploy', 'grafana', 'dashboards');
const target = path.join(root, 'helm', 'herald', 'dashboards');
const check = process.argv.includes('--check');

const jsonFiles = (dir) =>
  fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith('.json')) : [];

const wanted = jsonFiles(source);
if (wanted.length === 0) {
  console.error(`sync-dashboards: no dashboards in ${path.relative(root, source)}`);
  process.exit(1);
}
const differences = [];
for (const name of wanted) {
  const content = fs.readFileSync(path.join(source, name));
  const copy = path.join(target, name);
  if (fs.existsSync(copy) && fs.readFileSync(copy).equals(content)) continue;
  differences.push(`${name} ${fs.existsSync(copy) ? 'differs' : 'is missing'}`);
  if (!check) {
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(copy, content);
  }
}
for (const name of jsonFiles(target).filter((name) => !wanted.includes(name))) {
  differences.push(`${name} has no source`);
  if (!check) fs.unlinkSync(path.join(target, name));
}

if (check && differences.length > 0) {
  console.error(
    `sync-dashboards: helm/herald/dashboards is out of date (${differences.join('; ')}); ` +
      'run node scripts/sync-dashboards.js',
  );
  process.exit(1);
}
console.log(
  differences.length === 0
    ? `sync-dashboards: ${wanted.length} dashboards up to date`
    : `sync-dashboards: ${differences.join('; ')} — fixed`,
);
