/*
 * SharedWaitGroup, as implemented, in Promela. Checked by `node verify/run.mjs`.
 *
 * Memory: the 64-bit state word is (cnt, wtr, gen) = counter (bits 63..32, int32), waiters
 * (31..16, uint16), generation (15..0, uint16); the Int32 wake word is `wake`. Every Atomics
 * call on them is ONE atomic step here (a d_step / atomic block); nothing else is atomic. Local
 * computation that follows an atomic step and reads only the thread's own variables is folded
 * into that step (it is invisible to other threads, so this loses no interleaving). Ghost
 * variables (g_*) are updated inside the step they describe and are never read by the code.
 *
 * The futex: Atomics.wait(wake, 0, seen) parks the thread (syncParked[t]) if wake == seen, else
 * returns 'not-equal'; Atomics.waitAsync does the same for the thread's one AsyncParking object
 * (waState[t]: 1 parked, 2 resolved, i.e. its `.then(#onWake)` is queued); Atomics.notify(wake)
 * wakes every parked thread (notify with count +Infinity). A timed Atomics.wait may also return
 * 'timed-out' while parked. The event loop of a thread that uses wait() runs one task at a
 * time: the program's own step, the #onWake callback of a resolved waitAsync, or the timer (or
 * abort listener) of a pending wait, each run to completion; other threads interleave freely.
 *
 * Step map: each MAP line names the source line that a step of this model executes, and the
 * text that line must contain (test/verify.test.ts checks both, with the hash of the modelled
 * source regions in verify/modelled-source.sha256, so that the model and the code cannot drift
 * apart silently). The [tags] are repeated at the steps below.
 *
 * MAP [A1] src/shared-wait-group.ts:252 | const old = Atomics.add(this.#state, 0, COUNTER_ONE);
 * MAP [A2] src/shared-wait-group.ts:254 | if (old >= COUNTER_ONE ? old < ADD_ONE_LIMIT : old >= 0n && old < WAITER_ONE) return;
 * MAP [A3] src/shared-wait-group.ts:265 | afterAdd(this.#memory, Atomics.add(this.#state, 0, shifted), delta, shifted);
 * MAP [D1] src/shared-wait-group.ts:291 | const old = Atomics.sub(this.#state, 0, COUNTER_ONE);
 * MAP [D2] src/shared-wait-group.ts:293 | if (old >= COUNTER_TWO) return;
 * MAP [D3] src/shared-wait-group.ts:295 | if (old >= COUNTER_ONE_NO_WAITERS) release(this.#memory, old - COUNTER_ONE);
 * MAP [F1] src/internal/shared-protocol.ts:40 | if (counter === 0 && waitersOf(old) !== 0) {
 * MAP [F2] src/internal/shared-protocol.ts:42 | throw misuse();
 * MAP [F3] src/internal/shared-protocol.ts:44 | } else if (next < 0) {
 * MAP [F4] src/internal/shared-protocol.ts:46 | throw negativeCounter();
 * MAP [F5] src/internal/shared-protocol.ts:50 | if (!isIdle(s)) release(memory, s);
 * MAP [U1] src/internal/shared-protocol.ts:56 | const s = Atomics.sub(memory.state, 0, shifted) - shifted;
 * MAP [U2] src/internal/shared-protocol.ts:57 | if (counterIsZero(s) && !isIdle(s)) release(memory, s);
 * MAP [R0] src/internal/shared-protocol.ts:66 | const next = releasedState(s);
 * MAP [R1] src/internal/shared-protocol.ts:68 | const prev = Atomics.compareExchange(memory.state, 0, s, next);
 * MAP [R2] src/internal/shared-protocol.ts:75 | if (!counterIsZero(prev) || isIdle(prev) || generationOf(prev) !== generationOf(s)) return;
 * MAP [R3] src/internal/shared-protocol.ts:78 | Atomics.add(memory.wake, 0, 1);
 * MAP [R4] src/internal/shared-protocol.ts:79 | Atomics.notify(memory.wake, 0);
 * MAP [R5] src/internal/shared-protocol.ts:81 | memory.released();
 * MAP [R5] src/shared-wait-group.ts:200 | released: () => this.#parking?.sweep(),
 * MAP [W1] src/shared-wait-group.ts:356 | const s = Atomics.load(this.#state, 0);
 * MAP [W1] src/shared-wait-group.ts:362 | const s = Atomics.load(this.#state, 0);
 * MAP [W2] src/shared-wait-group.ts:357 | if (s >= 0n && s < COUNTER_ONE) return resolved;
 * MAP [W2] src/shared-wait-group.ts:363 | if (s >= 0n && s < COUNTER_ONE) return resolved;
 * MAP [W3] src/shared-wait-group.ts:371 | const registered = register(this.#memory, s);
 * MAP [W4] src/shared-wait-group.ts:374 | return this.#parking.add(generationOf(registered), signal, timeout);
 * MAP [S1] src/shared-wait-group.ts:425 | const s = Atomics.load(this.#state, 0);
 * MAP [S1] src/shared-wait-group.ts:431 | const s = Atomics.load(this.#state, 0);
 * MAP [S2] src/shared-wait-group.ts:426 | if (s >= 0n && s < COUNTER_ONE) return;
 * MAP [S2] src/shared-wait-group.ts:432 | if (s >= 0n && s < COUNTER_ONE) return;
 * MAP [S3] src/shared-wait-group.ts:441 | const registered = register(this.#memory, s);
 * MAP [S4] src/shared-wait-group.ts:450 | const seen = Atomics.load(wake, 0);
 * MAP [S5] src/shared-wait-group.ts:451 | const state = Atomics.load(this.#state, 0);
 * MAP [S6] src/shared-wait-group.ts:452 | if (generationOf(state) !== generation) {
 * MAP [S7] src/shared-wait-group.ts:454 | if (!isIdle(state)) throw reused();
 * MAP [S8] src/shared-wait-group.ts:458 | if (remaining <= 0 || blockError !== null) {
 * MAP [S9] src/shared-wait-group.ts:460 | const counter = withdraw(this.#memory, generation);
 * MAP [S10] src/shared-wait-group.ts:465 | Atomics.wait(wake, 0, seen, remaining);
 * MAP [G1] src/internal/shared-protocol.ts:90 | if (counterIsZero(s)) return undefined;
 * MAP [G2] src/internal/shared-protocol.ts:93 | const prev = Atomics.compareExchange(memory.state, 0, s, next);
 * MAP [G3] src/internal/shared-protocol.ts:95 | s = prev;
 * MAP [Q1] src/internal/shared-state.ts:68 | return generation === LAST_GENERATION ? 0n : generation + 1n;
 * MAP [Y1] src/internal/shared-waiters.ts:42 | this.#onWake = () => {
 * MAP [Y1] src/internal/shared-waiters.ts:45 | this.sweep();
 * MAP [Y2] src/internal/shared-waiters.ts:57 | this.#pending.add(waiter);
 * MAP [Y3] src/internal/shared-waiters.ts:65 | const generation = generationOf(Atomics.load(this.#memory.state, 0));
 * MAP [Y4] src/internal/shared-waiters.ts:67 | if (waiter.round !== generation) {
 * MAP [L1] src/internal/shared-waiters.ts:82 | this.#pending.delete(waiter);
 * MAP [L2] src/internal/shared-protocol.ts:108 | const s = Atomics.load(memory.state, 0);
 * MAP [L3] src/internal/shared-protocol.ts:109 | if (isReleased(s, generation)) return undefined;
 * MAP [L4] src/internal/shared-protocol.ts:112 | if (Atomics.compareExchange(memory.state, 0, s, s - WAITER_ONE) === s) return counterOf(s);
 * MAP [M1] src/internal/shared-waiters.ts:100 | if (this.#armed) return;
 * MAP [M2] src/internal/shared-waiters.ts:103 | const seen = Atomics.load(this.#memory.wake, 0);
 * MAP [M3] src/internal/shared-waiters.ts:104 | this.sweep();
 * MAP [M4] src/internal/shared-waiters.ts:110 | const result = waitAsync(this.#memory.wake, 0, seen);
 * MAP [M5] src/internal/shared-waiters.ts:112 | this.#armed = true;
 * MAP [T1] src/internal/waiter.ts:116 | if (this.#settled) return;
 * MAP [T2] src/internal/waiter.ts:117 | const left = this.#owner.leave(this);
 * MAP [T4] src/internal/waiter.ts:139 | this.#settled = true;
 *
 * Not modelled (no shared-memory step, or outside these bounds): argument checks; `timeout: 0`
 * and an already aborted signal (they reject after at most one load, registering nothing);
 * the counter overflow RangeError and MAX_WAITERS (counters stay tiny here); the polling
 * fallback without Atomics.waitAsync; the keep-alive interval and timer clean-up; go()/task(),
 * which are add(1) and done(); waitSync's ERR_WAITGROUP_CANNOT_BLOCK, which takes exactly the
 * give-up path of a timeout. Wrap-around of the 16-bit generation and the 32-bit wake word
 * cannot happen within these bounds (a few releases). watch() (dead workers) adds no step: the
 * death of a watched worker makes AsyncParking.failAll() give up every pending wait() through
 * CancellableWaiter.fail(), which runs exactly giveUp()'s steps [T1] [T2] (the same leave(), a
 * different reason), as if each one's abort listener fired; the `#died`/`#leases` checks come
 * before register() and touch no shared memory (like an already aborted signal); a watched
 * worker's own group is an ordinary group, and its units reach this one by an ordinary add();
 * its lease lock (a Web Lock named in bytes +16..+35 of the lease's buffer, after the group's 16,
 * internal/lease-lock.ts) touches no word of any group's state.
 *
 * Configurations (-DCONFIG=n), each with ROUNDS rounds (default 3: the group is used, then
 * reused twice):
 *  1 SYNC   main opens each round with add(2) once every waiter of the previous round has
 *           returned (Go's contract); 2 workers do done() once per round; 2 threads waitSync()
 *           once per round, each wait untimed or with a timeout that may expire at any point.
 *  2 ASYNC  2 workers as in 1; 2 threads each make one wait() per round (plain, or with a
 *           timeout/abort that may fire at any point); main reopens as soon as both workers'
 *           done() and both wait() calls have returned: a wait() belongs to its round and may
 *           settle (or give up) while the next round runs (the documented relaxation).
 *  3 MIXED  1 thread waitSync()s (main joins it, as in 1); 1 thread makes 2 wait()s per round on
 *           ONE object (one shared waitAsync) and also does one of the round's 2 done()s, so a
 *           release runs through the object that holds the waits (R5); 1 worker does the other.
 * 10 MISUSE_REUSE  counter 1: a worker done(); a thread waitSync() then add(1) then done() (no
 *           done() if the add is refused); a thread waitSync() (untimed or timed); a thread
 *           wait() (plain): Go's TestWaitGroupMisuse3.
 * 11 MISUSE_NEG    counter 1: two workers done() (one too many); a waitSync() (untimed or
 *           timed); a wait() (plain).
 *
 * Properties (assertions, checked in every state where they apply; see verify/README.md):
 * no invalid end state (no lost wake-up, no hang); INVARIANT (waiter field = registrations not
 * withdrawn); never early (a waiter returns only after its round's release, and, in the legal
 * configurations, after every done() of the tasks added before it began); a give-up withdraws
 * only its own registration (withdraw); misuse errors only in misusing executions
 * (ADD_CONTRACT/DONE_CONTRACT, and none at all in the legal configurations); at the end
 * (FINISH) counter 0, waiters 0, wake word = releases, nobody parked. With -DNP and no progress
 * labels, any cycle is an error: no livelock.
 *
 * Flags: -DCONFIG=n, -DROUNDS=n; -DREACH=20|21|22 (the throw of ERR_WAITGROUP_MISUSE,
 * _NEGATIVE_COUNTER, _REUSED fails: spin must reach it); seeded bugs -DBUG_NOTIFY_FIRST,
 * -DBUG_REGISTER_NO_CAS, -DBUG_GIVEUP_NO_GEN, -DBUG_CHECK_AFTER, -DBUG_ARM_CHECK_AFTER,
 * -DBUG_RELEASE_NO_RETRY (spin must find each). COVER(n) points print when first reached.
 */

#ifndef CONFIG
#define CONFIG 1
#endif
#ifndef ROUNDS
#define ROUNDS 3
#endif

#define ROLE_MAIN    0
#define ROLE_WORKER  1
#define ROLE_SYNC    2
#define ROLE_ASYNC   3
#define ROLE_REUSER  4

#define NWORKERS 2        /* done()s per round, and main's add(2) */

#if CONFIG == 1
#define LEGAL 1
#define NTHREADS 5
#define NSYNC 2
#define NASYNCT 0
#define JOIN_WORKERS 0
#define INIT_COUNT 0
#define ASYNC_K 1
#elif CONFIG == 2
#define LEGAL 1
#define NTHREADS 5
#define NSYNC 0
#define NASYNCT 2
#define JOIN_WORKERS 1
#define INIT_COUNT 0
#define ASYNC_K 1
#elif CONFIG == 3
#define LEGAL 1
#define NTHREADS 4
#define NSYNC 1
#define NASYNCT 1
#define JOIN_WORKERS 1
#define INIT_COUNT 0
#define ASYNC_K 2
#define ASYNC_DONES 1
#elif CONFIG == 10
#define LEGAL 0
#define NTHREADS 4
#define INIT_COUNT 1
#define ASYNC_K 1
#undef ROUNDS
#define ROUNDS 1
#elif CONFIG == 11
#define LEGAL 0
#define NTHREADS 4
#define INIT_COUNT 1
#define ASYNC_K 1
#undef ROUNDS
#define ROUNDS 1
#else
#error unknown CONFIG
#endif
/* whether wait() may time out or be aborted (the misuse configurations keep it plain, to stay
 * small: their give-ups are waitSync's) */
#if LEGAL
#define ASYNC_MAYTIME 1
#else
#define ASYNC_MAYTIME 0
#endif

/* the roles present */
#if CONFIG == 1
#define HAS_MAIN 1
#define HAS_SYNC 1
#define HAS_ASYNC 0
#define HAS_REUSER 0
#elif CONFIG == 2
#define HAS_MAIN 1
#define HAS_SYNC 0
#define HAS_ASYNC 1
#define HAS_REUSER 0
#elif CONFIG == 3
#define HAS_MAIN 1
#define HAS_SYNC 1
#define HAS_ASYNC 1
#define HAS_REUSER 0
#elif CONFIG == 10
#define HAS_MAIN 0
#define HAS_SYNC 1
#define HAS_ASYNC 1
#define HAS_REUSER 1
#else
#define HAS_MAIN 0
#define HAS_SYNC 1
#define HAS_ASYNC 1
#define HAS_REUSER 0
#endif
#ifndef NSYNC
#define NSYNC 0
#define NASYNCT 0
#define JOIN_WORKERS 0
#endif

/* ---- shared memory ---------------------------------------------------------------------- */
int cnt = INIT_COUNT;     /* state word, bits 63..32: the counter (int32) */
unsigned wtr : 16;        /* state word, bits 31..16: registered waiters */
unsigned gen : 16;        /* state word, bits 15..0: the round generation */
byte wake;                /* the wake word (int32 in src; counts releases, < 256 here) */

/* ---- the futex's waiter lists ---------------------------------------------------------- */
bool syncParked[NTHREADS];   /* thread t is parked in Atomics.wait */
byte waState[NTHREADS];      /* thread t's waitAsync: 0 none, 1 parked, 2 resolved */

/* Atomics.notify(wake, 0): every parked thread wakes, every parked waitAsync resolves */
#define WAKE1(t) syncParked[t] = 0; if :: waState[t] == 1 -> waState[t] = 2 :: else -> skip fi
#if NTHREADS == 5
#define NOTIFY_ALL WAKE1(0); WAKE1(1); WAKE1(2); WAKE1(3); WAKE1(4)
#define ANY_SYNC_PARKED (syncParked[0] || syncParked[1] || syncParked[2] || syncParked[3] || syncParked[4])
#define ANY_ASYNC_PARKED (waState[0] == 1 || waState[1] == 1 || waState[2] == 1 || waState[3] == 1 || waState[4] == 1)
#else
#define NOTIFY_ALL WAKE1(0); WAKE1(1); WAKE1(2); WAKE1(3)
#define ANY_SYNC_PARKED (syncParked[0] || syncParked[1] || syncParked[2] || syncParked[3])
#define ANY_ASYNC_PARKED (waState[0] == 1 || waState[1] == 1 || waState[2] == 1 || waState[3] == 1)
#endif

/* ---- ghosts (never read by the modelled code) ------------------------------------------ */
byte g_releases;          /* successful release CASes: the rounds released (the truth) */
byte g_regs;              /* registrations of the current round not withdrawn */
byte g_adds = INIT_COUNT; /* counter units added by the program (read-modify-writes made) */
byte g_dones;             /* counter units taken by the program */
byte g_syncActive;        /* waitSync() calls in progress */
byte g_asyncInCall;       /* wait() calls in their synchronous part */
bool g_misused;           /* the program broke the contract in this execution (ADD_CONTRACT) */
byte g_round;             /* rounds opened by main (a message to the other threads) */
byte g_syncReturned;      /* waitSync() calls returned (a message to main) */
byte g_called;            /* wait() calls returned their promise (a message to main) */
byte g_workersDone;       /* done() calls returned (a message to main) */
byte g_finished;          /* threads finished */
byte g_errors;            /* misuse errors thrown */

#define IDLE(c, w) ((c) == 0 && (w) == 0)

/* Coverage: COVER(n) prints "COVER n" the first time the search reaches it. It is C code outside
 * the state vector, placed only inside atomic steps: it changes neither the states nor their
 * interleavings. The runner checks that every point it expects in a configuration is reached,
 * so that a property cannot pass because the path it is about is never taken. */
c_decl { unsigned long long cover_seen; }
#define COVER(n) c_code { if (!(cover_seen & (1ULL << n))) { cover_seen |= 1ULL << n; printf("COVER %d\n", n); } }
#define COVER_IF(n, cond) if :: (cond) -> COVER(n) :: else -> skip fi

/* Reachability: REACH_IF(n, cond) fails when cond holds and -DREACH=n, so that spin must produce an
 * execution that reaches the point (the misuse errors: 20, 21, 22). */
#ifndef REACH
#define REACH 0
#endif
#define REACH_IF(n, cond) assert(!(REACH == n && (cond)))

/* The shared-memory invariant: the waiter field counts exactly the registrations of the current
 * round that were not withdrawn (checked after every write to the waiter field). */
#define INVARIANT assert(wtr == g_regs)

/* The contract (Go's, with the relaxation documented for wait()), from ghosts only: a positive
 * add that starts from zero (the program's own count: adds minus dones) must not be concurrent
 * with a waitSync() in progress, with a wait() call in progress, or with a wait() whose round
 * has not been released (it would race with that release); a decrement must not take the
 * program's count below zero. Evaluated at the read-modify-write of each add and done(). */
#define ADD_CONTRACT(d) \
  if :: (g_adds == g_dones && (g_syncActive + g_asyncInCall + g_regs) > 0) -> g_misused = 1 \
     :: else -> skip fi; g_adds = g_adds + (d)
#define DONE_CONTRACT \
  g_dones++; if :: g_dones > g_adds -> g_misused = 1 :: else -> skip fi

#if LEGAL
#define LEGAL_CHECK assert(!g_misused)
#else
#define LEGAL_CHECK skip
#endif

/* The end: when the last thread finishes, the state must be consistent. */
#define WAKE_COUNT_CHECK assert(wake == g_releases)
#if LEGAL
#define FINAL_LEGAL assert(!g_misused && g_errors == 0)
#else
#define FINAL_LEGAL skip
#endif
#define FINISH \
  g_finished++; \
  if \
  :: g_finished == NTHREADS -> \
     assert(cnt == 0 && wtr == 0 && g_regs == 0); /* no leaked registration, counter at 0 */ \
     WAKE_COUNT_CHECK;                            /* one bump per release, no stray */ \
     assert(!syncParked[0] && !syncParked[1] && !syncParked[2] && !syncParked[NTHREADS-1]); \
     FINAL_LEGAL; \
     printf("all threads finished: state (%d,%d,%d), wake %d, releases %d\n", cnt, wtr, gen, wake, g_releases) \
  :: else -> skip \
  fi

/* Dead locals back to 0 after an operation (fewer distinct states; no behaviour changes) */
#define RESET_OP oc = 0; ow = 0; og = 0; rc = 0; rw = 0; rg = 0; rn = 0; lc = 0; lw = 0; lg = 0; ok = 0; fin = 0; rel = 0

/* What a thread tells the others when one of its operations returns */
#define EPILOGUE \
  if \
  :: role == ROLE_MAIN -> g_round++; r++; if :: r == ROUNDS -> FINISH :: else -> skip fi \
  :: role == ROLE_WORKER -> g_workersDone++; r++; if :: r == ROUNDS -> FINISH :: else -> skip fi \
  :: role == ROLE_ASYNC -> g_workersDone++ \
  :: else -> skip \
  fi; \
  RESET_OP

/* the body of sweep(), after its load of the state into lg [Y4] */
#define WOULD_SETTLE ((aState[0] == 1 && aGen[0] != lg) || (aState[1] == 1 && aGen[1] != lg))
#define SWEEP_BODY \
    if :: aState[0] == 1 && aGen[0] != lg -> npend--; settle_resolved(0) :: else -> skip fi; \
    if :: aState[1] == 1 && aGen[1] != lg -> npend--; settle_resolved(1) :: else -> skip fi

/* ---- the steps ------------------------------------------------------------------------- */

/* #release(s), s = (rc, rw, rg). [R0..R5] */
inline release() {
#ifdef BUG_NOTIFY_FIRST
  /* SEEDED BUG: bump the wake word and notify BEFORE the reset */
  d_step { wake++; printf("T%d release: wake++ (=%d) BEFORE the reset\n", tid, wake) }
  d_step { NOTIFY_ALL; printf("T%d release: notify BEFORE the reset\n", tid) }
#endif
  do
  :: atomic {                                   /* [R0] [Q1] next; [R1] the CAS to (0, 0, gen + 1) */
       rn = (rg + 1) % 65536;
       if
       :: (cnt == rc && wtr == rw && gen == rg) ->
            cnt = 0; wtr = 0; gen = rn; ok = 1;
            assert(g_regs == rw); g_regs = 0; g_releases++;
            COVER_IF(1, rw >= 2);                 /* a release of two registered waiters */
            printf("T%d release: CAS (%d,%d,%d) -> (0,0,%d) ok\n", tid, rc, rw, rg, rn)
       :: else ->
            ok = 0;
            COVER_IF(2, cnt == 0 && wtr != 0 && gen == rg);   /* a waiter withdrew: retry */
            COVER_IF(3, cnt == 0 && wtr == 0 && gen == rg);   /* every waiter withdrew: no release */
            COVER_IF(4, gen != rg);                           /* someone else released */
            COVER_IF(5, cnt != 0);                            /* a refused add is in flight */
            printf("T%d release: CAS (%d,%d,%d) failed, found (%d,%d,%d)\n", tid, rc, rw, rg, cnt, wtr, gen);
#ifdef BUG_RELEASE_NO_RETRY
            lc = 1   /* SEEDED BUG: give up on the first failed CAS */
#else
            lc = cnt; lw = wtr; lg = gen
#endif
       fi
     }
     if
     :: ok -> break
     :: !ok && (lc != 0 || IDLE(lc, lw) || lg != rg) -> break      /* [R2] */
     :: !ok && !(lc != 0 || IDLE(lc, lw) || lg != rg) ->
        rc = lc; rw = lw; rg = lg
     fi
  od;
#ifndef BUG_NOTIFY_FIRST
  if
  :: ok ->
     d_step { wake++; printf("T%d release: wake++ (=%d)\n", tid, wake) }     /* [R3] */
     d_step {                                                                /* [R4] */
       COVER_IF(6, ANY_SYNC_PARKED);             /* the notify wakes a parked waitSync */
       COVER_IF(7, ANY_ASYNC_PARKED);            /* the notify resolves a parked waitAsync */
       NOTIFY_ALL; printf("T%d release: notify\n", tid)
     }
#if HAS_ASYNC
     if                                                                      /* [R5] */
     :: hasAsync -> d_step { lg = gen; COVER_IF(8, WOULD_SETTLE); SWEEP_BODY }
     :: else -> skip
     fi
#endif
  :: else -> skip
  fi
#endif
}

/* After the read-modify-write of add(d) or done() (d = -1) returned old = (oc, ow, og), still
 * inside that atomic step (this reads only the thread's own variables): done()'s fast paths
 * [D2] and release [D3], add(1)'s fast path [A2], or #afterAdd's checks [F1..F5]. Sets fin (the
 * call returns now, and says so: EPILOGUE), err (1 misuse, 2 negative: the undo follows), or
 * rel with (rc, rw, rg) (a release of that state follows). */
#define DECIDE(d) \
  if \
  :: (d) > 0 && oc == 0 && ow != 0 -> err = 1        /* [F1] then [F2] misuse() */ \
  :: (d) < 0 && oc + (d) < 0 -> err = 2              /* [F3] then [F4] negativeCounter() */ \
  :: else -> \
     if \
     :: (oc + (d) == 0 && ow != 0) -> rel = 1; rc = 0; rw = ow; rg = og   /* [F5] */ \
     :: else -> EPILOGUE; fin = 1 \
     fi \
  fi

/* The rest of the call: the undo of a refused call [U1] [U2], at most one #release, the error
 * (written once, so the release is compiled once per operation). */
inline slow_path(d) {
  if
  :: fin -> fin = 0
  :: !fin && err == 0 -> release(); atomic { EPILOGUE }
  :: !fin && err != 0 ->
     d_step {                                                          /* [U1] the undo */
       cnt = cnt - (d); lc = cnt; lw = wtr; lg = gen;
       COVER_IF(9, lc == 0 && lw != 0);        /* the undo lands on zero with waiters */
       printf("T%d undo(%d): state (%d,%d,%d)\n", tid, d, lc, lw, lg);
       if :: (lc == 0 && lw != 0) -> rel = 1; rc = lc; rw = lw; rg = lg :: else -> skip fi   /* [U2] */
     }
     if :: rel -> release() :: else -> skip fi;
     atomic {                                   /* the error is thrown */
       g_errors++; assert(g_misused);           /* only in an execution that misuses */
       if
       :: err == 1 -> COVER(20); REACH_IF(20, 1); printf("T%d: throws ERR_WAITGROUP_MISUSE\n", tid)
       :: err == 2 -> COVER(21); REACH_IF(21, 1); printf("T%d: throws ERR_WAITGROUP_NEGATIVE_COUNTER\n", tid)
       :: else -> skip
       fi;
       EPILOGUE
     }
  fi
}

/* add(1) [A1] [A2] [A3]; GATE is a (stable) condition the thread waits for first */
inline add_one(GATE) {
  err = 0;
  d_step {
    GATE;
    oc = cnt; ow = wtr; og = gen; cnt++;                       /* [A1] */
    ADD_CONTRACT(1); LEGAL_CHECK;
    printf("T%d add(1): (%d,%d,%d) -> (%d,%d,%d)\n", tid, oc, ow, og, cnt, wtr, gen);
    if
    :: (oc >= 1 || (oc == 0 && ow == 0)) -> EPILOGUE; fin = 1     /* [A2] */
    :: else -> DECIDE(1)
    fi
  }
  slow_path(1)
}

/* add(d), d > 1, by #addAny */
inline add_any(d, GATE) {
  err = 0;
  d_step {
    GATE;
    oc = cnt; ow = wtr; og = gen; cnt = cnt + (d);             /* [A3] */
    ADD_CONTRACT(d); LEGAL_CHECK;
    COVER_IF(10, oc > 0);                      /* a round opened while the last one is unfinished */
    printf("T%d add(%d): (%d,%d,%d) -> (%d,%d,%d)\n", tid, d, oc, ow, og, cnt, wtr, gen);
    DECIDE(d)
  }
  slow_path(d)
}

/* done() [D1] [D2] [D3] */
inline done(GATE) {
  err = 0;
  d_step {
    GATE;
    oc = cnt; ow = wtr; og = gen; cnt--;                       /* [D1] */
    DONE_CONTRACT; LEGAL_CHECK;
    printf("T%d done(): (%d,%d,%d) -> (%d,%d,%d)\n", tid, oc, ow, og, cnt, wtr, gen);
    if
    :: (oc >= 2 || (oc == 1 && ow == 0)) -> EPILOGUE; fin = 1     /* [D2] */
    :: oc == 1 && ow != 0 -> rel = 1; rc = 0; rw = ow; rg = og   /* [D3] */
    :: oc <= 0 -> DECIDE(-1)
    fi
  }
  slow_path(-1)
}

/* #register(s), s = (lc, lw, lg) as loaded: sets registered, mygen, regRound [G1] [G2] [G3] */
inline register() {
  registered = 0;
  do
  :: lc == 0 -> break                                          /* [G1] not registered */
  :: lc != 0 ->
#ifdef BUG_REGISTER_NO_CAS
     /* SEEDED BUG: a plain store of the state read earlier plus one waiter, no compare */
     d_step {
       cnt = lc; wtr = lw + 1; gen = lg;
       registered = 1; mygen = lg; regRound = g_releases; g_regs++;
       printf("T%d register: STORE (%d,%d,%d)\n", tid, lc, lw + 1, lg)
     }
     break
#else
     d_step {                                                  /* [G2] */
       if
       :: (cnt == lc && wtr == lw && gen == lg) ->
            wtr++; registered = 1; mygen = lg; regRound = g_releases; g_regs++;
            INVARIANT;
            COVER_IF(11, lc < 0);                    /* registered while a refused done() is in flight */
            COVER_IF(12, regRound == ROUNDS - 1 && ROUNDS > 1);   /* registered in the last round */
            printf("T%d register: CAS (%d,%d,%d) -> (%d,%d,%d) ok\n", tid, lc, lw, lg, cnt, wtr, gen)
       :: else ->
            printf("T%d register: CAS (%d,%d,%d) failed, found (%d,%d,%d)\n", tid, lc, lw, lg, cnt, wtr, gen);
            COVER(13);                                /* the registration CAS failed */
            COVER_IF(14, cnt == 0);                   /* ... because the counter reached zero */
            lc = cnt; lw = wtr; lg = gen                       /* [G3] s = prev */
       fi
     }
     if :: registered -> break :: else -> skip fi
#endif
  od
}

/* The withdrawal CAS of a give-up: (lc, lw, lg) -> (lc, lw - 1, lg), for the waiter registered
 * in ghost round `round` [L4] */
inline withdraw(round) {
  d_step {
#ifdef BUG_GIVEUP_NO_GEN
    /* SEEDED BUG: the CAS compares counter and waiters only, not the generation (ABA) */
    if
    :: (cnt == lc && wtr == lw) ->
#else
    if
    :: (cnt == lc && wtr == lw && gen == lg) ->
#endif
         assert(lw > 0);                        /* no borrow from the counter */
         wtr = lw - 1; ok = 1;
         assert(round == g_releases);           /* it withdraws its OWN round's registration */
         g_regs--; INVARIANT;
         COVER_IF(15, role == ROLE_ASYNC); COVER_IF(16, role != ROLE_ASYNC);   /* withdrawn */
         COVER_IF(17, lc == 0);                      /* withdrawn while the release is landing */
         printf("T%d give-up: CAS (%d,%d,%d) -> (%d,%d,%d) ok, withdrawn\n", tid, lc, lw, lg, cnt, wtr, gen)
    :: else ->
         ok = 0;
         COVER(18);                                  /* the give-up CAS failed */
         printf("T%d give-up: CAS (%d,%d,%d) failed, found (%d,%d,%d)\n", tid, lc, lw, lg, cnt, wtr, gen)
    fi
  }
}

/* withdraw(memory, generation), for a waiter registered in ghost round `round` and generation
 * `g`: load [L2]; if the round was released, ok = 0 [L3]; else the CAS [L4], again from the load
 * if it fails. ok = 1: the registration was withdrawn. */
inline withdraw_loop(round, g) {
  do
  :: atomic {                                                  /* [L2] */
       lc = cnt; lw = wtr; lg = gen;
       printf("T%d give-up: load (%d,%d,%d)\n", tid, lc, lw, lg)
     };
     if
     :: lg != g -> ok = 0; break                               /* [L3] released: not withdrawn */
     :: else ->
        withdraw(round);                                       /* [L4] */
        if :: ok -> break :: else -> skip fi
     fi
  od
}

/* waitSync(options), untimed, or (MAYTIME) with a timeout that may expire at any point [S1..S10] */
inline wait_sync(GATE, MAYTIME) {
  err = 0;
  atomic {
    GATE;
    if :: MAYTIME -> timed = 1 :: timed = 0 fi;
    g_syncActive++; addsBefore = g_adds;
    lc = cnt; lw = wtr; lg = gen;                              /* [S1] */
    printf("T%d waitSync(timed %d): load (%d,%d,%d)\n", tid, timed, lc, lw, lg)
  }
  if
  :: lc == 0 -> skip                                           /* [S2] zero: return */
  :: lc != 0 ->
     register();                                               /* [S3] */
     if
     :: registered ->
        do
        :: /* [S4] then [S5]. An Atomics.wait that returned is folded into the next read
            * (its return reads only this thread's futex entry, which stays cleared). */
#ifndef BUG_CHECK_AFTER
           if
           :: atomic { !syncParked[tid] -> seen = wake }      /* not parked, or notified ('ok') */
           :: atomic { timed && syncParked[tid] -> syncParked[tid] = 0; expired = 1; seen = wake;
                       COVER(19); printf("T%d Atomics.wait: timed-out\n", tid) }
           fi;
           atomic {
             lc = cnt; lw = wtr; lg = gen;
             printf("T%d waitSync: wake %d, state (%d,%d,%d)\n", tid, seen, lc, lw, lg);
             COVER_IF(23, lg != mygen);              /* a registered waitSync sees its release */
             COVER_IF(24, lg != mygen && expired);   /* ... after its give-up CAS failed */
             COVER_IF(25, lg != mygen && regRound == ROUNDS - 1 && ROUNDS > 1);
             if :: timed && !expired -> expired = 1 :: skip fi   /* time passes */
           }
#else
           /* SEEDED BUG: the state is re-checked BEFORE the wake word is read */
           if
           :: atomic { !syncParked[tid] -> lc = cnt; lw = wtr; lg = gen }
           :: atomic { timed && syncParked[tid] -> syncParked[tid] = 0; expired = 1; lc = cnt; lw = wtr; lg = gen }
           fi;
           atomic {
             seen = wake;
             printf("T%d waitSync: state (%d,%d,%d), then wake %d\n", tid, lc, lw, lg, seen);
             if :: timed && !expired -> expired = 1 :: skip fi
           }
#endif
           if
           :: lg != mygen ->                                   /* [S6] released */
              assert(g_releases > regRound);                  /* never early: its round was released */
              if
              :: !IDLE(lc, lw) -> err = 3;                     /* [S7] ERR_WAITGROUP_REUSED */
                 d_step {
                   g_errors++; assert(g_misused);
                   COVER(22); REACH_IF(22, 1);
                   printf("T%d waitSync: throws ERR_WAITGROUP_REUSED\n", tid)
                 }
              :: else -> skip
              fi;
              break
           :: lg == mygen && expired ->                        /* [S8] give up */
              withdraw_loop(regRound, mygen);                  /* [S9] */
              if :: ok -> err = 4; break :: else -> skip fi    /* released: look again */
           :: lg == mygen && !expired ->
              d_step {                                         /* [S10] Atomics.wait(wake, 0, seen) */
                if
                :: wake != seen -> COVER(26); printf("T%d Atomics.wait: not-equal\n", tid)
                :: else -> syncParked[tid] = 1; printf("T%d Atomics.wait: parked (wake %d)\n", tid, seen)
                fi
              }
           fi
        od
     :: else -> skip                                           /* the counter reached zero first */
     fi
  fi;
  atomic {
    g_syncActive--;
#if LEGAL
    assert(err == 4 || g_dones >= addsBefore);   /* never early, in the program's own terms */
    assert(err == 0 || err == 4);
#endif
    if :: err == 4 -> printf("T%d waitSync: throws ERR_WAITGROUP_TIMEOUT\n", tid)
       :: err == 0 -> printf("T%d waitSync: returns\n", tid)
       :: else -> skip fi;
    if
    :: role == ROLE_SYNC -> g_syncReturned++; r++; if :: r == ROUNDS -> FINISH :: else -> skip fi
    :: else -> skip
    fi;
    timed = 0; expired = 0; registered = 0; mygen = 0; regRound = 0; addsBefore = 0; seen = 0;
    RESET_OP
  }
}

/* ---- the asynchronous waits of one object (AsyncParking) ----------------------------- */

/* A pending wait() resolves: ghost checks */
inline settle_resolved(k) {
  assert(aRegRound[k] < g_releases);             /* never early: its round was released */
#if LEGAL
  assert(g_dones >= aAddsBefore[k]);
#endif
  aState[k] = 2;                                 /* [T4] settle() */
  COVER_IF(27, g_round > r + 1);                 /* it settles while the next round runs */
  printf("T%d wait()#%d resolves\n", tid, k)
}

/* sweep() [Y3] [Y4] */
inline sweep() {
  d_step { lg = gen; printf("T%d sweep: generation %d\n", tid, lg); SWEEP_BODY }    /* [Y3] */
}

/* #arm() [M1..M5] */
inline arm() {
  if
  :: armed -> skip                               /* [M1] (COVER 28 below) */
  :: !armed ->
     do
     ::
#ifndef BUG_ARM_CHECK_AFTER
        atomic { seen = wake };                  /* [M2] */
        sweep();                                 /* [M3] */
#else
        /* SEEDED BUG: the pending waits are swept BEFORE the wake word is read */
        atomic { lg = gen; printf("T%d sweep: generation %d\n", tid, lg); SWEEP_BODY };
        atomic { seen = wake; printf("T%d #arm: then reads wake %d\n", tid, seen) };
#endif
        if
        :: npend == 0 -> break
        :: npend != 0 ->
           d_step {                              /* [M4] waitAsync(wake, 0, seen) */
             if
             :: wake != seen -> na = 1; COVER(29); printf("T%d waitAsync: not-equal\n", tid)
             :: else -> na = 0; waState[tid] = 1; armed = 1;       /* [M5] */
                printf("T%d waitAsync: parked (wake %d)\n", tid, seen)
             fi
           }
           if :: na -> na = 0 :: else -> break fi
        fi
     od
  fi
}

/* The #onWake callback of the resolved waitAsync: its first step is sweep()'s load [Y1] */
inline wake_task() {
  d_step {
    waState[tid] = 0; armed = 0; lg = gen;
    COVER_IF(30, WOULD_SETTLE);                  /* the #onWake callback settles a wait() */
    SWEEP_BODY; printf("T%d #onWake\n", tid)
  }
  if :: npend > 0 -> arm() :: else -> skip fi;
  lg = 0; seen = 0
}

/* wait(options) in slot k, plain or with a timeout/abort [W1..W4] [Y2]; LAST: the last wait()
 * call of the task, after which the thread tells main */
inline wait_async(k, GATE, LAST) {
  atomic {
    GATE;
    if :: ASYNC_MAYTIME -> aTimed[k] = 1 :: aTimed[k] = 0 fi;
    g_asyncInCall++; aAddsBefore[k] = g_adds;
    lc = cnt; lw = wtr; lg = gen;                              /* [W1] */
    printf("T%d wait()#%d(timeout/abort %d): load (%d,%d,%d)\n", tid, k, aTimed[k], lc, lw, lg)
  }
  if
  :: lc == 0 -> aState[k] = 2; aRegRound[k] = 0               /* [W2] resolved at once */
  :: lc != 0 ->
     register();                                               /* [W3] */
     if
     :: registered ->
        atomic {
          aState[k] = 1; aGen[k] = mygen; aRegRound[k] = regRound; npend++;   /* [W4] [Y2] */
          COVER_IF(28, armed)                    /* a waitAsync armed earlier covers it */
        };
        arm()
     :: else -> aState[k] = 2; aRegRound[k] = 0
     fi
  fi;
  atomic {
    g_asyncInCall--;
#if LEGAL
    assert(aState[k] != 2 || g_dones >= aAddsBefore[k]);
#endif
    if :: LAST -> g_called++ :: else -> skip fi;
    registered = 0; mygen = 0; regRound = 0; seen = 0; RESET_OP
  }
}

/* The timer (or the abort listener) of pending wait k: giveUp() [T1], which calls leave() [T2]:
 * pending.delete [L1], then withdraw() [L2..L4] */
inline give_up(k) {
  aState[k] = 3; npend--;                                      /* [T1] [T2]; [L1] pending.delete */
  withdraw_loop(aRegRound[k], aGen[k]);
  if
  :: ok -> aState[k] = 4; printf("T%d wait()#%d rejects (timeout/abort)\n", tid, k)
  :: else ->
     d_step {                                                  /* released: resolve instead */
       COVER(31);                                /* the give-up finds its round released */
       COVER_IF(32, g_round > r + 1);            /* ... while the next round runs */
       settle_resolved(k)
     }
  fi;
  RESET_OP
}

/* ---- the threads ----------------------------------------------------------------------- */

proctype Thread(byte tid; byte role; bool hasAsync) {
  byte r, err, seen, addsBefore, regRound, npend;
  int lc, oc, rc;
  unsigned lw : 16; unsigned lg : 16;
  unsigned ow : 16; unsigned og : 16;
  unsigned rw : 16; unsigned rg : 16; unsigned rn : 16;
  unsigned mygen : 16;
  bool ok, fin, rel, timed, expired, registered, na, armed;
  byte aState[2];         /* 0 unused, 1 pending, 2 resolved, 3 giving up, 4 rejected */
  bool aTimed[2];
  int aGen[2];
  byte aRegRound[2], aAddsBefore[2];

  /* (only the roles of this configuration are compiled: a smaller verifier, compiled faster) */
  if
#if HAS_MAIN
  :: role == ROLE_MAIN ->
     do
     :: r < ROUNDS ->
        /* join the previous round (messages from the other threads), then open the next */
        add_any(NWORKERS, (g_syncReturned >= NSYNC * r && g_called >= NASYNCT * r &&
                           (!JOIN_WORKERS || g_workersDone >= NWORKERS * r)));
        assert(err == 0)
     :: else -> break
     od
#endif
  :: role == ROLE_WORKER ->
     do
     :: r < ROUNDS -> done(g_round > r)
     :: else -> break
     od
#if HAS_SYNC
  :: role == ROLE_SYNC ->
     do
     :: r < ROUNDS -> wait_sync(g_round > r, 1)
     :: else -> break
     od
#endif
#if HAS_REUSER
  :: role == ROLE_REUSER ->
     /* waitSync(); add(1); done() -- no done() if the add was refused (Go's Wait has no timeout) */
     wait_sync(1, 0);
     add_one(1);
     if :: err == 0 -> done(1) :: else -> skip fi;
     d_step { FINISH }
#endif
#if HAS_ASYNC
  :: role == ROLE_ASYNC ->
     do
     :: r < ROUNDS ->
        do                                       /* idle: the event loop runs callbacks */
        :: g_round > r -> break
        :: waState[tid] == 2 -> wake_task()
        od;
        /* one task: this round's wait() calls (and, in MIXED, one done()) */
#if ASYNC_K == 1
        wait_async(0, 1, 1);
#else
        wait_async(0, 1, 0);
        /* the first wait may be aborted synchronously, before the second wait() call */
        if :: aState[0] == 1 && aTimed[0] -> give_up(0) :: skip fi;
        wait_async(1, 1, 1);
#endif
#ifdef ASYNC_DONES
        done(1);
#endif
        /* the event loop, until every wait of this round has settled */
        do
        :: (aState[0] != 1 && aState[1] != 1) -> break
        :: waState[tid] == 2 -> wake_task()
        :: aState[0] == 1 && aTimed[0] -> give_up(0)
        :: aState[1] == 1 && aTimed[1] -> give_up(1)
        od;
        atomic {
          aState[0] = 0; aTimed[0] = 0; aGen[0] = 0; aRegRound[0] = 0; aAddsBefore[0] = 0;
          aState[1] = 0; aTimed[1] = 0; aGen[1] = 0; aRegRound[1] = 0; aAddsBefore[1] = 0;
          r++;
          if :: r == ROUNDS -> FINISH :: else -> skip fi
        }
     :: else -> break
     od
#endif
  fi
}

init {
  atomic {
#if CONFIG == 1
    run Thread(0, ROLE_MAIN, 0); run Thread(1, ROLE_WORKER, 0); run Thread(2, ROLE_WORKER, 0);
    run Thread(3, ROLE_SYNC, 0); run Thread(4, ROLE_SYNC, 0)
#elif CONFIG == 2
    run Thread(0, ROLE_MAIN, 0); run Thread(1, ROLE_WORKER, 0); run Thread(2, ROLE_WORKER, 0);
    run Thread(3, ROLE_ASYNC, 1); run Thread(4, ROLE_ASYNC, 1)
#elif CONFIG == 3
    run Thread(0, ROLE_MAIN, 0); run Thread(1, ROLE_WORKER, 0);
    run Thread(2, ROLE_SYNC, 0); run Thread(3, ROLE_ASYNC, 1)
#elif CONFIG == 10
    g_round = 1;
    run Thread(0, ROLE_WORKER, 0); run Thread(1, ROLE_REUSER, 0);
    run Thread(2, ROLE_SYNC, 0); run Thread(3, ROLE_ASYNC, 1)
#elif CONFIG == 11
    g_round = 1;
    run Thread(0, ROLE_WORKER, 0); run Thread(1, ROLE_WORKER, 0);
    run Thread(2, ROLE_SYNC, 0); run Thread(3, ROLE_ASYNC, 1)
#endif
  }
}
