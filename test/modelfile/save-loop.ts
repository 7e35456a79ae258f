// Child process for the crash test: saves versions 1, 2, 3, … of a model file into one
// directory, replacing the previous one, and prints each version once it is in place.
import { writeModelFile } from '../../src/modelfile/model-file.ts';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION } from '../../src/modelfile/manifest.ts';

const dir = process.argv[2];
const size = 1 << 20; // 4 MB of weights, so that a save takes long enough to be interrupted
for (let version = 1; version <= 1000; version++) {
  const data = new Float32Array(size).fill(version);
  await writeModelFile(
    dir,
    {
      manifest: {
        format: MODEL_FORMAT,
        formatVersion: MODEL_FORMAT_VERSION,
        type: 'toy',
        config: { version },
        createdAt: new Date().toISOString(),
        userIds: [],
        itemIds: [],
        userFeatures: null,
        itemFeatures: null,
        tensors: { w: [size] },
        history: null,
        metrics: {},
      },
      tensors: { w: { shape: [size], data } },
    },
    { overwrite: true },
  );
  process.stdout.write(`${version}\n`);
}
