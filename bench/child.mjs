// Shared by the bench's child servers: announce the port, and never outlive
// the harness, even if it was killed hard.
export function listenAsChild(server, port) {
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`ready ${server.address().port}\n`);
  });
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 500).unref();
  process.on('SIGTERM', () => process.exit(0));
}
