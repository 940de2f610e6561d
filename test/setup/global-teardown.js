module.exports = async function globalTeardown() {
  await globalThis.__testInfrastructure?.stop();
};
