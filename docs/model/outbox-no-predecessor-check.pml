/*
 * Broken on purpose: outbox.pml with the predecessor check of planDelivery removed, so a
 * PENDING record is published whatever the state of its predecessor. spin must find a
 * counterexample to property (1): test/model/spin.test.ts asserts that it does.
 */
#define NO_PREDECESSOR_CHECK
#include "outbox.pml"
