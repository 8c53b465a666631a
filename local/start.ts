// `npm start` will run the whole pipeline locally (DynamoDB Local, the API, the stream
// poller, the relay and a local EventBridge endpoint). Until that lands, say so plainly
// rather than pretend.
process.stderr.write(
  'dynamo-outbox: local mode is not built yet. Run `npm test` to exercise the writer and the Orders API.\n',
);
process.exit(1);
