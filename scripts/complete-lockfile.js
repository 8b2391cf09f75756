'use strict';
// The npm registry reachable here does not serve the macOS and Windows builds of native packages
// (@swc/core-*, @unrs/resolver-binding-*), so `npm install` leaves them out of package-lock.json,
// and `npm ci` then refuses the lock ("Missing: … from lock file"). This adds an entry for every
// optional platform package that is missing, with the os/cpu/libc its name states, so npm ci
// skips it on other platforms without fetching it. Run it after `npm install` changes the lock.
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const OS = ['darwin', 'win32', 'linux', 'android', 'freebsd', 'openharmony', 'sunos', 'aix'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32'];

let added = 0;
for (const entry of Object.values(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key]) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.find((part) => OS.includes(part));
    const cpu =
      parts.find((part) => CPU.includes(part)) ?? (parts.includes('eabi') ? 'arm' : undefined);
    if (!os || !cpu) continue;
    lock.packages[key] = {
      version,
      cpu: [cpu],
      optional: true,
      os: [os],
      ...(parts.includes('musl') || parts.includes('musleabihf') ? { libc: ['musl'] } : {}),
      ...(parts.includes('gnu') || parts.includes('gnueabihf') ? { libc: ['glibc'] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a.localeCompare(b),
  ),
);
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
process.stdout.write(`complete-lockfile: added ${added} platform entries\n`);
