#!/usr/bin/env node
// `npx order-relay …`: the operator CLI (src/cli/order-relay.ts), run from its TypeScript source with tsx.
'use strict';
require('tsx/cjs');
require('../src/cli/order-relay.ts').main(process.argv.slice(2));
