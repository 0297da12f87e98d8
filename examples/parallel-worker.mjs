// The worker of examples/parallel.ts: counts primes by trial division (pure CPU work), testing
// every `threads`-th odd number from 3 + 2 * index up to `limit`; writes its count into shared
// memory with a plain write, and marks its task done on the group it attaches to.
import { workerData } from 'node:worker_threads';
import { SharedWaitGroup } from 'waitgroups';

const { buffer, byteOffset, counts, index, threads, limit } = workerData;
const wg = new SharedWaitGroup(buffer, byteOffset); // the same group as main's

try {
  counts[index] = countPrimes(); // visible to main once its wait() resolves
} finally {
  wg.done();
}

function countPrimes() {
  let count = index === 0 && limit > 2 ? 1 : 0; // 2, the only even prime
  for (let n = 3 + 2 * index; n < limit; n += 2 * threads) {
    let prime = true;
    for (let d = 3; d * d <= n; d += 2) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}
