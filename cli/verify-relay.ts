import {
  type EventSourceMappingConfiguration,
  type LambdaClient,
  paginateListEventSourceMappings,
} from '@aws-sdk/client-lambda';
import { type CheckResult, result } from './verify-report.js';

/** Where the relay is: its function, and the stream its mapping must read. */
export interface RelayTarget {
  readonly functionName?: string;
  /** The table's current stream; a mapping on an older stream reads nothing new. */
  readonly streamArn?: string;
}

/** Mapping states on the way to Enabled (the Lambda API reference's `State`). */
const SETTLING = new Set(['Creating', 'Enabling', 'Updating']);

/**
 * What `LastProcessingResult` says. AWS does not enumerate its values; the Lambda developer
 * guide shows `OK`, `No records processed` (a new mapping) and `PROBLEM: Function call
 * failed`. Anything else counts as a problem: the less kind reading.
 */
function processingResult(mapping: EventSourceMappingConfiguration): CheckResult {
  const last = mapping.LastProcessingResult;
  const uuid = mapping.UUID ?? '?';
  if (last === 'OK') return result('event-source-mapping', 'pass', `mapping ${uuid} Enabled, OK`);
  if (last === 'No records processed')
    return result(
      'event-source-mapping',
      'pass',
      `mapping ${uuid} Enabled, no batch processed yet (the canary is its first)`,
    );
  return result(
    'event-source-mapping',
    'fail',
    `mapping ${uuid}'s last processing result is '${last ?? 'none'}'`,
    {
      action:
        "read the relay's logs and its RelayErrorsAlarm; fix the cause (permissions, bus, code), Lambda retries the batch",
    },
  );
}

/** The check of one mapping: enabled, and its last batch processed. */
function mappingResult(mapping: EventSourceMappingConfiguration): CheckResult {
  const state = mapping.State ?? 'unknown';
  const uuid = mapping.UUID ?? '?';
  if (SETTLING.has(state))
    return result('event-source-mapping', 'warn', `mapping ${uuid} is ${state}`, {
      action: 'run verify again in a minute',
    });
  if (state !== 'Enabled')
    return result(
      'event-source-mapping',
      'fail',
      `mapping ${uuid} is ${state} (${mapping.StateTransitionReason ?? 'no reason given'}): the stream is not read`,
      {
        action: `enable it: aws lambda update-event-source-mapping --uuid ${uuid} --enabled (records stay PENDING meanwhile; the sweeper delivers them)`,
      },
    );
  return processingResult(mapping);
}

/**
 * The relay's event source mapping (ListEventSourceMappings): one on the table's current
 * stream, Enabled, and its LastProcessingResult not a problem.
 */
export async function checkEventSourceMapping(
  lambda: LambdaClient,
  relay: RelayTarget,
): Promise<CheckResult> {
  if (relay.functionName === undefined)
    return result('event-source-mapping', 'fail', 'no relay function to look at', {
      action: 'pass --relay-function, or --stack (output RelayFunctionName)',
    });
  const mappings: EventSourceMappingConfiguration[] = [];
  for await (const page of paginateListEventSourceMappings(
    { client: lambda },
    { FunctionName: relay.functionName },
  ))
    mappings.push(...(page.EventSourceMappings ?? []));
  const onStream =
    relay.streamArn === undefined
      ? mappings
      : mappings.filter((m) => m.EventSourceArn === relay.streamArn);
  const mapping = onStream[0];
  if (mapping === undefined)
    return result(
      'event-source-mapping',
      'fail',
      mappings.length === 0
        ? `${relay.functionName} has no event source mapping`
        : `${relay.functionName}'s mappings read ${mappings.map((m) => m.EventSourceArn).join(', ')}, not the table's stream ${relay.streamArn}`,
      { action: 'redeploy the construct: it creates the mapping on the current stream' },
    );
  return mappingResult(mapping);
}
