import { describeChaos } from './chaos-suite.js';

// The same faults on the Custom Event Bus: de-duplicated, ordered delivery end to end.
describeChaos(10, 'custom');
