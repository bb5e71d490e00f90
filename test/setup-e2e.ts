// End-to-end tests drive a real broker and real services; their waits are bounded inside each test.
jest.setTimeout(180_000);
