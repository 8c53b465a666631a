import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeV2Client } from '../../lambdas/eventbridge-v2/index.js';

/** One AWS API call a function made, as its SDK client sent it. */
export interface RecordedAwsCall {
  /** Who made it: the name given to {@link AwsCallRecorder.run}. */
  readonly caller: string;
  /** The SDK's service id, e.g. `DynamoDB`, `EventBridge`, `SQS`, `EventBridgeV2`. */
  readonly service: string;
  /** The API operation, e.g. `TransactWriteItems` (a document client's `TransactWrite` too). */
  readonly operation: string;
  /** The request as the code built it (a document client's input: native values). */
  readonly input: Readonly<Record<string, unknown>>;
}

type Send = (this: SdkClient, command: SdkCommand, ...rest: unknown[]) => unknown;

interface SdkClient {
  readonly config?: { readonly serviceId?: string };
}

interface SdkCommand {
  readonly input: Record<string, unknown>;
  /** Set by `@aws-sdk/lib-dynamodb` commands: the low-level command they wrap. */
  readonly clientCommand?: SdkCommand;
}

interface SendOwner {
  send: Send;
}

/** A prototype whose `send` to wrap, and the service id of the calls made through it. */
interface WrappedSend {
  readonly owner: SendOwner;
  /** The service id, for a client without the SDK's `config.serviceId`. */
  readonly serviceId?: string;
}

/**
 * The service id of the calls made through our own eventbridgev2 client, which is not a
 * Smithy `Client` and has no `config.serviceId`: the SDK client's name, `EventBridgeV2`
 * (eb-custom-bus-names).
 */
const EVENTBRIDGE_V2_SERVICE_ID = 'EventBridgeV2';

/**
 * Records every AWS API call made through an SDK v3 client — real clients, real endpoints —
 * and attributes it to the function whose invocation made it. It wraps `send` on the
 * clients' shared base class, and on our own `EventBridgeV2Client` (service id
 * `EventBridgeV2`), so clients a handler module created at import are recorded too; calls
 * made outside {@link run} (the test's own set-up) are not. Every command is recorded,
 * failed ones included: IAM authorizes a request before it can fail otherwise.
 *
 * @example
 * const recorder = AwsCallRecorder.install();
 * await recorder.run('Outbox/Relay', () => relay.handler(event, context));
 * recorder.calls(); // [{ caller: 'Outbox/Relay', service: 'DynamoDB', operation: 'BatchGetItem', … }]
 * recorder.uninstall();
 */
export class AwsCallRecorder {
  private readonly recorded: RecordedAwsCall[] = [];
  private readonly caller = new AsyncLocalStorage<string>();
  private readonly restores: (() => void)[] = [];

  private constructor() {}

  /** Starts recording (call {@link uninstall} when done). */
  static install(): AwsCallRecorder {
    const recorder = new AwsCallRecorder();
    for (const wrapped of sendOwners()) recorder.wrap(wrapped);
    return recorder;
  }

  /** Runs one invocation of `caller`; the calls it makes, awaited or not, are its own. */
  run<T>(caller: string, invocation: () => T): T {
    return this.caller.run(caller, invocation);
  }

  /** The calls recorded so far, in the order they were sent. */
  calls(): readonly RecordedAwsCall[] {
    return [...this.recorded];
  }

  /** Puts the SDK's own `send` back. */
  uninstall(): void {
    for (const restore of this.restores.splice(0)) restore();
  }

  private wrap({ owner, serviceId }: WrappedSend): void {
    const original = owner.send;
    const recorder = this;
    owner.send = function send(this: SdkClient, command: SdkCommand, ...rest: unknown[]) {
      recorder.record(serviceId ?? this.config?.serviceId ?? 'unknown', command);
      return original.call(this, command, ...rest);
    };
    this.restores.push(() => {
      owner.send = original;
    });
  }

  private record(service: string, command: SdkCommand): void {
    const caller = this.caller.getStore();
    if (caller === undefined) return;
    const sent = command.clientCommand ?? command;
    this.recorded.push({
      caller,
      service,
      operation: sent.constructor.name.replace(/Command$/, ''),
      input: sent.input,
    });
  }
}

/**
 * The prototypes whose `send` the clients use: the smithy `Client` base class the SDK
 * clients share (one copy today; several if the dependency tree ever holds more than one),
 * and our `EventBridgeV2Client`, which the SDK's base class does not cover.
 */
function sendOwners(): WrappedSend[] {
  const owners = new Set<SendOwner>();
  for (const client of [DynamoDBClient, DynamoDBDocumentClient, EventBridgeClient, SQSClient]) {
    owners.add(sendOwnerOf(client));
  }
  return [
    ...[...owners].map((owner) => ({ owner })),
    { owner: sendOwnerOf(EventBridgeV2Client), serviceId: EVENTBRIDGE_V2_SERVICE_ID },
  ];
}

/** The nearest prototype of a client class that defines `send` itself. */
function sendOwnerOf(client: { readonly name: string; readonly prototype: unknown }): SendOwner {
  let prototype: unknown = client.prototype;
  while (prototype !== null && !Object.hasOwn(prototype as object, 'send')) {
    prototype = Object.getPrototypeOf(prototype);
  }
  if (prototype === null) throw new Error(`${client.name} has no send method to record`);
  return prototype as SendOwner;
}
