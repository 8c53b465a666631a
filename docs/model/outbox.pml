/*
 * dynamo-outbox: the delivery protocol, as a Promela model for spin.
 * README.md next to this file: what is modelled, what is abstracted and why, the bounds,
 * how to run it, and the numbers measured.
 *
 *   Writer   lambdas/outbox/outbox-writer.ts   one TransactWriteItems per command
 *   Stream   the DynamoDB Stream: each outbox INSERT reaches some lane, or is lost
 *   Lane     lambdas/relay/relay.ts            one poller of the event source mapping
 *            (a shard, or one ParallelizationFactor slot of it) and its invocations
 *   Sweeper  lambdas/sweeper/sweeper.ts        the scheduled sweeper, one at a time
 *   Bus      EventBridge: the classic bus, or (CUSTOM_BUS) the Custom Event Bus with its
 *            de-duplication and a FIFO subscriber (a step of Environment)
 * Lane and Sweeper both run `deliver` (lambdas/outbox/delivery.ts): read the states of
 * the records and their predecessors, plan (planDelivery, lambdas/outbox/ordering.ts),
 * publish each aggregate's chain in order (OrderedPublisher), and mark every accepted
 * record DELIVERED on condition it is still PENDING (OutboxStore.markDelivered).
 *
 * Properties:
 *   (1) per aggregate, the first acceptance of record n+1 never precedes the first
 *       acceptance of record n                         assertion in accept()
 *   (2) every committed record is eventually accepted, under weak fairness, with the
 *       sweeper running and stream records lost        ltl all_accepted
 *   (3) a record is never marked DELIVERED before it was accepted
 *                                                      assertion in markDelivered()
 *   (4) no record of a cancelled transaction is ever accepted; checked in a stronger
 *       form: when a record is accepted, its transaction has committed
 *                                                      assertion in accept()
 *
 * The bus: the classic EventBridge bus by default; with -DCUSTOM_BUS the enhanced Custom
 * Event Bus (lambdas/outbox/custom-bus-publisher.ts): each entry carries EventGroupId =
 * the aggregate key and DeduplicationId = the event's eventId; a repeat of a key the bus
 * already PUBLISHED comes back DEDUPLICATED, which the relay counts as accepted; a FIFO
 * subscriber hands each group's events to its target in the order they were PUBLISHED.
 * "Accepted" in (1)-(4) then means PUBLISHED, put on the bus as a new event, and two more
 * properties are checked:
 *   (5) each committed record is put on the bus as a new event exactly once: never
 *       PUBLISHED twice                                assertion in accept()
 *       and eventually PUBLISHED                       (2)
 *   (6) the FIFO subscriber hands the records of each aggregate to its target in sequence
 *       order, each once                 assertion in the subscriber step (Environment)
 * The de-duplication window (5 minutes of wall-clock time) is unbounded here: the model
 * has no time, and a window of steps would stand for nothing real. DEDUP_WINDOW_EXPIRES
 * lets it close at any moment, which is what a time window is once time is abstracted.
 *
 * Broken variants, to show that each property can fail (compile-time switches):
 *   NO_PREDECESSOR_CHECK  planDelivery ignores the predecessor: (1) fails
 *                         (kept as outbox-no-predecessor-check.pml)
 *   NO_SWEEPER            no sweeper: (2) fails once a stream record is lost
 *   MARK_BEFORE_PUBLISH   mark DELIVERED, then publish: (3) fails
 *   WRITER_NOT_ATOMIC     outbox Put, then entity Update, as two calls: (4) fails
 * and, with CUSTOM_BUS:
 *   NO_DEDUP              a bus that does not de-duplicate (or an adapter that sends a
 *                         new DeduplicationId per call): (5) fails
 *   DEDUP_WINDOW_EXPIRES  the window closes at any moment: (5) fails
 *   DEDUPLICATED_IS_FAILURE  the relay takes DEDUPLICATED for a retryable failure: (2)
 *                         fails, the aggregate's next record is never published
 *   UNORDERED_SUBSCRIBER  the subscriber hands over any queued event of a group, not
 *                         the oldest (an UNORDERED subscriber): (6) fails
 */

/* ---- bounds (override with spin -DNAME=value) ------------------------------------------ */
#ifndef NA
#define NA 2 /* aggregates */
#endif
#ifndef K
#define K 2 /* write attempts per aggregate (concurrent writers), so at most K records */
#endif
#ifndef KB
#define KB 1 /* write attempts on each other aggregate (so at most KB records) */
#endif
#ifndef NL
#define NL 2 /* stream lanes */
#endif
#ifndef BATCH
#define BATCH 2 /* most records one relay invocation gets */
#endif
#ifndef ROUNDS
#define ROUNDS 2 /* delivery rounds of one relay invocation (PREDECESSOR_WAIT_MS) */
#endif
#ifndef FAULTS
#define FAULTS 1 /* crashes, failed calls, lost answers, anywhere in the relay and the sweeper */
#endif
#ifndef DROPS
#define DROPS 1 /* stream records that never reach the relay */
#endif

#define NR (NA * K) /* record slots: record n (from 1) of aggregate a is slot a*K + n-1 */
#define NT (NA * K) /* transaction ids: writer w of aggregate a runs transaction a*K + w */
#define NW (K + (NA - 1) * KB) /* writers */
#define mask byte   /* a set of record slots, one bit each: NR <= 8 */

/* status of an outbox record in the table. ABSENT is also what TTL leaves behind: the
   code treats a deleted record exactly like a DELIVERED one, and TTL deletes only
   DELIVERED records, so deletion is not modelled. FAILED (poison) is not modelled. */
#define ABSENT 0
#define PENDING 1
#define DELIVERED 2

/* outcome of a transaction */
#define OPEN 0
#define COMMITTED 1
#define CANCELLED 2

#define has(m, r) (((m) >> (r)) & 1)
#define aggOf(r) ((r) / K)
#define idxOf(r) ((r) % K) /* position in the aggregate: 0 for its first record */
#define aggMask(a) (((1 << K) - 1) << ((a) * K))

/* ---- shared state ---------------------------------------------------------------------- */
byte version[NA];      /* entity item: optimistic-concurrency version */
byte lastEventSeq[NA]; /* entity item: sequence of the last record, the next prevSeq */
byte status[NR];       /* outbox table */
byte txnOf[NR];        /* which transaction wrote the record (its eventIds) */
byte outcome[NT];
byte writersDone;
mask committed; /* records written by a committed transaction */
mask accepted;  /* records EventBridge accepted at least once */
mask pending;   /* records whose status is PENDING (the sparse pending index) */
mask unstreamed; /* committed records whose stream record has not reached a lane yet */
typedef Lane_t {
  byte rec[NR]; /* stream records, in the order the lane delivers them */
  byte n;       /* how many */
  byte cp;      /* checkpoint: the first one not checkpointed */
};
Lane_t lane[NL];
byte faults = FAULTS;
byte drops = DROPS;

/* the properties' assertions, named so that pan's report says which one failed; they
   are set and checked within one atomic step, so they are always false in a state */
bool prop1_inOrder, prop3_acceptedFirst, prop4_committedOnly;

#ifdef CUSTOM_BUS
/* The Custom Event Bus. `accepted` above is what it PUBLISHED (put on the bus as new
   events). Its de-duplication keys: the pair (EventGroupId, DeduplicationId) of a record's
   events is (its pk, its eventIds), and the eventIds were drawn by the transaction that
   wrote it, which wrote to that one aggregate: bit t stands for the keys of transaction t.
   Only a PUBLISHED entry opens a key's window. */
mask dedupKeys;
/* stream records handed to a lane and not yet checkpointed past, in all lanes: the FIFO
   subscriber waits for the relay to be idle */
byte backlog;
/* The FIFO subscriber: per group (aggregate), the PUBLISHED records in the order they
   were PUBLISHED (group a's queue in fifo[a*K ..], fifoLen[a] of them), how many it handed
   to its target (fifoHead[a]), and which (handed). */
byte fifo[NR];
byte fifoLen[NA], fifoHead[NA];
mask handed;
bool prop5_newOnce, prop6_fifoInOrder;
#endif

/* property (2): all transactions ended, and every committed record was accepted (on the
   custom bus: PUBLISHED, which is the other half of (5)) */
#define allAccepted (writersDone == NW && accepted == committed)

/* r := a set bit of m (m != 0), any one */
inline pick(m, r) {
  r = 0;
  do
  :: has(m, r) -> break
  :: (m >> (r + 1)) != 0 -> r++
  od
}

/* the narrative of a counterexample (spin -t replays it; pan ignores printf) */
#define REC(r) aggOf(r), idxOf(r) + 1
inline who() {
  if
  :: _pid < NL -> printf("lane %d: ", _pid)
  :: else -> printf("sweeper: ")
  fi
}

/* ---- EventBridge, and the table's conditional update --------------------------------------- */
/* (4) only what a committed transaction wrote is ever published (a transaction still open
   could yet be cancelled) */
inline committedOnly(r) {
  prop4_committedOnly = (outcome[txnOf[r]] == COMMITTED);
  assert(prop4_committedOnly);
  prop4_committedOnly = false
}

/* the first acceptance of record r: (1) the first acceptance of record n+1 only after the
   first acceptance of n */
inline firstAcceptance(r) {
  prop1_inOrder = (idxOf(r) == 0 || has(accepted, r - 1));
  assert(prop1_inOrder);
  prop1_inOrder = false;
  accepted = accepted | (1 << r)
}

/* PutEvents with record r: all its events, in order. The bus accepts it (classic), or
   PUBLISHES it or answers DEDUPLICATED (custom); either answer is a success for the relay
   (under DEDUPLICATED_IS_FAILURE, `refused` is set instead). */
inline accept(r) {
#ifndef CUSTOM_BUS
  if
  :: !has(accepted, r) ->
     who(); printf("PutEvents accepted a%d#%d\n", REC(r));
     committedOnly(r);
     firstAcceptance(r)
  :: else -> /* same eventIds, same sequences: consumers drop it */
     who(); printf("PutEvents accepted a%d#%d again (a duplicate)\n", REC(r));
     committedOnly(r)
  fi
#else
  if
  :: has(dedupKeys, txnOf[r]) -> /* a repeat within the window: suppressed */
     who(); printf("PutEvents a%d#%d: DEDUPLICATED\n", REC(r));
     committedOnly(r);
#ifdef DEDUPLICATED_IS_FAILURE
     refused = true;
#endif
     skip
  :: else ->
     who(); printf("PutEvents a%d#%d: PUBLISHED\n", REC(r));
     committedOnly(r);
     /* (5) never put on the bus as a new event twice */
     prop5_newOnce = !has(accepted, r);
     assert(prop5_newOnce);
     prop5_newOnce = false;
     firstAcceptance(r);
#ifndef NO_DEDUP
     dedupKeys = dedupKeys | (1 << txnOf[r]);
#endif
     /* on to the FIFO subscriber's queue of the group */
     fifo[aggOf(r) * K + fifoLen[aggOf(r)]] = r;
     fifoLen[aggOf(r)]++
  fi
#endif
}

/* UpdateItem SET status = DELIVERED, condition status = PENDING */
inline markDelivered(r) {
  if
  :: status[r] == PENDING ->
     who(); printf("marked a%d#%d DELIVERED\n", REC(r));
     /* (3) never DELIVERED before accepted */
     prop3_acceptedFirst = has(accepted, r);
     assert(prop3_acceptedFirst);
     prop3_acceptedFirst = false;
     status[r] = DELIVERED;
     pending = pending & ~(1 << r)
  :: else -> /* ConditionalCheckFailed: 'already-done', someone else marked it */
     who(); printf("mark a%d#%d: already done\n", REC(r))
  fi
}

/* ---- one delivery pass (delivery.ts), shared by the relay and the sweeper ---------------- */
/* in: todo, done (what this invocation finished already, counts as DELIVERED);
   out: done (grown), deferred (blocked by a PENDING predecessor); crashed: Lambda died */
#ifndef DEDUPLICATED_IS_FAILURE
#define DELIVERY_LOCALS \
  mask todo, done, deferred, need, chain, marking, satisfied; \
  byte st[NR]; byte r, a, s; bool blocked, crashed
#define NO_ANSWER skip
#else
/* refused: the bus's answer to the last put was DEDUPLICATED, taken for a failure */
#define DELIVERY_LOCALS \
  mask todo, done, deferred, need, chain, marking, satisfied; \
  byte st[NR]; byte r, a, s; bool blocked, crashed, refused
#define NO_ANSWER refused = false
#endif

/* the publisher's verdict on a put of r that was answered: accepted, so its chain goes
   on and its mark starts; or (DEDUPLICATED_IS_FAILURE) retried until out of time */
inline settle(r) {
#ifdef DEDUPLICATED_IS_FAILURE
  if
  :: refused ->
     refused = false;
     who(); printf("a%d#%d unfinished: DEDUPLICATED taken for a failure until out of time\n", REC(r));
     chain = chain & ~aggMask(aggOf(r))
  :: else ->
#endif
     chain = chain & ~(1 << r);
     marking = marking | (1 << r)
#ifdef DEDUPLICATED_IS_FAILURE
  fi
#endif
}

/* a crash (timeout, out of memory, …) instead of the next step */
#define CRASH faults > 0 -> faults--; who(); printf("crashes\n"); crashed = true

inline deliver(sweeping) {
  d_step {
    /* the sweeper runs while records are PENDING: a consistent query of each
       aggregate's PENDING records */
    !sweeping || pending != 0;
    if
    :: sweeping ->
       r = 0;
       do
       :: r < NR ->
          if
          :: status[r] == PENDING -> todo = todo | (1 << r)
          :: else -> skip
          fi;
          r++
       :: else -> break
       od
    :: else -> skip
    fi;
    /* 1. readStates: the records and their predecessors outside the batch (consistent
          BatchGetItem); what this invocation finished already counts as DELIVERED */
    need = todo;
    r = 0;
    do
    :: r < NR ->
       if
       :: has(todo, r) && idxOf(r) > 0 -> need = need | (1 << (r - 1))
       :: else -> skip
       fi;
       r++
    :: else -> break
    od;
    r = 0;
    do
    :: r < NR ->
       if
       :: has(need, r) && has(done, r) -> st[r] = DELIVERED
       :: has(need, r) && !has(done, r) -> st[r] = status[r]
       :: else -> skip
       fi;
       r++
    :: else -> break
    od;
    /* 2. planDelivery: per aggregate in sequence order, skip what is not PENDING; a
          record whose predecessor is done (not PENDING) or earlier in the chain joins
          the chain; from the first one blocked by a PENDING predecessor on, defer */
    chain = 0;
    deferred = 0;
    a = 0;
    do
    :: a < NA ->
       blocked = false;
       satisfied = 0;
       s = 0;
       do
       :: s < K ->
          r = a * K + s;
          if
          :: !has(todo, r) -> skip
          :: has(todo, r) && st[r] != PENDING -> /* alreadyDone */
             who(); printf("a%d#%d is done already: skipped\n", REC(r));
             done = done | (1 << r);
             satisfied = satisfied | (1 << r)
          :: has(todo, r) && st[r] == PENDING && blocked ->
             who(); printf("a%d#%d deferred\n", REC(r));
             deferred = deferred | (1 << r)
          :: has(todo, r) && st[r] == PENDING && !blocked ->
#ifndef NO_PREDECESSOR_CHECK
             if
             :: s == 0 -> skip /* the first record: no predecessor */
             :: s > 0 && has(satisfied, r - 1) -> skip
             :: s > 0 && !has(satisfied, r - 1) && !has(todo, r - 1) && st[r - 1] != PENDING ->
                skip
             :: else -> blocked = true
             fi;
#endif
             if
             :: blocked ->
                who(); printf("a%d#%d deferred: predecessor PENDING\n", REC(r));
                deferred = deferred | (1 << r)
             :: else ->
                who(); printf("a%d#%d to publish\n", REC(r));
                chain = chain | (1 << r);
                satisfied = satisfied | (1 << r)
             fi
          fi;
          s++
       :: else -> break
       od;
       a++
    :: else -> break
    od;
    /* dead from here on: back to canonical values (the sweeper needs no answer, so
       what it found done or deferred is dead too) */
    a = 0; s = 0; blocked = false; satisfied = 0; need = 0; todo = 0;
    if
    :: sweeping -> done = 0; deferred = 0
    :: else -> skip
    fi;
    r = 0;
    do
    :: r < NR -> st[r] = 0; r++
    :: else -> break
    od;
    r = 0
  };
  /* 3. OrderedPublisher: each aggregate's chain in order, the next record only once the
        previous one was accepted; aggregates interleaved in any order. onAccepted starts
        the conditional mark, which completes at any later point. */
  do
  :: chain != 0 ->
     atomic {
       /* some aggregate with a chain left, and its next record */
       a = 0;
       do
       :: (chain & aggMask(a)) != 0 -> break
       :: (chain >> ((a + 1) * K)) != 0 -> a++
       od;
       r = a * K;
       do
       :: !has(chain, r) -> r++
       :: else -> break
       od;
       a = 0;
       if
       :: CRASH
       :: faults > 0 ->
          /* retryable errors until the time ran out: the record and the rest of its
             chain are unfinished (neither done nor deferred) */
          faults--;
          who(); printf("PutEvents failed until out of time: a%d#%d unfinished\n", REC(r));
          chain = chain & ~aggMask(aggOf(r))
       :: true ->
#ifndef MARK_BEFORE_PUBLISH
          accept(r);
          settle(r)
       :: faults > 0 ->
          /* the call landed, but its answer was lost (a timeout, a dropped connection): a
             call without an answer, which the publisher sends again while time remains */
          faults--;
          who(); printf("PutEvents a%d#%d landed, its answer was lost\n", REC(r));
          accept(r);
          NO_ANSWER;
          if
          :: true -> /* sent again by a later step: r stays first in its chain */
             skip
          :: true ->
             who(); printf("a%d#%d unfinished: out of time to send it again\n", REC(r));
             chain = chain & ~aggMask(aggOf(r))
          fi
#else
          markDelivered(r);
          done = done | (1 << r);
          chain = chain & ~(1 << r);
          marking = marking | (1 << r)
#endif
       fi;
       r = 0
     }
  :: marking != 0 ->
     atomic {
       pick(marking, r);
       if
       :: CRASH
       :: faults > 0 -> /* UpdateItem failed: logged, the record stays PENDING */
          faults--;
          who(); printf("marking a%d#%d failed\n", REC(r));
          marking = marking & ~(1 << r)
       :: true ->
#ifndef MARK_BEFORE_PUBLISH
          markDelivered(r);
          if
          :: !sweeping -> done = done | (1 << r) /* 'marked' or 'already-done' */
          :: else -> skip
          fi;
#else
          accept(r);
#endif
          marking = marking & ~(1 << r)
       fi;
       r = 0
     }
  :: else -> break
  od
}

#define RESET_DELIVERY_LOCALS \
  todo = 0; done = 0; deferred = 0; chain = 0; marking = 0; crashed = false; \
  r = 0; \
  do \
  :: r < NR -> st[r] = 0; r++ \
  :: else -> break \
  od; \
  r = 0

#ifdef CUSTOM_BUS
#define BACKLOG_GROWS backlog++
#define CHECKPOINT(p) backlog = backlog - ((p) - lo); lane[l].cp = (p)
#else
#define BACKLOG_GROWS skip
#define CHECKPOINT(p) lane[l].cp = (p)
#endif

/* ---- the relay: one lane's event source mapping and its invocations (relay.ts) ------------ */
/* Declared first, so the lanes are processes 0 .. NL-1: lane number = _pid. */
#define l _pid
active [NL] proctype Lane() {
  DELIVERY_LOCALS;
  byte lo, hi, i, round;
end:
  do
  :: atomic {
       /* an invocation with records from the checkpoint on: 1..BATCH of them, as batch
          size, batching window and bisect-on-error decide */
       lane[l].cp < lane[l].n ->
       lo = lane[l].cp;
       hi = lo + 1;
       do
       :: hi < lane[l].n && hi - lo < BATCH -> hi++
       :: break
       od;
       printf("lane %d: invoked with", l);
       i = lo;
       do
       :: i < hi ->
          todo = todo | (1 << lane[l].rec[i]);
          printf(" a%d#%d", REC(lane[l].rec[i]));
          i++
       :: else -> break
       od;
       printf("\n");
       i = 0
     };
     /* relayStreamBatch: delivery rounds over what is still deferred */
     {
       do
       :: todo != 0 && round < ROUNDS ->
          deliver(false);
          atomic {
            todo = deferred;
            deferred = 0;
            round++;
            if
            :: round == ROUNDS -> todo = 0 /* left for the retry */
            :: else -> skip
            fi
          }
       :: else -> break
       od
     } unless { crashed };
     atomic {
       if
       :: !crashed && faults > 0 -> /* died before answering */
          faults--;
          printf("lane %d: crashes\n", l);
          crashed = true
       :: true -> skip
       fi;
       /* the answer: batchItemFailures = the earliest record (in lane order) not done;
          a crashed invocation answers nothing: the whole batch is retried */
       i = lo;
       do
       :: !crashed && i < hi && has(done, lane[l].rec[i]) -> i++
       :: else -> break
       od;
       /* the event source mapping: checkpoint there and retry the rest, or, once its
          retries (or the record age) ran out, discard the batch (on-failure queue) */
       if
       :: i == hi ->
          printf("lane %d: batch done, checkpoint at %d\n", l, hi);
          CHECKPOINT(hi)
       :: i < hi ->
          printf("lane %d: batch failed, retried from position %d\n", l, i);
          CHECKPOINT(i)
       :: i < hi && faults > 0 ->
          faults--;
          printf("lane %d: retries exhausted, positions %d..%d discarded\n", l, lo, hi - 1);
          CHECKPOINT(hi)
       fi;
       lo = 0; hi = 0; i = 0; round = 0;
       RESET_DELIVERY_LOCALS
     }
  od
}

/* ---- the sweeper (sweeper.ts): reserved concurrency 1, runs forever --------------------- */
#ifndef NO_SWEEPER
active proctype Sweeper() {
  DELIVERY_LOCALS;
end:
  do
  :: { deliver(true) } unless { crashed };
     atomic { RESET_DELIVERY_LOCALS }
  od
}
#endif
#undef l

/* ---- writers, the stream, the FIFO subscriber: the environment of the relay -------------- */
/* One process for all writers, the stream and (custom bus) the FIFO subscriber: its steps
   interleave with each other and with everything else in every order, and (all of them
   being finite) weak fairness of the one process gets each of them done. */
inline putOutboxRecord(a, s, t) {
  /* Put outbox record (condition attribute_not_exists): sk = s+1, prevSeq = s */
  status[a * K + s] = PENDING;
  pending = pending | (1 << (a * K + s));
  txnOf[a * K + s] = t;
  committed = committed | (1 << (a * K + s));
  unstreamed = unstreamed | (1 << (a * K + s))
}

active proctype Environment() {
  byte t, a, r, l, i;
  byte wv[NT], ws[NT]; /* what writer t read of its entity: version, lastEventSeq */
  mask toRead, haveRead, havePut;
  d_step {
    /* writers: K on aggregate 0, KB on each other one */
    a = 0;
    do
    :: a < NA ->
       t = 0;
       do
       :: (a == 0 && t < K) || (a > 0 && t < KB) -> toRead = toRead | (1 << (a * K + t)); t++
       :: else -> break
       od;
       a++
    :: else -> break
    od;
    a = 0; t = 0
  };
end:
  do
  :: atomic {
       /* outbox-writer.ts: the command reads the entity and builds its transaction */
       toRead != 0 ->
       /* any aggregate; its writers are interchangeable, so they read in turn */
       pick(toRead, t);
       do
       :: idxOf(t) > 0 && has(toRead, t - 1) -> t--
       :: else -> break
       od;
       a = t / K;
       wv[t] = version[a];
       ws[t] = lastEventSeq[a];
       printf("T%d reads aggregate a%d: version %d, lastEventSeq %d\n", t, a, wv[t], ws[t]);
       toRead = toRead & ~(1 << t);
       haveRead = haveRead | (1 << t);
       t = 0; a = 0
     }
#ifndef WRITER_NOT_ATOMIC
  :: atomic {
       /* TransactWriteItems, all or nothing: Update entity (condition version = :expected
          AND lastEventSeq = :prevSeq) + Put outbox record (attribute_not_exists) */
       haveRead != 0 ->
       pick(haveRead, t);
       a = t / K;
       if
       :: version[a] == wv[t] && lastEventSeq[a] == ws[t] ->
          version[a]++;
          lastEventSeq[a] = ws[t] + 1;
          putOutboxRecord(a, ws[t], t);
          outcome[t] = COMMITTED;
          printf("T%d commits record a%d#%d\n", t, a, ws[t] + 1)
       :: version[a] == wv[t] && lastEventSeq[a] == ws[t] ->
          /* another item's condition: idempotency, additionalItems */
          outcome[t] = CANCELLED;
          printf("T%d cancelled (a condition of another item)\n", t)
       :: else ->
          /* a concurrent write won: VersionConflictError */
          outcome[t] = CANCELLED;
          printf("T%d cancelled (version conflict)\n", t)
       fi;
       haveRead = haveRead & ~(1 << t);
       writersDone++;
       wv[t] = 0; ws[t] = 0; t = 0; a = 0
     }
#else
  :: atomic {
       /* broken: first the outbox Put on its own ... */
       haveRead != 0 ->
       pick(haveRead, t);
       a = t / K;
       if
       :: status[a * K + ws[t]] == ABSENT ->
          putOutboxRecord(a, ws[t], t);
          printf("T%d puts record a%d#%d\n", t, a, ws[t] + 1)
       :: else -> skip
       fi;
       haveRead = haveRead & ~(1 << t);
       havePut = havePut | (1 << t);
       t = 0; a = 0
     }
  :: atomic {
       /* ... then the entity Update */
       havePut != 0 ->
       pick(havePut, t);
       a = t / K;
       if
       :: version[a] == wv[t] && lastEventSeq[a] == ws[t] ->
          version[a]++;
          lastEventSeq[a] = ws[t] + 1;
          outcome[t] = COMMITTED;
          printf("T%d updates its entity: committed\n", t)
       :: version[a] == wv[t] && lastEventSeq[a] == ws[t] ->
          outcome[t] = CANCELLED;
          printf("T%d cancelled (a condition of another item)\n", t)
       :: else ->
          outcome[t] = CANCELLED;
          printf("T%d cancelled (version conflict)\n", t)
       fi;
       havePut = havePut & ~(1 << t);
       writersDone++;
       wv[t] = 0; ws[t] = 0; t = 0; a = 0
     }
#endif
  :: atomic {
       /* the DynamoDB Stream: a committed INSERT reaches a lane, any lane, in any order
          (AWS orders stream records per item only), or is lost (24 h retention, never
          handed to the relay). Lanes are interchangeable: lane l+1 is used only once
          lane l was, which drops mirror-image states and loses no behaviour. */
       unstreamed != 0 ->
       pick(unstreamed, r);
       unstreamed = unstreamed & ~(1 << r);
       if
       :: l = 0;
          do
          :: l < NL - 1 && lane[l].n > 0 -> l++
          :: break
          od;
          lane[l].rec[lane[l].n] = r;
          lane[l].n++;
          BACKLOG_GROWS;
          printf("stream: a%d#%d -> lane %d\n", REC(r), l)
       :: drops > 0 ->
          drops--;
          printf("stream: a%d#%d lost\n", REC(r))
       fi;
       r = 0; l = 0
     }
#ifdef CUSTOM_BUS
  :: atomic {
       /* AWS's side of a custom bus: a FIFO subscriber hands each group's events to its
          target (an SQS FIFO queue) in the order they were PUBLISHED. Its own retries and
          dead-letter queue are AWS's, and not modelled: the model ends at the hand-off.
          It moves once the outbox is at rest: every transaction ended, no record PENDING
          (so none is PUBLISHED any more), the stream and the relay idle. That loses
          nothing: nothing else reads what it does and the queues it reads only grow, so
          its steps commute with every other step; a FIFO subscriber hands over each queue
          in order, whenever it runs. Running it last keeps its progress out of every
          other state (it multiplied the states by 4). */
       writersDone == NW && pending == 0 && unstreamed == 0 && backlog == 0 &&
       accepted != handed ->
       /* a group with events queued, and its oldest */
       i = accepted & ~handed;
       pick(i, r);
       a = aggOf(r);
       i = fifoHead[a];
#ifdef UNORDERED_SUBSCRIBER
       /* broken: any of its queued events */
       do
       :: i + 1 < fifoLen[a] -> i++
       :: break
       od;
#endif
       r = fifo[a * K + i];
       printf("subscriber: a%d#%d to its target\n", REC(r));
       /* (6) the target gets record n of an aggregate as that aggregate's n-th event */
       prop6_fifoInOrder = (idxOf(r) == fifoHead[a]);
       assert(prop6_fifoInOrder);
       prop6_fifoInOrder = false;
       fifo[a * K + i] = 0;
       fifoHead[a]++;
       handed = handed | (1 << r);
       a = 0; r = 0; i = 0
     }
#endif
#ifdef DEDUP_WINDOW_EXPIRES
  :: atomic {
       /* broken: the de-duplication window of a key closes, at any moment */
       dedupKeys != 0 ->
       pick(dedupKeys, t);
       dedupKeys = dedupKeys & ~(1 << t);
       printf("bus: the window of T%d's eventIds closed\n", t);
       t = 0
     }
#endif
  od
}

ltl all_accepted { <> allAccepted }
