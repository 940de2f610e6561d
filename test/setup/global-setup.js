// Runs in jest's parent process before any test file, outside of jest's module mapping, so it
// uses the compiled tools (`npm test` builds first). The environment it sets reaches every worker.
const path = require('node:path');

module.exports = async function globalSetup() {
  // `npm run test:unit` needs no infrastructure.
  if (process.env.TEST_INFRASTRUCTURE === 'none') return;
  const { startTestInfrastructure } = require(path.join(__dirname, '../../dist/tools/test-infrastructure.js'));
  globalThis.__testInfrastructure = await startTestInfrastructure();
};
