// Before the tests: the dashboard's browser tests drive Debian's Chromium (no browser download).
// Installs the `chromium` package when it is missing and this runs as root with apt-get;
// otherwise says what to do, and the browser tests fail naming the same command.
import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const present = () => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

if (!present()) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (root && apt && !process.env.CHROMIUM_PATH) {
    process.stdout.write('installing Debian\'s chromium for the dashboard\'s browser tests (apt-get)...\n');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env }) : update;
    if (install.status !== 0 || !present()) process.stderr.write('could not install chromium: the dashboard\'s browser tests will fail\n');
  } else {
    process.stderr.write(`no Chromium at ${path}: the dashboard's browser tests need it (Debian: "sudo apt-get install chromium", or set CHROMIUM_PATH)\n`);
  }
}
