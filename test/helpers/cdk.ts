import { App, Stack } from 'aws-cdk-lib';

/**
 * An app whose stacks skip Lambda bundling: templates in milliseconds. The one test that
 * bundles for real synthesizes `bin/app.ts` with the CDK CLI.
 */
export function testApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

/** A stack in a {@link testApp}. */
export function testStack(): Stack {
  return new Stack(testApp(), 'Test');
}
