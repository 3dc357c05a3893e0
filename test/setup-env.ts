// Runs in every test worker before its test files.
process.env.NODE_ENV = 'test';
