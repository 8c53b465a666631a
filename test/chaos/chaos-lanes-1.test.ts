import { describeChaos } from './chaos-suite.js';

// A modest run inside npm test; `npm run chaos -- --commands 5000` is the big one.
describeChaos(1);
