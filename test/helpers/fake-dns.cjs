// Preloaded (node --require) into a real `switchyard serve` by
// test/e2e/ui-demo.test.ts: host lookups answered from a table instead of
// the network, so a test can show a name that resolves elsewhere without
// sending a DNS query off the machine. Test-only; never part of the app.
'use strict';
const dns = require('node:dns/promises');

/** SWITCHYARD_TEST_DNS: name=address pairs, comma-separated; any other name is not found. */
const table = new Map(
  (process.env.SWITCHYARD_TEST_DNS ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=')),
);

dns.lookup = async (host, options) => {
  const address = table.get(host);
  if (address === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
  const entry = { address, family: address.includes(':') ? 6 : 4 };
  return options && options.all ? [entry] : entry;
};
