import { z } from 'zod';

/** The SQS requests the local queues answer, as the AWS JSON 1.0 wire carries them. */

export const sendMessageRequestSchema = z.looseObject({
  QueueUrl: z.string().nullish(),
  MessageBody: z.string().nullish(),
  MessageAttributes: z
    .record(
      z.string(),
      z.looseObject({
        DataType: z.string(),
        StringValue: z.string().nullish(),
        BinaryValue: z.string().nullish(),
      }),
    )
    .nullish(),
  DelaySeconds: z.number().nullish(),
  MessageGroupId: z.string().nullish(),
  MessageDeduplicationId: z.string().nullish(),
});
export type SendMessageRequest = z.infer<typeof sendMessageRequestSchema>;

export const receiveMessageRequestSchema = z.looseObject({
  QueueUrl: z.string().nullish(),
  MaxNumberOfMessages: z.number().nullish(),
  VisibilityTimeout: z.number().nullish(),
  WaitTimeSeconds: z.number().nullish(),
  MessageAttributeNames: z.array(z.string()).nullish(),
});
export type ReceiveMessageRequest = z.infer<typeof receiveMessageRequestSchema>;

/** DeleteMessage and ChangeMessageVisibility: a receipt handle of a queue. */
export const receiptRequestSchema = z.looseObject({
  QueueUrl: z.string().nullish(),
  ReceiptHandle: z.string().nullish(),
  VisibilityTimeout: z.number().nullish(),
});
export type ReceiptRequest = z.infer<typeof receiptRequestSchema>;

export const getQueueAttributesRequestSchema = z.looseObject({
  QueueUrl: z.string().nullish(),
  AttributeNames: z.array(z.string()).nullish(),
});
export type GetQueueAttributesRequest = z.infer<typeof getQueueAttributesRequestSchema>;
