export {
  loadSweeperConfig,
  type SweeperConfig,
  SweeperVariable,
  sweeperEnvSchema,
} from './config.js';
export { SweeperConfigError, SweeperError, SweepNotAuthorizedError } from './errors.js';
export {
  type SweeperDependencies,
  type SweeperMetrics,
  type SweepReport,
  sweepPendingRecords,
} from './sweeper.js';
