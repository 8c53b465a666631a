export { loadRelayConfig, type RelayConfig, RelayVariable, relayEnvSchema } from './config.js';
export { PublishNotAuthorizedError, RelayConfigError, RelayError } from './errors.js';
export {
  type RelayDependencies,
  type RelayMetrics,
  type RemainingTime,
  relayStreamBatch,
} from './relay.js';
export { type DecodedStreamRecord, decodeStreamEvent } from './stream-records.js';
