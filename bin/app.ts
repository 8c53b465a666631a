import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OrdersServiceStack } from '../lib/index.js';

// The example Orders service. Deploy with `npx cdk deploy`; synthesizes offline.
// Optional context: `-c webAclArn=arn:aws:wafv2:…:regional/webacl/…` attaches a web ACL to
// the API stage; `-c apiReservedConcurrency=N` reserves N executions for each API Lambda.
const app = new App();
const webAclArn: unknown = app.node.tryGetContext('webAclArn');
const apiReservedConcurrency: unknown = app.node.tryGetContext('apiReservedConcurrency');
new OrdersServiceStack(app, 'DynamoOutboxOrders', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  ...(webAclArn === undefined ? {} : { webAclArn: String(webAclArn) }),
  ...(apiReservedConcurrency === undefined
    ? {}
    : { apiReservedConcurrency: Number(apiReservedConcurrency) }),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
