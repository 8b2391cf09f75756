import { Inject, Injectable, type Provider, type Type } from '@nestjs/common';
import type { Destination, DestinationType, SendResult } from '@herald/domain';
import { AttemptDeadlines } from './attempt-deadlines';
import type { DestinationSender, SendRequest } from './destination-sender';
import { EmailSender } from './email/email.sender';
import { OAuth2WebhookSender } from './oauth2-webhook/oauth2-webhook.sender';
import { SqsSender } from './sqs/sqs.sender';
import { WebhookSender } from './webhook/webhook.sender';

/**
 * The sender of each destination kind, keyed like the domain's DESTINATION_KINDS, so a kind without
 * a sender does not compile.
 */
const SENDERS: { [T in DestinationType]: Type<DestinationSender<T>> } = {
  webhook: WebhookSender,
  email: EmailSender,
  sqs: SqsSender,
  oauth2_webhook: OAuth2WebhookSender,
};

const SENDER_CLASSES = Object.values(SENDERS);
const SENDER_LIST = Symbol('DESTINATION_SENDER_LIST');

/** Any kind's sender, as the registry calls it: with a destination of the sender's own type. */
interface AnySender {
  readonly type: DestinationType;
  send(request: SendRequest<Destination>): Promise<SendResult>;
}

/** The deliverer's registry: sends through the sender of the destination's kind. */
@Injectable()
export class DestinationSenders {
  private readonly byType = new Map<DestinationType, AnySender>();

  constructor(@Inject(SENDER_LIST) senders: readonly AnySender[]) {
    for (const sender of senders) this.byType.set(sender.type, sender);
  }

  send(request: SendRequest<Destination>): Promise<SendResult> {
    const sender = this.byType.get(request.destination.type);
    if (!sender) throw new Error(`no sender for destination type ${request.destination.type}`);
    return sender.send(request);
  }
}

/** The senders and their registry, for the deliverer's module. */
export const destinationSenderProviders: Provider[] = [
  AttemptDeadlines,
  ...SENDER_CLASSES,
  {
    provide: SENDER_LIST,
    inject: SENDER_CLASSES,
    useFactory: (...senders: AnySender[]) => senders,
  },
  DestinationSenders,
];
