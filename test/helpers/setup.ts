// Registers aws-sdk-client-mock's matchers (toHaveReceivedCommandWith, …) for every suite.
import 'aws-sdk-client-mock-vitest/extend';
