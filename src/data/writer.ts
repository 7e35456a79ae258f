import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Interactions } from './interactions.ts';

/** Writes interactions as `user<TAB>item<TAB>value[<TAB>time]` lines with external ids and a header. */
export async function writeInteractionsTsv(path: string, data: Interactions): Promise<void> {
  const out = createWriteStream(path);
  const withTime = data.times !== null;
  let chunk = withTime ? 'user\titem\trating\ttime\n' : 'user\titem\trating\n';
  for (let p = 0; p < data.length; p++) {
    chunk += `${data.userIds.id(data.users[p])}\t${data.itemIds.id(data.items[p])}\t${data.values[p]}`;
    chunk += withTime ? `\t${Number.isNaN(data.times![p]) ? '' : data.times![p]}\n` : '\n';
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
