/* global require, process */
// Preloaded with NODE_OPTIONS="--require bench/cpu-profile.js" (Node refuses --cpu-prof there): profiles
// the process with the inspector from SIGUSR2 on (so startup is left out) and writes
// CPU_PROFILE_DIR/<pid>.cpuprofile when it exits.
const { Session } = require('inspector');
const { mkdirSync, writeFileSync } = require('fs');
const { join } = require('path');

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  let started = false;
  process.on('SIGUSR2', () => {
    if (started) return;
    started = true;
    session.post('Profiler.start');
  });
  // An in-process session answers synchronously, so this works inside the synchronous 'exit' event.
  process.on('exit', () => {
    if (!started) return;
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
