// The swc options, written once in .swcrc: the source loader (scripts/register.js) and jest's transform
// both read them from here (decorator metadata on, as NestJS needs).
const { readFileSync } = require('fs');
const path = require('path');

const { $schema, ...options } = JSON.parse(readFileSync(path.join(__dirname, '..', '.swcrc'), 'utf8'));
// swcrc: false, so swc does not also look the file up on its own.
module.exports = { ...options, swcrc: false };
