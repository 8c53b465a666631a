import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OrdersServiceStack } from '../lib/index.js';

// The example Orders service. Deploy with `npx cdk deploy`; synthesizes offline.
const app = new App();
new OrdersServiceStack(app, 'DynamoOutboxOrders', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
