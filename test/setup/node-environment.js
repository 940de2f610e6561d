// Jest's node environment gives each test file its own realm, with its own typed-array classes;
// onnxruntime-node builds its output tensors with this process's Float32Array and checks them with
// `instanceof` against the test realm's, which fails. Sharing the process's typed arrays fixes it.
const { TestEnvironment } = require('jest-environment-node');

class NodeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of ['Float32Array', 'BigInt64Array', 'Int32Array', 'Uint8Array'])
      this.global[name] = globalThis[name];
  }
}

module.exports = NodeEnvironment;
