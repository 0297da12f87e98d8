// Misuse made loud: an extra done() throws a WaitGroupError with Go's message and a stable
// code, and the group stays consistent (Go would leave the counter at -1 and crash).
import { WaitGroup, WaitGroupError } from 'waitgroups';

const wg = new WaitGroup();
wg.add(1);
wg.done();
try {
  wg.done(); // one done() too many
} catch (error) {
  if (!(error instanceof WaitGroupError)) throw error;
  console.log(`caught ${error.name} ${error.code}: ${error.message}`);
}
console.log(`counter is still ${wg.count}; the group is still usable`);
