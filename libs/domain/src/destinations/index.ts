export * from './destination-kind';
export * from './http-settings';
export * from './registry';
export type { EmailDestination } from './email/email.destination';
export type { OAuth2WebhookDestination } from './oauth2-webhook/oauth2-webhook.destination';
export type { SqsDestination } from './sqs/sqs.destination';
export type { WebhookDestination } from './webhook/webhook.destination';
