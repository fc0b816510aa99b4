// The tiers on real PostgreSQL, NATS and Redis (and the browser's on the booted platform) get 30 s per test and hook:
// a database dropped or a stream deleted on a loaded 2-core CI machine can take more than Jest's 5 s default, and a
// test that hangs still fails. Set here, before each file, because Jest does not take `testTimeout` from a project's
// own configuration; a file may still set a longer one itself.
jest.setTimeout(30_000);
