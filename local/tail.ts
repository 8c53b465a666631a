// `npm run tail`: follows the local bus, one line per accepted event.
const busUrl = process.env.BUS_URL ?? `http://127.0.0.1:${process.env.BUS_PORT ?? '4010'}`;

interface LocalEvent {
  readonly id: string;
  readonly time: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: {
    aggregateType?: string;
    aggregateId?: string;
    sequence?: number;
    data?: unknown;
  };
}

let since: string | undefined;
let warned = false;
for (;;) {
  try {
    const response = await fetch(
      `${busUrl}/events${since ? `?since=${encodeURIComponent(since)}` : ''}`,
    );
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    const events = (await response.json()) as LocalEvent[];
    for (const event of events) {
      const { aggregateType, aggregateId, sequence, data } = event.detail;
      process.stdout.write(
        `${event.time} ${event.detailType.padEnd(16)} ${aggregateType ?? ''}#${aggregateId ?? ''} seq ${sequence ?? '-'} ${JSON.stringify(data)}\n`,
      );
      since = event.id;
    }
    warned = false;
  } catch (error) {
    if (!warned)
      process.stderr.write(
        `waiting for the local bus at ${busUrl} (${(error as Error).message}); is \`npm start\` running?\n`,
      );
    warned = true;
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
