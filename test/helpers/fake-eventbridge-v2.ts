import {
  DescribeEventBusCommand,
  type DescribeEventBusCommandInput,
  type DescribeEventBusCommandOutput,
  type EventBridgeV2Client,
  type EventBridgeV2Command,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
} from '../../lambdas/eventbridge-v2/index.js';

/** An answer: an output, or an error the client throws. */
type Answer<O> = Omit<O, '$metadata'> | Error;

/**
 * A stand-in for `EventBridgeV2Client` at the command level (our client is not a Smithy
 * `Client`, so aws-sdk-client-mock's types do not fit it): scripted answers per operation,
 * the last one repeating, and every command it was sent.
 */
export class FakeEventBridgeV2 {
  readonly sent: EventBridgeV2Command[] = [];
  private readonly putEvents: Answer<PutEventsCommandOutput>[] = [];
  private readonly describes: Answer<DescribeEventBusCommandOutput>[] = [];

  /** The client to hand to the code under test. */
  readonly client = {
    send: (command: EventBridgeV2Command) => this.answer(command),
    destroy: () => undefined,
  } as unknown as EventBridgeV2Client;

  /** Answers PutEvents with these, in order; the last one repeats. */
  onPutEvents(...answers: Answer<PutEventsCommandOutput>[]): this {
    this.putEvents.push(...answers);
    return this;
  }

  /** Answers DescribeEventBus with these, in order; the last one repeats. */
  onDescribeEventBus(...answers: Answer<DescribeEventBusCommandOutput>[]): this {
    this.describes.push(...answers);
    return this;
  }

  /** The inputs of the PutEvents commands sent, in order. */
  get putEventsInputs(): PutEventsCommandInput[] {
    return this.sent.flatMap((c) => (c instanceof PutEventsCommand ? [c.input] : []));
  }

  /** The inputs of the DescribeEventBus commands sent, in order. */
  get describeInputs(): DescribeEventBusCommandInput[] {
    return this.sent.flatMap((c) => (c instanceof DescribeEventBusCommand ? [c.input] : []));
  }

  private async answer(command: EventBridgeV2Command) {
    this.sent.push(command);
    const script = command instanceof PutEventsCommand ? this.putEvents : this.describes;
    const count = this.sent.filter((c) => c.operation === command.operation).length;
    const answer = script[Math.min(count, script.length) - 1];
    if (answer === undefined) throw new Error(`no answer scripted for ${command.operation}`);
    if (answer instanceof Error) throw answer;
    return { ...answer, $metadata: { httpStatusCode: 200 } };
  }
}
