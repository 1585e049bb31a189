#!/usr/bin/env node
// Runs the TypeScript CLI straight from source (tsx), so `npx buzzfinder` never serves a stale build.
require('tsx/cjs');
require('../cli/main.ts');
