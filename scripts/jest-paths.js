// Maps the tsconfig path aliases (@platform/*) for jest, so there is one list of aliases.
const path = require('path');
const tsconfig = require(path.join(__dirname, '..', 'tsconfig.json'));
function pathsToModuleNameMapper() {
  const map = {};
  for (const [alias, targets] of Object.entries(tsconfig.compilerOptions.paths)) {
    map[`^${alias.replace('/', '\\/')}$`] = path.join(__dirname, '..', targets[0]);
  }
  return map;
}
module.exports = { pathsToModuleNameMapper };
